/**
 * One budget for the bytes every message capture of the process holds (`milter.captureBudgetBytes`): a capture
 * grows past its first INITIAL_CAPTURE_BYTES only by what the budget grants, and gives it all back when its
 * transaction ends. However many sessions send large messages at once, captures hold at most the budget plus their
 * small first stores; a message captured short is still fingerprinted from what was kept, and counted.
 */

/** What each capture holds outside the budget: the store every message starts with. */
export const INITIAL_CAPTURE_BYTES = 16 * 1024;

/**
 * Who hears of the budget (the composition root, for the metrics). The bytes held are read when the metrics are
 * scraped (`held`), not told at each change: a capture reserves at every header field, tens of times a message.
 */
export interface CaptureBudgetListener {
  /** A message was captured short for want of budget. */
  cut(): void;
}

export class CaptureBudget {
  #held = 0;
  #listener: CaptureBudgetListener | null = null;

  /** Bytes granted and not given back. */
  get held(): number {
    return this.#held;
  }

  /** Tell `listener` of every change from now on. */
  listen(listener: CaptureBudgetListener): void {
    this.#listener = listener;
  }

  /** Up to `wanted` more bytes, as many as `limit` leaves free: the bytes granted (0 when it is spent). */
  reserve(wanted: number, limit: number): number {
    const granted = Math.max(0, Math.min(wanted, limit - this.#held));
    if (granted > 0) this.#held += granted;
    return granted;
  }

  /** Give bytes back. */
  release(bytes: number): void {
    if (bytes <= 0) return;
    this.#held = Math.max(0, this.#held - bytes);
  }

  /** A message was captured short for want of budget. */
  countCut(): void {
    this.#listener?.cut();
  }
}

/** The budget of the process's sessions. */
export const captureBudget = new CaptureBudget();
