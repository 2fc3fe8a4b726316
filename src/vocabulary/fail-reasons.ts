/**
 * Fail modes and the reasons they apply: what a message gets when a dependency is down or a deadline passes, and how
 * that is labelled in the status header.
 */
import type { SmtpReply, Verdict } from "./verdict.js";

/** What a message gets when Floodgate cannot decide in time: passed on, or tempfailed for the MTA to retry. */
export type FailMode = "continue" | "tempfail";

/** Why a fail mode applied at end of message (the `reason` label of floodgate_fail_mode_total). */
export type FailReason =
  "redis-timeout" | "redis-down" | "redis-error" | "pool-full" | "pool-timeout" | "pool-down" | UnparsedReason;

/** Why no fingerprint could be made of the message itself: `policy.unparsedAction` applies, not the fail mode. */
export type UnparsedReason = "unparsed" | "thread-died";

const UNPARSED: ReadonlySet<FailReason> = new Set<UnparsedReason>(["unparsed", "thread-died"]);

/** Whether a reason is about the message (`policy.unparsedAction`) rather than a dependency (`policy.failMode`). */
export function isUnparsed(reason: FailReason): reason is UnparsedReason {
  return UNPARSED.has(reason);
}

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
