/**
 * A verdict made ready to send: a reject's or tempfail's SMTP reply validated and formatted once (src/milter/reply-code.ts),
 * for the engine to put on the wire as it is.
 */
import { formatReply, ReplyCodeError } from "../milter/reply-code.js";
import type { Verdict } from "../vocabulary/verdict.js";
import type { SendableVerdict } from "./session-api.js";

/** The verdict as it can be sent: an SMTP reply that fails validation gives way to the plain verdict (`warn` hears why). */
export function sendableVerdict(verdict: Verdict, warn: (err: string) => void): SendableVerdict {
  if ((verdict.kind !== "reject" && verdict.kind !== "tempfail") || !verdict.reply) return verdict;
  try {
    return { ...verdict, formattedReply: formatReply(verdict.reply, verdict.kind) };
  } catch (error) {
    if (!(error instanceof ReplyCodeError)) throw error;
    warn(error.message);
    return { kind: verdict.kind };
  }
}
