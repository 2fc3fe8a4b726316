/**
 * What a policy answers: a verdict for the stage, with an SMTP reply for reject and tempfail, and at end of message
 * the modifications to apply.
 */
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
  modifications?: Modification[];
}

export const CONTINUE: Verdict = Object.freeze({ kind: "continue" });
