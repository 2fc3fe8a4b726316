/**
 * A verdict as the TypeScript engine writes it: its response packet, and the end-of-message answer (the
 * modifications, then the verdict) as one buffer, so that it goes out in one write.
 */
import { encodeModification, encodeResponse } from "../../milter/responses.js";
import type { SendableVerdict } from "../../session/session-api.js";
import type { Modification } from "../../vocabulary/modification.js";

/** A verdict as its response; the session core has already validated and formatted any SMTP reply. */
export function encodeVerdict(verdict: SendableVerdict): Buffer {
  switch (verdict.kind) {
    case "continue":
      return encodeResponse.continue();
    case "accept":
      return encodeResponse.accept();
    case "discard":
      return encodeResponse.discard();
    case "reject":
    case "tempfail":
      if (verdict.formattedReply) return encodeResponse.replyCode(verdict.formattedReply);
      return verdict.kind === "reject" ? encodeResponse.reject() : encodeResponse.tempfail();
  }
}

/** The end-of-message answer: the modifications (header values with a leading space when negotiated), then the verdict. */
export function encodeEndOfMessage(
  verdict: SendableVerdict,
  modifications: readonly Modification[],
  leadingSpace: boolean,
): Buffer {
  const encoded = modifications.flatMap((mod) => encodeModification(mod, leadingSpace));
  return Buffer.concat([...encoded, encodeVerdict(verdict)]);
}
