/**
 * The work of one fingerprint task, shared by the piscina thread entry (workers/fingerprint-task.ts), the tests
 * and the benchmark: extract the parts of the first `parseBytes` of a message, then fingerprint them. Every
 * message gets a fingerprint: where the extractor fails, the raw body (decoded as UTF-8) makes it, with
 * `limit: "error"`. Only a failure of that too becomes an "unparsed" skip; nothing is thrown.
 *
 * Two extractors (`fingerprint.parser`). "fast" (./extract.ts: mailsplit, libmime, a linear tag stripper) is the
 * default because it does the same job for less than half the cost, and the corpus quality tests pass with both
 * (the measurements: benchmarks/README.md, "Figures behind choices in the code"). "mailparser" stays as the
 * reference and the fallback.
 */
import { simpleParser, type ParsedMail, type SimpleParserOptions } from "mailparser";
import {
  fingerprintParts,
  MAX_TEXT_CHARS,
  type FingerprintOptions,
  type MessageParts,
  type ParseSummary,
} from "./compute.js";
import { AttachmentKinds } from "./attachment-kinds.js";
import { withoutCutAttachment } from "./cut-attachment.js";
import { extractParts } from "./extract.js";
import { htmlToText, type HtmlTextStats } from "./html-text.js";
import { MAX_RECIPIENT_BYTES, reduceHead, type ReducedMessage } from "./message-head.js";
import { rawBodyText } from "./raw-body.js";
import type { Fingerprint } from "./types.js";

/** The MIME extractors a task can use (`Config["fingerprint"]["parser"]`). */
export type ParserName = "fast" | "mailparser";

/** What the pool sends to a thread. `message` is usually a view of a SharedArrayBuffer: it is only read. */
export interface FingerprintTask extends FingerprintOptions {
  message: Uint8Array;
  /** Bytes of the message parsed at most. */
  parseBytes: number;
  /** The extractor; "fast" when absent. */
  parser?: ParserName;
}

/** What the pool sends to a thread: the messages that waited for it (one when none waited), with one set of
 * options. Each message is usually a view of a SharedArrayBuffer: it is only read. */
export interface FingerprintBatch {
  messages: Uint8Array[];
  options: Omit<FingerprintTask, "message">;
}

/** What a thread sends back. `error` says why no fingerprint could be made (for the log). */
export type FingerprintTaskResult =
  { status: "ok"; fingerprint: Fingerprint } | { status: "skipped"; reason: "unparsed"; error: string };

const PARSER_OPTIONS: SimpleParserOptions = {
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
};

/** A message without a leading mbox `From ` line. A view, never a copy. */
function withoutMboxLine(message: Uint8Array): Buffer {
  let start = 0;
  // "From " at the very start is an mbox envelope line, not a header (headers have a colon after the name).
  if (message[0] === 0x46 && message[1] === 0x72 && message[2] === 0x6f && message[3] === 0x6d && message[4] === 0x20) {
    const eol = message.indexOf(0x0a);
    start = eol < 0 ? message.byteLength : eol + 1;
  }
  return Buffer.from(message.buffer, message.byteOffset + start, message.byteLength - start);
}

/** The bytes a parse looks at: at most `parseBytes`, without a leading mbox `From ` line. A view, never a copy. */
function parseWindow(message: Uint8Array, parseBytes: number): { bytes: Buffer; truncated: boolean } {
  const whole = withoutMboxLine(message);
  const end = Math.min(whole.byteLength, parseBytes);
  return { bytes: whole.subarray(0, end), truncated: end < whole.byteLength };
}

/** The parts fingerprinting uses, from mailparser's result: the visible text of its HTML where there is HTML (what
 * a reader sees), else its text. A truncated message loses its last attachment, which is likely cut. `earlier`:
 * with the text version 2 read where it differs (MessageParts.versionTwoText). */
