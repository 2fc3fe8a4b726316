/**
 * The session API: what a policy sees of a milter session and what it answers.
 * Both engines (the TypeScript one in src/session, the libmilter one in src/engine/libmilter) call a policy through
 * this interface, and both wrap every call in the same deadline and fail-mode rules (src/session/stage-runner.ts).
 */

/** The stages of a milter session, in the order an MTA sends them. */
export type Stage = "connect" | "helo" | "mail" | "rcpt" | "data" | "header" | "eoh" | "body" | "eom" | "unknown";

/** Where the SMTP client came from (milter-protocol.md §1.8). */
export interface ConnectInfo {
  /** The client's host name as the MTA resolved it, or `[address]`. */
  hostname: string;
  family: "inet" | "inet6" | "unix" | "unknown";
  /** The plain address: no Sendmail `IPv6:` prefix, no brackets. Null for family `unknown`. */
  address: string | null;
  /** The client's port; null for `unix` and `unknown`. */
  port: number | null;
}

export interface EnvelopeAddress {
  /** The address without angle brackets; the null sender is "". */
  address: string;
  /** ESMTP arguments as sent, such as `SIZE=1234`. */
  args: string[];
}

export interface Header {
  name: string;
  /** The value as the MTA sent it: folded lines joined with "\n", leading space kept when negotiated. */
  value: string;
}

/** An SMTP reply for reject and tempfail verdicts; validated before it is sent (src/milter/reply-code.ts). */
export interface SmtpReply {
  /** Three digits, 4xx for tempfail and 5xx for reject. */
  code: number;
  /** An enhanced status code such as "5.7.1"; its class must match `code`. */
  xcode?: string;
  /** One line, or several for a multi-line reply (at most 32, each at most 980 characters). */
  text: string | string[];
}

export type Verdict =
  | { kind: "continue" }
  | { kind: "accept" }
  | { kind: "reject"; reply?: SmtpReply }
  | { kind: "tempfail"; reply?: SmtpReply }
  | { kind: "discard" };

/** Changes to the message, applied at end of message only (milter-protocol.md §1.4). */
export type Modification =
  | { kind: "addHeader"; name: string; value: string }
  | { kind: "insertHeader"; index: number; name: string; value: string }
  | { kind: "changeHeader"; index: number; name: string; value: string }
  | { kind: "changeFrom"; address: string; args?: string[] }
  | { kind: "addRecipient"; address: string; args?: string[] }
  | { kind: "deleteRecipient"; address: string }
  | { kind: "replaceBody"; body: Buffer }
  | { kind: "quarantine"; reason: string };

export interface EndOfMessageResult {
  verdict: Verdict;
  modifications?: Modification[];
}

/** The message as captured for the policy, capped at `milter.messageCaptureBytes`. */
export interface CapturedMessage {
  /**
   * The headers (as `Name:value\r\n`, reconstructed) then a blank line then the body, up to the cap.
   * The Buffer is backed by a SharedArrayBuffer, so a thread reads it without a copy. Do not modify it.
   */
  raw: Buffer;
  /** True when the message was longer than the cap and `raw` holds only its beginning. */
  truncated: boolean;
  /** The whole message's size in bytes as received, whether captured or not. */
  totalBytes: number;
}

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

export interface Transaction {
  readonly sender: EnvelopeAddress;
  readonly recipients: readonly EnvelopeAddress[];
  readonly headers: readonly Header[];
  /** The MTA's queue id (macro `i`) once known. */
  readonly queueId: string | undefined;
  /** Set by the engine when a stage handler timed out or failed: the reason the fail mode applied. */
  readonly skipReasons: readonly string[];
}

/**
 * A policy plugs into an engine. Every handler is optional but `endOfMessage`; an absent handler means
 * "continue". Handlers get an AbortSignal that fires when their stage's deadline passes.
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
  endOfMessage(ctx: SessionContext, message: CapturedMessage, signal: AbortSignal): Promise<EndOfMessageResult>;
  /** The transaction ended without end of message (ABORT, or the session closed). */
  abort?(ctx: SessionContext): void;
  /** The session ended. */
  close?(ctx: SessionContext): void;
}

export const CONTINUE: Verdict = Object.freeze({ kind: "continue" });
