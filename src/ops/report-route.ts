/**
 * `POST /report?label=spam|ham[&reporter=ADDRESS][&undo=1][&by=NAME][&reason=TEXT]` with the message as the body:
 * the endpoint behind `floodgate report`. With the admin token it is the operator's report (it decides the campaign;
 * `reporter` makes it count as that mailbox user's instead); with the report-only token it must name the reporter and
 * counts towards the distinct reporters. The body is read up to what end of message captures of a message
 * (`milter.messageCaptureBytes`, the part the fingerprint sees), the rest up to `milter.maxPacketBytes` discarded;
 * past that the request is refused (413).
 *
 * Reports are applied one at a time, and at most MAX_REPORTS_IN_HAND are in hand at once, their bodies read or being
 * read (past that: 503 and Retry-After, before the body is read). Each report's message is fingerprinted by the mail
 * path's own pool, so a burst of reports takes one place in the pool's queue, never the places mail needs (a full
 * queue fails mail with pool-full); a sender slow with its body holds its own place in hand, not the others' turns.
 */
import type { IncomingMessage } from "node:http";
import type { ReportAnswer, ReportRequest } from "../policy/report.js";
import type { Turns } from "../util/turns.js";

/** Who sent the request: the admin token's holder, or the report-only token's. */
export type ReportRole = "operator" | "reporter";

/** An answer of the route: a status and a JSON body. */
export interface RouteAnswer {
  status: number;
  body: unknown;
}

/** A reporter's address or an operator's name: 1 to 254 characters, none of them a space or a control character. */
const isName = (text: string) =>
  text.length > 0 && text.length <= 254 && [...text].every((ch) => ch > " " && ch !== "\x7f");
/** Control characters become spaces. */
const oneLine = (text: string) => [...text].map((ch) => (ch < " " || ch === "\x7f" ? " " : ch)).join("");
const MAX_REASON = 500;

/** Reports in hand at most: their bodies read or being read, waiting for their turn, or applied. */
export const MAX_REPORTS_IN_HAND = 64;

/** Parse and run one report request, in its turn among `turns` (a Turns of MAX_REPORTS_IN_HAND places). */
export async function reportRoute(
  req: IncomingMessage,
  url: URL,
  role: ReportRole,
  limits: { captureBytes: number; maxBytes: number },
  report: (request: ReportRequest) => Promise<ReportAnswer>,
  turns: Turns,
): Promise<RouteAnswer> {
  const label = url.searchParams.get("label");
  if (label !== "spam" && label !== "ham") return bad("label must be spam or ham");
  const reporter = url.searchParams.get("reporter");
  if (reporter !== null && !isName(reporter)) return bad("reporter must be an address without spaces");
  if (role === "reporter" && reporter === null)
    return { status: 403, body: { error: "the report-only token reports for a mailbox user: name the reporter" } };
  const by = url.searchParams.get("by") ?? "operator";
  if (!isName(by)) return bad("by must be a name without spaces");
  const reason = oneLine(url.searchParams.get("reason") ?? "").slice(0, MAX_REASON);
  const place = turns.admit();
  if (!place)
    return { status: 503, body: { error: `${MAX_REPORTS_IN_HAND} reports are in hand: send it again later` } };
  try {
    const message = await readCapped(req, limits.captureBytes, limits.maxBytes);
    if (message === null) return { status: 413, body: { error: `the message is over ${limits.maxBytes} bytes` } };
    if (message.length === 0) return bad("the body must be the message");
    const request: ReportRequest = {
      message,
      label,
      undo: /^(1|true|yes)$/i.test(url.searchParams.get("undo") ?? ""),
      reporter: reporter === null ? null : reporter.toLowerCase(),
      operator: by,
      reason:
        reason || (reporter === null ? `reported ${label} by the operator` : `reported ${label} by a mailbox user`),
    };
    return { status: 200, body: await place.turn(() => report(request)) };
  } finally {
    place.leave();
  }
}

function bad(error: string): RouteAnswer {
  return { status: 400, body: { error } };
}

/** The body's first `keep` bytes; null when it runs past `max` (the rest is not read). */
async function readCapped(req: IncomingMessage, keep: number, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > max) {
      req.destroy();
      return null;
    }
    if (kept < keep) {
      const part = chunk.subarray(0, keep - kept);
      chunks.push(part);
      kept += part.length;
    }
  }
  return Buffer.concat(chunks);
}
