/**
 * Work that runs one piece at a time, behind a bounded line: a caller first takes a place (`admit`; null when the
 * line is full, so a burst holds neither memory nor time without bound), may prepare meanwhile, and then runs its
 * work in its turn, in the order the callers asked for their turns. A place is left once its work has ended, or by
 * `leave` when the caller gives up before.
 */
export interface Place {
  /** Run `work` once every earlier caller's has ended; the place is left when it ends. */
  turn<T>(work: () => Promise<T>): Promise<T>;
  /** Leave the line without running anything (no effect once left). */
  leave(): void;
}

export class Turns {
  #admitted = 0;
  #running = false;
  readonly #waiting: Array<() => void> = [];

  /** @param places callers in the line at most: preparing, waiting and the one running. */
  constructor(private readonly places: number) {}

  /** Callers in the line now. */
  get admitted(): number {
    return this.#admitted;
  }

  /** A place in the line; null when the line is full. */
  admit(): Place | null {
    if (this.#admitted >= this.places) return null;
    this.#admitted++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.#admitted--;
    };
    return {
      leave,
      turn: async <T>(work: () => Promise<T>): Promise<T> => {
        if (this.#running) {
          // The caller before hands its turn over without releasing it, so nobody asking meanwhile goes first.
          await new Promise<void>((turn) => this.#waiting.push(turn));
        }
        this.#running = true;
        try {
          return await work();
        } finally {
          leave();
          const next = this.#waiting.shift();
          if (next) next();
          else this.#running = false;
        }
      },
    };
  }
}
