/**
 * The deadline a policy works within at end of message. The engine starts it (src/session/deadlines.ts owns every
 * budget) a little before its own, so that the policy still answers with its fail mode and the precise reason
 * (redis-timeout, pool-timeout) rather than the engine's generic eom-deadline.
 */

/** Thrown by `race` when the deadline passed (or the engine's signal fired) first. */
export class DeadlineError extends Error {
  constructor() {
    super("policy deadline passed");
    this.name = "DeadlineError";
  }
}

/** A running deadline. */
export interface Deadline {
  /** Fires at the deadline or with the engine's signal. */
  readonly signal: AbortSignal;
  /** Milliseconds left, never below 0. */
  remaining(): number;
  /** Settle with `promise`, or reject with DeadlineError when the deadline comes first. */
  race<T>(promise: Promise<T>): Promise<T>;
}
