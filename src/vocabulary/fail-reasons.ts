/**
 * The registry of failure reasons: why a fail mode applied, in one place. Each reason's label is what the status header
 * says (`skipped; reason=<label>`), what the metric counts (`floodgate_fail_mode_total{reason="<label>"}`) and what the
 * tempfail reply names; its cause is the documentation (the README's fail-mode table is checked against it, and the
 * libmilter shim gets its labels from here at start).
 */
import type { Stage } from "./stage.js";
import type { SmtpReply, Verdict } from "./verdict.js";

/** What a message gets when Floodgate cannot decide in time: passed on, or tempfailed for the MTA to retry. */
export type FailMode = "continue" | "tempfail";

/** A reason's entry: which setting chooses its fail mode, and what went wrong. */
export interface FailReasonEntry {
  /** The configuration key whose fail mode applies. */
  readonly setting:
    "milter.deadlineFailMode" | "policy.dependencyFailMode" | "policy.unparsedAction" | "policy.largeMailFailMode";
  /** What went wrong, for operators. */
  readonly cause: string;
}

/** The reasons the policy gives when a dependency is down, slow or refuses the message. */
export const POLICY_FAIL_REASONS = {
  "redis-timeout": { setting: "policy.dependencyFailMode", cause: "Redis did not answer within the policy's deadline" },
  "redis-down": {
    setting: "policy.dependencyFailMode",
    cause: "Redis cannot be reached, is loading, or is failing over",
  },
  "redis-error": { setting: "policy.dependencyFailMode", cause: "Redis answered the campaign lookup with an error" },
  "redis-readonly": {
    setting: "policy.dependencyFailMode",
    cause: "Redis refuses writes as a replica (after a failover) and does not know the campaign",
  },
  "redis-oom": {
    setting: "policy.dependencyFailMode",
    cause: "Redis refuses writes at maxmemory and does not know the campaign",
  },
  "pool-full": { setting: "policy.dependencyFailMode", cause: "the fingerprint pool's queue is full" },
  "pool-timeout": {
    setting: "policy.dependencyFailMode",
    cause: "the fingerprint pool did not answer within the deadline",
  },
  "pool-down": { setting: "policy.dependencyFailMode", cause: "the fingerprint pool is not running" },
  "pool-large": {
    setting: "policy.largeMailFailMode",
    cause:
      "the fingerprint pool did not read a message of at least fingerprint.parseKiB in time or had no room for it: " +
      "large mail waits behind smaller mail, so the pool was busy with large mail (a flood costly to read)",
  },
  unparsed: { setting: "policy.unparsedAction", cause: "no fingerprint can be made of the message" },
  "thread-died": {
    setting: "policy.unparsedAction",
    cause: "the fingerprint thread died on the message (the pool starts another)",
  },
} as const satisfies Record<string, FailReasonEntry>;

/** Why a fail mode applied at end of message (the `reason` label of floodgate_fail_mode_total). */
export type FailReason = keyof typeof POLICY_FAIL_REASONS;

/** The `policy` settings that choose what a message a fail reason names becomes. */
export interface PolicyFailModes {
  dependencyFailMode: FailMode;
  unparsedAction: FailMode | "reject";
  largeMailFailMode: FailMode;
}

/** What a message becomes for a reason: the mode of the setting the registry names for it. */
export function failModeOf(reason: FailReason, policy: PolicyFailModes): FailMode | "reject" {
  switch (POLICY_FAIL_REASONS[reason].setting) {
    case "policy.unparsedAction":
      return policy.unparsedAction;
    case "policy.largeMailFailMode":
      return policy.largeMailFailMode;
    default:
      return policy.dependencyFailMode;
  }
}

/**
 * The reasons an engine gives for a stage, as `<stage>-<kind>` (for example `eom-deadline`): the policy's handler
 * missed the stage's deadline or threw, or (libmilter engine) JavaScript did not answer the shim in time.
 */
export const STAGE_FAIL_KINDS = {
  deadline: { setting: "milter.deadlineFailMode", cause: "the policy did not answer within the stage's deadline" },
  error: { setting: "milter.deadlineFailMode", cause: "the policy's handler for the stage threw" },
  "safety-timeout": {
    setting: "milter.deadlineFailMode",
    cause: "libmilter engine: JavaScript did not answer the shim within the deadline plus its safety margin",
  },
} as const satisfies Record<string, FailReasonEntry>;

/** How an engine's stage failed. */
export type StageFailKind = keyof typeof STAGE_FAIL_KINDS;

/** The label of a stage's failure, such as `eom-deadline`. */
export function stageFailReason(stage: Stage, kind: StageFailKind): string {
  return `${stage}-${kind}`;
}

/** The reply that names the reason: a tempfail's, or a reject's (`policy.unparsedAction: reject`). */
export function failReply(reason: string, kind: "tempfail" | "reject" = "tempfail"): SmtpReply {
  if (kind === "reject")
    return { code: 550, xcode: "5.7.1", text: `Message refused: Floodgate cannot read it (${reason})` };
  return { code: 451, xcode: "4.7.1", text: `Floodgate: ${reason}, try again later` };
}

/** The verdict a fail mode gives, with a reply that says why. */
export function failModeVerdict(mode: FailMode, reason: string): Verdict {
  return mode === "continue" ? { kind: "continue" } : { kind: "tempfail", reply: failReply(reason) };
}

/** The status header value when a fail mode applied for `reasons`. */
export function skippedStatus(reasons: readonly string[]): string {
  return `skipped; reason=${reasons.join(",")}`;
}
