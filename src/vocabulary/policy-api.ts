/**
 * The policy API: what a policy sees of a milter session and what it answers. Both engines (src/engine/typescript
 * and src/engine/libmilter) call a policy through this interface, and both wrap every call in the same deadline and
 * fail-mode rules (src/session/stage-runner.ts).
 */
import type { Deadline } from "./deadline.js";
import type { CapturedMessage, ConnectInfo, EnvelopeAddress, Header } from "./mail.js";
import type { Stage } from "./stage.js";
import type { EndOfMessageResult, Verdict } from "./verdict.js";

/** What a policy can read of the session. */
export interface SessionContext {
  /** A short unique id for logs. */
  readonly id: string;
  readonly engine: "typescript" | "libmilter";
  readonly connect: ConnectInfo | null;
  readonly helo: string | null;
  /** A macro value, with libmilter's stage scoping; `x` and `{x}` both match. */
  macro(name: string): string | undefined;
  /** The current transaction, from MAIL until end of message or abort. */
  readonly transaction: Transaction | null;
  /** Per-session storage for the policy's own state. */
  readonly store: Map<string, unknown>;
}

/**
 * Recipients one transaction lists at most (the first ones the policy accepted), and the distinct recipients of one
 * message sent to Redis at most: they count towards the campaign's distinct recipients, so a message to more counts as
 * this many. Far above any bulk threshold, and it keeps a transaction and one observation's arguments bounded whatever
 * the envelope (Sendmail sets no recipient limit by default).
 */
export const MAX_OBSERVED_RECIPIENTS = 10_000;

export interface Transaction {
  readonly sender: EnvelopeAddress;
  /** The first MAX_OBSERVED_RECIPIENTS accepted, as far as the process's capture budget held them. */
  readonly recipients: readonly EnvelopeAddress[];
  readonly headers: readonly Header[];
  /** The MTA's queue id (macro `i`) once known. */
  readonly queueId: string | undefined;
  /** Set by the engine when a stage handler timed out or failed: the reason the fail mode applied. */
  readonly skipReasons: readonly string[];
}

/**
 * A policy plugs into an engine. Every handler is optional but `endOfMessage`; an absent handler means
 * "continue". Handlers get an AbortSignal that fires when their stage's deadline passes; `endOfMessage` gets the
 * Deadline it must answer within (a little before the engine's own).
 */
export interface MilterPolicy {
  readonly name: string;
  /**
   * Stages where this policy may answer something other than continue. At the other stages it observes, the
   * engine may negotiate no-reply flags where the MTA offers them (headers and body only, by default).
   */
  readonly decidesAt: ReadonlySet<Stage>;
  /** SMFIF_* action bits the policy needs at end of message (SMFIF_ADDHDRS at least, to label messages). */
  readonly actions: number;
  /** Macros to ask for per SMFIM_* stage; sent in the option negotiation reply when the MTA allows it. */
  readonly macros?: Partial<Record<number, string[]>>;

  connect?(ctx: SessionContext, signal: AbortSignal): Verdict | Promise<Verdict>;
  helo?(ctx: SessionContext, helo: string, signal: AbortSignal): Verdict | Promise<Verdict>;
  mailFrom?(ctx: SessionContext, sender: EnvelopeAddress, signal: AbortSignal): Verdict | Promise<Verdict>;
  rcptTo?(ctx: SessionContext, recipient: EnvelopeAddress, signal: AbortSignal): Verdict | Promise<Verdict>;
  data?(ctx: SessionContext, signal: AbortSignal): Verdict | Promise<Verdict>;
  endOfHeaders?(ctx: SessionContext, signal: AbortSignal): Verdict | Promise<Verdict>;
  endOfMessage(ctx: SessionContext, message: CapturedMessage, deadline: Deadline): Promise<EndOfMessageResult>;
  /**
   * True while shadow mode is on: the engine's own refusal of a message (one forging Floodgate's headers past what can
   * be cleaned) is then only written in the status header, as the policy's shadow verdicts are. Read at each message;
   * absent, never.
   */
  shadow?(): boolean;
  /** The transaction ended without end of message (ABORT, or the session closed). */
  abort?(ctx: SessionContext): void;
  /** The session ended. */
  close?(ctx: SessionContext): void;
}
