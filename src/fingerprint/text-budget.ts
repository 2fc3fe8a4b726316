/**
 * Texts joined by line breaks and cut at a number of characters, as they are added: fingerprinting reads at most
 * MAX_TEXT_CHARS of a message's text, so no more than that is ever kept, whatever the number or size of its parts.
 */
export class TextBudget {
  readonly #parts: string[] = [];
  #length = 0;

  constructor(readonly maxChars: number) {}

  /** Characters that may still be added. */
  get room(): number {
    return Math.max(0, this.maxChars - this.#length);
  }

  get full(): boolean {
    return this.#length >= this.maxChars;
  }

  /** Add a text (cut to the room left); a line break separates it from the one before. */
  add(text: string): void {
    if (this.full || text === "") return;
    const kept = text.length <= this.room ? text : text.slice(0, this.room);
    this.#parts.push(kept);
    this.#length += kept.length + 1;
  }

  toString(): string {
    return this.#parts.join("\n");
  }
}
