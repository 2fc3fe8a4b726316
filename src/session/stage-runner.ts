/**
 * Deadlines and fail modes for policy handlers, shared by both engines.
 * A handler that has not answered by its deadline, or that throws, gets the configured fail mode: continue (and the
 * reason is recorded for the status header) or tempfail. A late answer is dropped, never sent.
 */

export type StageOutcome<T> = { ok: true; value: T } | { ok: false; reason: "deadline" | "error"; error?: unknown };

/**
 * Run `handler` with an AbortSignal that fires at `deadlineMs`. A synchronous answer costs no timer.
 */
export function runWithDeadline<T>(
  handler: (signal: AbortSignal) => T | Promise<T>,
  deadlineMs: number,
): StageOutcome<T> | Promise<StageOutcome<T>> {
  const controller = new AbortController();
  return settleWithin(
    () => handler(controller.signal),
    deadlineMs,
    () => controller.abort(new Error("deadline")),
  );
}

/**
 * Run `run` and settle its outcome, or "deadline" at `deadlineMs` after calling `onDeadline` (which stops whatever
 * the run still does). No AbortController of its own: end of message, on every message, hands the policy a deadline
 * of its own (deadlines.ts) that `onDeadline` ends, and a second controller only linked to it cost an allocation and
 * a listener each time.
 */
export function settleWithin<T>(
  run: () => T | Promise<T>,
  deadlineMs: number,
  onDeadline: () => void,
): StageOutcome<T> | Promise<StageOutcome<T>> {
  let result: T | Promise<T>;
  try {
    result = run();
  } catch (error) {
    return { ok: false, reason: "error", error };
  }
  if (!(result instanceof Promise)) return { ok: true, value: result };
  return new Promise<StageOutcome<T>>((resolve) => {
    const timer = setTimeout(() => {
      onDeadline();
      resolve({ ok: false, reason: "deadline" });
    }, deadlineMs);
    result.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, reason: "error", error });
      },
    );
  });
}
