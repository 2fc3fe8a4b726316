/**
 * A two-threshold alert (a Schmitt trigger with hold times): it fires when the value stays at or above `high` for
 * `forSeconds`, and resolves when it stays at or below `low` for `clearForSeconds`. Values between the marks change
 * nothing, so a value hovering around one threshold cannot flap. Pure: the caller passes the time.
 */

/** The thresholds and hold times of one alert. */
export interface HysteresisOptions {
  high: number;
  low: number;
  /** Seconds at or above `high` before firing; 0 fires on the first such sample. */
  forSeconds: number;
  /** Seconds at or below `low` before resolving. */
  clearForSeconds: number;
  /** While firing, report `repeat` this often; 0 or absent never repeats. */
  repeatSeconds?: number;
}

/** The edges `update` reports: only changes (and reminders), never the steady state. */
export type AlertEdge = "firing" | "resolved" | "repeat";

/** Where an alert stands: `pending` is above `high` but not yet for long enough, `clearing` is firing but below `low`. */
export type AlertState = "inactive" | "pending" | "firing" | "clearing";

/** One alert's state machine. */
export class HysteresisAlert {
  #state: AlertState = "inactive";
  #since = 0;
  #firedAt: number | null = null;
  #notifiedAt = 0;
  options: Readonly<HysteresisOptions>;

  constructor(options: HysteresisOptions) {
    this.options = checked(options);
  }

  /** New thresholds, keeping the state: the next samples are judged by them (a configuration reload). */
  reconfigure(options: HysteresisOptions): void {
    this.options = checked(options);
  }

  get state(): AlertState {
    return this.#state;
  }

  /** True while firing (including while waiting to clear). */
  get firing(): boolean {
    return this.#state === "firing" || this.#state === "clearing";
  }

  /** When it fired (ms), or null when not firing. */
  get firedAt(): number | null {
    return this.#firedAt;
  }

  /**
   * Feed one sample taken at `nowMs`. A null value (the sample could not be taken) is no evidence either way: it
   * restarts a pending onset or a pending clear, and never fires or resolves.
   */
  update(value: number | null, nowMs: number): AlertEdge | null {
    const { high, low, forSeconds, clearForSeconds, repeatSeconds } = this.options;
    switch (this.#state) {
      case "inactive":
      case "pending":
        if (value === null || value < high) {
          this.#state = "inactive";
          return null;
        }
        if (this.#state === "inactive") {
          this.#state = "pending";
          this.#since = nowMs;
        }
        if (nowMs - this.#since >= forSeconds * 1000) {
          this.#state = "firing";
          this.#firedAt = nowMs;
          this.#notifiedAt = nowMs;
          return "firing";
        }
        return null;
      case "firing":
      case "clearing":
        if (value !== null && value <= low) {
          if (this.#state === "firing") {
            this.#state = "clearing";
            this.#since = nowMs;
          }
          if (nowMs - this.#since >= clearForSeconds * 1000) {
            this.#state = "inactive";
            this.#firedAt = null;
            return "resolved";
          }
        } else {
          this.#state = "firing";
        }
        if (repeatSeconds && repeatSeconds > 0 && nowMs - this.#notifiedAt >= repeatSeconds * 1000) {
          this.#notifiedAt = nowMs;
          return "repeat";
        }
        return null;
    }
  }
}

function checked(options: HysteresisOptions): HysteresisOptions {
  if (!(options.low <= options.high))
    throw new RangeError(`low (${options.low}) must not be above high (${options.high})`);
  if (options.forSeconds < 0 || options.clearForSeconds < 0) throw new RangeError("hold times must not be negative");
  return { ...options };
}
