/**
 * Lines from a child process's output, each cut to its first `maxLineBytes` characters: the MTA queue listings can be
 * as long as the queue (a million messages, recipients by the thousand), and only the start of a line is read, so
 * memory stays bounded by one line's cap whatever the queue holds.
 */

/** Splits text into lines as it arrives; `onLine` gets each one, cut to the cap. */
export class CappedLines {
  #partial = "";
  #dropping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = 4096,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf("\n", start); nl >= 0; nl = chunk.indexOf("\n", start)) {
      this.#take(chunk.slice(start, nl));
      this.#emit();
      start = nl + 1;
    }
    this.#take(chunk.slice(start));
  }

  /** The last line, when the output did not end with a newline. */
  end(): void {
    if (this.#partial !== "" || this.#dropping) this.#emit();
  }

  #take(piece: string): void {
    if (this.#dropping) return;
    const room = this.maxLineBytes - this.#partial.length;
    if (piece.length > room) {
      this.#partial += piece.slice(0, room);
      this.#dropping = true;
    } else this.#partial += piece;
  }

  #emit(): void {
    const line = this.#partial.endsWith("\r") ? this.#partial.slice(0, -1) : this.#partial;
    this.#partial = "";
    this.#dropping = false;
    this.onLine(line);
  }
}
