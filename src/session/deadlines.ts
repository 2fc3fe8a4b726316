/**
 * Every time budget of a milter session, derived here and nowhere else: a stage's deadline (`milter.commandDeadlineMs`,
 * `milter.eomDeadlineMs`), the policy's deadline inside the end-of-message one (a little shorter, so the policy answers
 * with its own fail mode and precise reason before the engine's generic eom-deadline), and the libmilter shim's safety
 * timeout in C (a little longer, for when JavaScript does not answer at all).
 */
import { DeadlineError, type Deadline } from "../vocabulary/deadline.js";

/** The stage deadlines a session reads (a subset of the `milter` configuration section). */
export interface DeadlineSettings {
  commandDeadlineMs: number;
  eomDeadlineMs: number;
}

/** Added to the stage deadlines for the libmilter shim's own safety timeout. */
export const SAFETY_MARGIN_MS = 1000;

/** The budgets of a session's stages, in milliseconds. */
export interface StageBudgets {
  /** A stage before end of message: the policy's handler must answer within it. */
  commandMs: number;
  /** End of message: the engine applies `milter.deadlineFailMode` with reason eom-deadline after it. */
  eomMs: number;
  /** The policy's deadline at end of message (the Deadline it is handed). */
  policyEomMs: number;
  /** The shim's timeouts in C, for a stage before end of message and for end of message. */
  shimCommandMs: number;
  shimEomMs: number;
}

/** The budgets for these settings. */
export function stageBudgets(settings: DeadlineSettings): StageBudgets {
  return {
    commandMs: settings.commandDeadlineMs,
    eomMs: settings.eomDeadlineMs,
    policyEomMs: settings.eomDeadlineMs - reserveMs(settings.eomDeadlineMs),
    shimCommandMs: settings.commandDeadlineMs + SAFETY_MARGIN_MS,
    shimEomMs: settings.eomDeadlineMs + SAFETY_MARGIN_MS,
  };
}

/** Milliseconds kept back from the engine's deadline: a tenth, at least 20 and at most 100. */
export function reserveMs(deadlineMs: number): number {
  return Math.max(20, Math.min(100, Math.floor(deadlineMs / 10)));
}

/** A deadline the engine started, stopped when the policy has answered. */
export interface RunningDeadline extends Deadline {
  /** Stop the timer. */
  dispose(): void;
}

/**
 * Start a deadline `ms` from now, also ending when `parent` aborts. Its timer and signal are made when first used, so a
 * policy that answers at once costs none.
 */
export function startDeadline(ms: number, parent?: AbortSignal): RunningDeadline {
  const endsAt = performance.now() + ms;
  let controller: AbortController | null = null;
  let timer: NodeJS.Timeout | undefined;
  const onParent = () => controller?.abort(new DeadlineError());
  const arm = (): AbortSignal => {
    if (controller) return controller.signal;
    const armed = new AbortController();
    controller = armed;
    timer = setTimeout(() => armed.abort(new DeadlineError()), Math.max(0, endsAt - performance.now()));
    if (parent?.aborted) onParent();
    else parent?.addEventListener("abort", onParent, { once: true });
    return armed.signal;
  };
  return {
    get signal() {
      return arm();
    },
    remaining: () => Math.max(0, endsAt - performance.now()),
    race<T>(promise: Promise<T>): Promise<T> {
      const signal = arm();
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
