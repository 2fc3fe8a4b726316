/**
 * Work that runs one piece at a time, with a bounded line of callers waiting their turn: past `maxWaiting` a caller
 * is refused at once instead of queued, so that a burst holds neither memory nor time without bound.
 */
export class Turns {
  #running = false;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly maxWaiting: number) {}

  /** Callers waiting for their turn now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Run `work` once every earlier caller's has ended; null, without running it, when the line is full. */
  async run<T>(work: () => Promise<T>): Promise<T | null> {
    if (this.#running) {
      if (this.#waiting.length >= this.maxWaiting) return null;
      // The caller before hands its turn over without releasing it, so nobody arriving meanwhile goes first.
      await new Promise<void>((turn) => this.#waiting.push(turn));
    }
    this.#running = true;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running = false;
    }
  }
}