export function partsOf(mail: ParsedMail, truncated: boolean, markHidden = false, earlier = false): MessageParts {
  const attachments = mail.attachments.map((a) => a.content as Uint8Array);
  if (truncated) attachments.pop();
  const attachmentKinds = new AttachmentKinds();
  for (const a of mail.attachments) attachmentKinds.add(a.filename, a.contentType);
  const html = typeof mail.html === "string" ? mail.html : "";
  const hidden: HtmlTextStats = { visibleChars: 0, hiddenChars: 0, hiddenSinceVersionTwo: 0 };
  const recipients = mail.headerLines
    .filter((h) => h.key === "to" || h.key === "cc")
    .map((h) => h.line.replace(/^[^:]*:/, ""))
    .join("\n");
  const text = html ? htmlToText(html, MAX_TEXT_CHARS, { stats: hidden, markHidden }) : (mail.text ?? "");
  const versionTwoText =
    earlier && hidden.hiddenSinceVersionTwo > 0 ? htmlToText(html, MAX_TEXT_CHARS, { versionTwoRules: true }) : text;
  return {
    text,
    ...(versionTwoText !== text ? { versionTwoText } : {}),
    // the previous fingerprint version read mailparser's text: the text/plain alternative where there is one
    previousText: html ? (mail.text ?? "") : undefined,
    html,
    subject: mail.subject ?? "",
    attachments,
    attachmentKinds: attachmentKinds.list(),
    hidden,
    recipients: recipients.slice(0, MAX_RECIPIENT_BYTES),
  };
}

/** What was parsed: the parts, the limit that stopped the parse, the bytes parsed and whether they were cut; for the
 * fast extractor, the boundaries that can end an attachment the parse was cut in. */
type Extracted = MessageParts & ParseSummary & { cutAttachment?: Buffer[] | null };

/** What `extract` gives besides the text a fingerprint reads. */
export interface ExtractOptions {
  /** Write hidden HTML text too, between markers (never for a fingerprint). */
  markHidden?: boolean;
  /** Give the text the previous fingerprint version read, where it differs (`MessageParts.previousText`). */
  previousText?: boolean;
}

/** A further look reads at most this many times `parseBytes`. */
export const FURTHER_LOOK_FACTOR = 4;
/** A window is mostly not text when it gave less than one character a reader sees for this many of its bytes. */
const BYTES_PER_TEXT_CHAR = 16;

/**
 * The parts of a message by the chosen extractor. "fast" reads the reduced top header block and the first
 * `parseBytes` of the body; "mailparser" the first `parseBytes` of the message. The raw body when the extractor
 * fails.
 *
 * A window cut short that was mostly not text (an attachment, markup, hidden or commented-out padding ahead of the
 * text) is looked at again, up to FURTHER_LOOK_FACTOR times as far: else a sender pads each copy with a few hundred
 * KiB of its own salt ahead of the text, every copy is a campaign of its own, and none reaches the bulk thresholds.
 * The attachments stay those of the first window, whose digests do not change. Past the further look (1 MiB on the
 * defaults, the whole capture) nothing is read: such padding costs the sender a megabyte a copy. Where the first
 * window ended inside an attachment, the further look skips the rest of it (./cut-attachment.ts).
 */
export async function extract(
  message: Uint8Array,
  parseBytes: number,
  parser: ParserName,
  attachmentMinBytes: number,
  options: ExtractOptions = {},
): Promise<Extracted> {
  // The window is chosen from the text a reader sees, so `markHidden` (for a person) reads what a fingerprint reads.
  const first = await extractWindow(message, parseBytes, parser, attachmentMinBytes, { ...options, markHidden: false });
  const further = Math.min(message.byteLength, parseBytes * FURTHER_LOOK_FACTOR);
  const looksFurther = first.truncated && further > parseBytes && mostlyNotText(first);
  if (!looksFurther && !options.markHidden) return first;
  if (!looksFurther) return extractWindow(message, parseBytes, parser, attachmentMinBytes, options);
  const boundaries = parser === "fast" ? first.cutAttachment : null;
  const parts = boundaries
    ? await lookPastAttachment(message, first, boundaries, parseBytes, further, attachmentMinBytes, options)
    : await extractWindow(message, further, parser, attachmentMinBytes, options);
  // The attachments stay the first window's; a kind either window saw is kept (a further look past an attachment
  // does not read that attachment's header again).
  return { ...parts, attachments: first.attachments, attachmentKinds: unionOfKinds(first, parts) };
}

/**
 * The further look of the fast extractor when the first window ended inside an attachment: the body up to
 * `further` without that attachment's part is parsed; when no delimiter follows it within reach, nothing past the
 * first window is text, and the first window's parts stand.
 */
