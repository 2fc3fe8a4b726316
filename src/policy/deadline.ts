/**
 * The policy's own deadline inside the engine's: a little before the end-of-message deadline so the policy
 * still answers with its fail mode and the precise reason (redis-timeout, pool-timeout) instead of the engine's
 * generic "deadline".
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
  /** Stop the timer. */
  dispose(): void;
}

/** Milliseconds kept back from the engine's deadline: a tenth, at least 20 and at most 100. */
export function reserveMs(deadlineMs: number): number {
  return Math.max(20, Math.min(100, Math.floor(deadlineMs / 10)));
}

/** Start a deadline `ms` from now, also ending when `parent` aborts. */
export function startDeadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const endsAt = performance.now() + ms;
  const timer = setTimeout(() => controller.abort(new DeadlineError()), Math.max(0, ms));
  const onParent = () => controller.abort(new DeadlineError());
  if (parent?.aborted) onParent();
  else parent?.addEventListener("abort", onParent, { once: true });
  const signal = controller.signal;
  return {
    signal,
    remaining: () => Math.max(0, endsAt - performance.now()),
    race<T>(promise: Promise<T>): Promise<T> {
      if (signal.aborted) {
        promise.catch(() => undefined);
        return Promise.reject(new DeadlineError());
      }
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(new DeadlineError());
        signal.addEventListener("abort", onAbort, { once: true });
        promise.then(
          (value) => {
            signal.removeEventListener("abort", onAbort);
            resolve(value);
          },
          (error: unknown) => {
            signal.removeEventListener("abort", onAbort);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
    },
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}
