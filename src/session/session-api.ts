/**
 * What a session core is given and what it gives back: the settings it reads, the hooks it calls, and how an engine
 * sends a verdict to the MTA (the engine's half of src/session/session-core.ts).
 */
import type { SessionContext, MilterPolicy } from "../vocabulary/policy-api.js";
import type { FailMode } from "../vocabulary/fail-reasons.js";
import type { Modification } from "../vocabulary/modification.js";
import type { Stage } from "../vocabulary/stage.js";
import type { Verdict } from "../vocabulary/verdict.js";
import type { Logger } from "../util/logger.js";
import type { LoopLagSource } from "./loop-lag.js";

/** The options a session reads; a subset of the `milter` configuration section. */
export interface SessionSettings {
  maxPacketBytes: number;
  messageCaptureBytes: number;
  captureBudgetBytes: number;
  packetBudgetBytes: number;
  commandDeadlineMs: number;
  eomDeadlineMs: number;
  progressIntervalMs: number;
  deadlineFailMode: FailMode;
  noReplyStages: readonly Stage[];
  statusHeader: string;
}

/** Hooks for metrics and the mail-flow watchdog. */
export interface SessionObserver {
  /** `held`: the reply told the MTA to quarantine the message (SMFIR_QUARANTINE: its hold queue). */
  messageDecided?(verdict: Verdict["kind"], seconds: number, held: boolean): void;
  failMode?(reason: string, mode: FailMode): void;
  protocolError?(kind: string): void;
}

/**
 * How a stage's verdict goes back to the MTA. An engine passes null where no reply is owed (a no-reply promise, or
 * an event libmilter answers itself): a verdict other than continue is then dropped with a warning.
 */
export type Respond = (verdict: SendableVerdict) => void;

/** How the end-of-message answer goes back: the verdict, then the modifications to apply, in order. */
export type DeliverEndOfMessage = (verdict: SendableVerdict, modifications: Modification[]) => void;

/**
 * A verdict ready to send: a reject's or tempfail's SMTP reply validated and formatted once, here
 * (src/milter/reply-code.ts), for the engine to put on the wire as it is.
 */
export type SendableVerdict = Verdict & { readonly formattedReply?: string };

/** What a session core is built from: the engine's name, the policy, and the engine's own macro lookup. */
export interface SessionCoreOptions {
  engine: SessionContext["engine"];
  policy: MilterPolicy;
  /** Read at each use, so a reload applies from the next stage on. */
  settings: () => SessionSettings;
  logger: Logger;
  observer?: SessionObserver;
  /** The engine's macro lookup, with libmilter's stage scoping. */
  macro: (name: string) => string | undefined;
  /** Fields the per-message summary log line carries after `session`. */
  summaryFields?: Record<string, unknown>;
  /** How late the event loop's timers have lately been (./loop-lag.ts). @defaultValue eventLoopLag */
  loopLag?: LoopLagSource;
}