async function lookPastAttachment(
  message: Uint8Array,
  first: Extracted,
  boundaries: readonly Buffer[],
  parseBytes: number,
  further: number,
  attachmentMinBytes: number,
  options: ExtractOptions,
): Promise<Extracted> {
  const reduced = reduceHead(withoutMboxLine(message), further);
  const summary = windowSummary(reduced);
  const rest = withoutCutAttachment(reduced.body, parseBytes, boundaries);
  switch (rest.kind) {
    case "runs-past": {
      const parts = options.markHidden
        ? await extractWindow(message, parseBytes, "fast", attachmentMinBytes, options)
        : first;
      return { ...parts, ...summary };
    }
    case "cut":
      return extractReduced({ ...reduced, body: rest.body }, summary, attachmentMinBytes, options);
    case "unknown":
      return extractReduced(reduced, summary, attachmentMinBytes, options);
  }
}

/** The attachment kinds of both looks at a message. */
function unionOfKinds(first: MessageParts, further: MessageParts): string[] {
  const kinds = new AttachmentKinds();
  kinds.addAll(first.attachmentKinds ?? []);
  kinds.addAll(further.attachmentKinds ?? []);
  return kinds.list();
}

/** Whether a window gave less than one character a reader sees per BYTES_PER_TEXT_CHAR of its bytes. */
function mostlyNotText(parts: Extracted): boolean {
  return parts.text.length * BYTES_PER_TEXT_CHAR < parts.bytesParsed;
}

/** The parts of the first `parseBytes` of a message (extract's single look). */
async function extractWindow(
  message: Uint8Array,
  parseBytes: number,
  parser: ParserName,
  attachmentMinBytes: number,
  options: ExtractOptions,
): Promise<Extracted> {
  const { markHidden = false } = options;
  if (parser === "mailparser") {
    const { bytes, truncated } = parseWindow(message, parseBytes);
    const summary = { bytesParsed: bytes.byteLength, truncated };
    try {
      const parsed = await simpleParser(bytes, PARSER_OPTIONS);
      return { ...partsOf(parsed, truncated, markHidden, options.previousText), ...summary, limit: null };
    } catch {
      return { ...rawParts(reduceHead(bytes)), ...summary, limit: "error" };
    }
  }
  const reduced = reduceHead(withoutMboxLine(message), parseBytes);
  const summary = windowSummary(reduced);
  return extractReduced(reduced, summary, attachmentMinBytes, options);
}

/** The bytes a window of the fast extractor parsed, and whether the message went on past them. */
type WindowSummary = Omit<ParseSummary, "limit">;

function windowSummary(window: ReducedMessage): WindowSummary {
  return { bytesParsed: window.head.byteLength + window.body.byteLength, truncated: window.truncated };
}

/**
 * The fast extractor's parts of a reduced message; its raw body when the extractor fails. `summary` is the window's
 * (a further look past an attachment parses less than its window).
 */
async function extractReduced(
  reduced: ReducedMessage,
  summary: WindowSummary,
  attachmentMinBytes: number,
  options: ExtractOptions,
): Promise<Extracted> {
  try {
    return { ...(await extractParts(reduced, attachmentMinBytes, options)), ...summary };
  } catch {
    return { ...rawParts(reduced), ...summary, limit: "error" };
  }
}

/** The parts of a message no parser could read: its body as text. */
function rawParts(message: ReducedMessage): MessageParts {
  const text = rawBodyText(message.body, MAX_TEXT_CHARS, message.head.toString("latin1"));
  return { text, html: "", subject: "", attachments: [], recipients: message.recipients };
}

/** The fingerprints of a batch, in order, one after the other. Never rejects. */
export async function runFingerprintBatch(batch: FingerprintBatch): Promise<FingerprintTaskResult[]> {
  const results: FingerprintTaskResult[] = [];
  for (const message of batch.messages) results.push(await runFingerprintTask({ ...batch.options, message }));
  return results;
}

/** Extract the parts of the first `parseBytes` of a message and fingerprint them. Never rejects. */
export async function runFingerprintTask(task: FingerprintTask): Promise<FingerprintTaskResult> {
  try {
    const previousText = task.previousVersion;
    const parts = await extract(task.message, task.parseBytes, task.parser ?? "fast", task.attachmentMinBytes, {
      previousText,
    });
    return { status: "ok", fingerprint: fingerprintParts(parts, task, parts) };
  } catch (err) {
    return { status: "skipped", reason: "unparsed", error: err instanceof Error ? err.message : String(err) };
  }
}
