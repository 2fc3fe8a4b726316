/**
 * What a policy answers: a verdict for the stage, with an SMTP reply for reject and tempfail, and at end of message
 * the status and labels for Floodgate's own headers and the modifications to apply.
 */
import type { Header } from "./mail.js";
import type { Modification } from "./modification.js";

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

export interface EndOfMessageResult {
  verdict: Verdict;
  /**
   * The status header's value: what was decided and why (`continue; new`, `skipped; reason=redis-timeout`). The engine
   * writes it; without one, it writes `skipped; reason=…` when a stage's fail mode applied, else nothing.
   */
  status?: string;
  /** Floodgate's other own headers (src/vocabulary/own-headers.ts), such as X-Floodgate-Campaign; the engine writes them. */
  labels?: Header[];
  /** Other changes to the message; not Floodgate's own headers, which only the engine writes. */
  modifications?: Modification[];
}

export const CONTINUE: Verdict = Object.freeze({ kind: "continue" });
