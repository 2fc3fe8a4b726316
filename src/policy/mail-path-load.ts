/**
 * How busy the mail path is, for the scan budget (`queue.busyRate`): the end-of-message rate this daemon sees over the
 * last WINDOW_SECONDS seconds, and whether that counts as busy. A scan competes with the mail path for the host's
 * cores even in the idle class (caches, the cores' shared resources; benchmarks/README.md measures it), and a flood is
 * when that matters most; so while the mail path is busy only bulk campaigns are scanned, and a smaller campaign's
 * scan waits for one of its copies after the rate has fallen (src/policy/floodgate-policy.ts).
 *
 * Busy is entered at the rate and left below LEAVE_SHARE of it, as Postfix's STRESS mode enters and leaves on two
 * thresholds, so that a rate near the threshold does not flip the state at every message. The clock is injectable:
 * tests need no sleeps.
 */

import type { Logger } from "../util/logger.js";

/** The seconds the rate is averaged over. */
export const WINDOW_SECONDS = 10;
/** Busy is left when the rate falls under this share of `queue.busyRate`. */
export const LEAVE_SHARE = 0.7;

/** An edge of the busy state, for the log. */
export type BusyEdge = "entered" | "left" | null;

/** End-of-message counts per second over a sliding window, and the busy state with its hysteresis. */
export class MailPathLoad {
  readonly #clock: () => number;
  /** Count per second, indexed by the second modulo the window; `#stamps` says which second a slot holds. */
  readonly #counts = new Array<number>(WINDOW_SECONDS).fill(0);
  readonly #stamps = new Array<number>(WINDOW_SECONDS).fill(-1);
  #busy = false;

  /** @param clock ms since the epoch. @defaultValue Date.now */
  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** Count one end of message now. */
  note(): void {
    const second = Math.floor(this.#clock() / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.#stamps[slot] !== second) {
      this.#stamps[slot] = second;
      this.#counts[slot] = 0;
    }
    this.#counts[slot]!++;
  }

  /** Ends of message a second, averaged over the last WINDOW_SECONDS seconds (this one included). */
  rate(): number {
    const now = Math.floor(this.#clock() / 1000);
    let sum = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      const stamp = this.#stamps[i]!;
      if (stamp > now - WINDOW_SECONDS && stamp <= now) sum += this.#counts[i]!;
    }
    return sum / WINDOW_SECONDS;
  }

  /**
   * Whether the mail path is busy at `busyRate` ends of message a second (0: never), and the edge this call crossed:
   * entered at a rate of `busyRate` or more, left below LEAVE_SHARE of it.
   */
  busy(busyRate: number): { busy: boolean; edge: BusyEdge } {
    const was = this.#busy;
    if (busyRate <= 0) this.#busy = false;
    else {
      const rate = this.rate();
      this.#busy = was ? rate >= busyRate * LEAVE_SHARE : rate >= busyRate;
    }
    const edge: BusyEdge = this.#busy === was ? null : this.#busy ? "entered" : "left";
    return { busy: this.#busy, edge };
  }
}

/** Count an end of message in `load` and say whether the mail path is busy at `busyRate`; log the state's edges. */
export function noteEndOfMessage(load: MailPathLoad, busyRate: number, logger: Logger): boolean {
  load.note();
  const { busy, edge } = load.busy(busyRate);
  if (edge === "entered")
    logger.info(
      { rate: load.rate(), busyRate },
      "mail path busy: only bulk campaigns are scanned until the rate falls",
    );
  else if (edge === "left") logger.info({ rate: load.rate(), busyRate }, "mail path no longer busy");
  return busy;
}
