/**
 * SMTP replies for SMFIR_REPLYCODE, validated against both MTAs' rules (milter-protocol.md §1.9):
 * three digits with class 4 or 5 matching the verdict, an enhanced code of the same class, at most 32 lines of at
 * most 980 characters without CR, LF or NUL, `%` escaped as `%%`, multi-line replies with `-` on all but the last.
 */
import type { SmtpReply } from "../vocabulary/verdict.js";

/** libmilter's MAXREPLYLEN and MAXREPLIES. */
export const MAX_REPLY_LINE = 980;
export const MAX_REPLY_LINES = 32;

export class ReplyCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplyCodeError";
  }
}

/**
 * Format a reply for the wire, or throw ReplyCodeError saying what is wrong.
 * @param kind the verdict it goes with: "reject" needs 5xx, "tempfail" 4xx.
 */
export function formatReply(reply: SmtpReply, kind: "reject" | "tempfail"): string {
  const code = String(reply.code);
  if (!/^[45]\d\d$/.test(code)) throw new ReplyCodeError(`reply code ${code} is not 4xx or 5xx`);
  const wantClass = kind === "reject" ? "5" : "4";
  if (code[0] !== wantClass) throw new ReplyCodeError(`reply code ${code} does not match a ${kind} (${wantClass}xx)`);
  const xcode = reply.xcode ?? `${wantClass}.0.0`;
  if (!/^[245]\.\d{1,3}\.\d{1,3}$/.test(xcode)) throw new ReplyCodeError(`enhanced code ${xcode} is malformed`);
  if (xcode[0] !== code[0]) throw new ReplyCodeError(`enhanced code ${xcode} does not match reply code ${code}`);
  const lines = typeof reply.text === "string" ? [reply.text] : reply.text;
  if (lines.length === 0) throw new ReplyCodeError("reply has no text");
  if (lines.length > MAX_REPLY_LINES)
    throw new ReplyCodeError(`reply has ${lines.length} lines, at most ${MAX_REPLY_LINES}`);
  const escaped = lines.map((line, i) => {
    if (/[\r\n\0]/.test(line)) throw new ReplyCodeError(`reply line ${i + 1} contains CR, LF or NUL`);
    const e = line.replace(/%/g, "%%");
    if (e.length > MAX_REPLY_LINE) throw new ReplyCodeError(`reply line ${i + 1} is longer than ${MAX_REPLY_LINE}`);
    return e;
  });
  return escaped.map((line, i) => `${code}${i === escaped.length - 1 ? " " : "-"}${xcode} ${line}`).join("\r\n");
}

/** Parse a formatted reply back (for src/client and tests): code, enhanced code, lines with `%%` unescaped. */
export function parseReply(text: string): SmtpReply {
  const lines = text.split("\r\n");
  const first = /^(\d{3})[ -](?:([245]\.\d{1,3}\.\d{1,3}) )?/.exec(lines[0] ?? "");
  if (!first) return { code: 0, text: lines };
  const xcode = first[2];
  const body = lines.map((l) => l.replace(/^\d{3}[ -](?:[245]\.\d{1,3}\.\d{1,3} )?/, "").replace(/%%/g, "%"));
  return xcode ? { code: Number(first[1]), xcode, text: body } : { code: Number(first[1]), text: body };
}
