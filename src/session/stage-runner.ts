/**
 * Deadlines and fail modes for policy handlers, shared by both engines.
 * A handler that has not answered by its deadline, or that throws, gets the configured fail mode: continue (and the
 * reason is recorded for the status header) or tempfail. A late answer is dropped, never sent.
 */
import type { SmtpReply, Verdict } from "./policy-api.js";

export type StageOutcome<T> = { ok: true; value: T } | { ok: false; reason: "deadline" | "error"; error?: unknown };

/**
 * Run `handler` with an AbortSignal that fires at `deadlineMs`. A synchronous answer costs no timer.
 */
export function runWithDeadline<T>(
  handler: (signal: AbortSignal) => T | Promise<T>,
  deadlineMs: number,
): StageOutcome<T> | Promise<StageOutcome<T>> {
  const controller = new AbortController();
  let result: T | Promise<T>;
  try {
    result = handler(controller.signal);
  } catch (error) {
    return { ok: false, reason: "error", error };
  }
  if (!(result instanceof Promise)) return { ok: true, value: result };
  return new Promise<StageOutcome<T>>((resolve) => {
    const timer = setTimeout(() => {
      controller.abort(new Error("deadline"));
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

export type FailMode = "continue" | "tempfail";

/** The verdict a fail mode gives, with a reply that says why. */
export function failModeVerdict(mode: FailMode, reason: string): Verdict {
  if (mode === "continue") return { kind: "continue" };
  const reply: SmtpReply = { code: 451, xcode: "4.7.1", text: `Floodgate: ${reason}, try again later` };
  return { kind: "tempfail", reply };
}

/** The status header value the engine adds when a stage's fail mode applied. */
export function skippedStatus(reasons: readonly string[]): string {
  return `skipped; reason=${reasons.join(",")}`;
}
