/**
 * The work of one fingerprint task, shared by the piscina thread entry (workers/fingerprint-task.ts), the tests
 * and the benchmark: parse the first `parseBytes` of a message with mailparser, then fingerprint its parts.
 * A message the parser refuses becomes a "parse" skip; nothing is thrown.
 */
import { simpleParser, type ParsedMail, type SimpleParserOptions } from "mailparser";
import { fingerprintParts, type FingerprintOptions, type MessageParts } from "./compute.js";
import type { Fingerprint } from "./types.js";

/** What the pool sends to a thread. `message` is usually a view of a SharedArrayBuffer: it is only read. */
export interface FingerprintTask extends FingerprintOptions {
  message: Uint8Array;
  /** Bytes of the message parsed at most. */
  parseBytes: number;
}

/** What a thread sends back. `error` says why a parse failed (for the log). */
export type FingerprintTaskResult =
  { status: "ok"; fingerprint: Fingerprint } | { status: "skipped"; reason: "parse"; error: string };

const PARSER_OPTIONS: SimpleParserOptions = {
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
};

/** The bytes a parse looks at: at most `parseBytes`, without a leading mbox `From ` line. A view, never a copy. */
export function parseWindow(message: Uint8Array, parseBytes: number): { bytes: Buffer; truncated: boolean } {
  let start = 0;
  // "From " at the very start is an mbox envelope line, not a header (headers have a colon after the name).
  if (message[0] === 0x46 && message[1] === 0x72 && message[2] === 0x6f && message[3] === 0x6d && message[4] === 0x20) {
    const eol = message.indexOf(0x0a);
    start = eol < 0 ? message.byteLength : eol + 1;
  }
  const end = Math.min(message.byteLength, start + parseBytes);
  const bytes = Buffer.from(message.buffer, message.byteOffset + start, end - start);
  return { bytes, truncated: end < message.byteLength };
}

/** The parts fingerprinting uses, from mailparser's result. A truncated message loses its last attachment,
 * which is likely cut. */
export function partsOf(mail: ParsedMail, truncated: boolean): MessageParts {
  const attachments = mail.attachments.map((a) => a.content as Uint8Array);
  if (truncated) attachments.pop();
  return {
    text: mail.text ?? "",
    html: typeof mail.html === "string" ? mail.html : "",
    subject: mail.subject ?? "",
    attachments,
  };
}

/** Parse (mailparser) the first `parseBytes` of a message and fingerprint it. Never rejects. */
export async function runFingerprintTask(task: FingerprintTask): Promise<FingerprintTaskResult> {
  const { bytes, truncated } = parseWindow(task.message, task.parseBytes);
  try {
    const mail = await simpleParser(bytes, PARSER_OPTIONS);
    const parse = { bytesParsed: bytes.byteLength, truncated };
    return { status: "ok", fingerprint: fingerprintParts(partsOf(mail, truncated), task, parse) };
  } catch (err) {
    return { status: "skipped", reason: "parse", error: err instanceof Error ? err.message : String(err) };
  }
}
