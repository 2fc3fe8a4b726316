/**
 * Messages sent and not yet answered. Waiting for them uses one callback, not Promise.race over the set: each race
 * attaches a reaction to every pending promise, which piles up to millions under overload (gigabytes, GC thrash).
 */
export class InFlight {
  #count = 0;
  #whenIdle: (() => void) | null = null;

  /** Count `p` until it settles. */
  track(p: Promise<void>): void {
    this.#count++;
    void p.finally(() => {
      if (--this.#count === 0) this.#whenIdle?.();
    });
  }

  /** Resolves when none is in flight, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#whenIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
