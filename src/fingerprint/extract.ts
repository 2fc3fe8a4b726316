/**
 * The fast MIME extractor of the fingerprint threads: from raw message bytes to the MessageParts fingerprinting
 * uses (decoded subject, text of the text/plain parts and of the text/html parts, raw HTML for link hrefs,
 * decoded attachments), with mailparser's own lower-level parts and nothing else of it: `@zone-eu/mailsplit`
 * splits the MIME tree (streaming), transfer encodings are decoded in one go per part (base64 by Buffer,
 * quoted-printable by `libqp`), charsets, encoded words and format=flowed by `libmime`, and HTML becomes text in
 * one linear pass (./html-text.ts) instead of html-to-text. No address parsing, no date parsing, no linkify, no
 * hashing of every attachment, no per-chunk stream decoders: a fraction of `simpleParser`'s work on the same
 * messages (benchmarks/README.md, "Figures behind choices in the code").
 *
 * Bounded, and never refusing: the caller passes at most `parseBytes`; the top header block is first reduced to
 * the fields read (./message-head.ts), so a header flood costs one pass over it. Where the MIME tree goes past a
 * limit of its split (./mime-split.ts: a part's header block, the number of parts, the depth) parsing stops there,
 * not the message: the parts read so far and the raw body, decoded as UTF-8, make the text
 * (`limit` says which one stopped it). Any other parser error leaves the raw body alone.
 *
 * Which text is used: the text a reader sees. Every inline text/html part's visible text (./html-text.ts); every
 * inline text/plain part unless it is an alternative to an HTML part, which mail clients show instead.
 * mailparser's text differs: it reads the text/plain alternative, drops the text of an HTML part that is neither
 * the root nor next to a text/plain part, and html-to-text runs adjacent table cells together into one word.
 */
import libmime from "libmime";
import { decode as decodeQuotedPrintable } from "libqp";
import { AttachmentKinds } from "./attachment-kinds.js";
import { MAX_TEXT_CHARS, type MessageParts } from "./compute.js";
import { decodeText } from "./charset-text.js";
import { endingBoundaries } from "./cut-attachment.js";
import { htmlToText, type HtmlTextStats } from "./html-text.js";
import { decodeSubject, splitMime, type Leaf, type MimeNode } from "./mime-split.js";
import type { ParseLimit } from "./types.js";
import type { ReducedMessage } from "./message-head.js";
import { PreviousText } from "./previous-text.js";
import { rawBodyText } from "./raw-body.js";
import { TextBudget } from "./text-budget.js";
import { VersionTwoText } from "./version-two-text.js";

/** The parts of a message, and the limit that stopped its parse, if one did. */
export interface ExtractedParts extends MessageParts {
  limit: ParseLimit | null;
  /** The body cut inside an attachment: the boundaries that can end its part (./cut-attachment.ts); else null. */
  cutAttachment: Buffer[] | null;
}

/**
 * The parts of a message whose top header block is reduced (./message-head.ts). When its body was cut at the bytes
 * to parse, the last attachment is left out (it is likely cut), and not decoded. Attachments smaller than
 * `attachmentMinBytes` encoded are not decoded. Never rejects for the message's sake: a parse stopped at a limit, or
 * failed, adds the raw body to the text (./raw-body.ts). `markHidden` writes hidden HTML text too, between markers
 * (for a person reading it: `floodgate fingerprint --explain`).
 */
export async function extractParts(
  message: ReducedMessage,
  attachmentMinBytes: number,
  options: { markHidden?: boolean; previousText?: boolean } = {},
): Promise<ExtractedParts> {
  const { leaves, subject, limit } = await splitMime(message);
  const withHtml = alternativesWithHtml(leaves);
  const text = new TextBudget(MAX_TEXT_CHARS);
  const html = new TextBudget(MAX_TEXT_CHARS);
  const previous = options.previousText ? new PreviousText(previousReadsHtml(leaves)) : null;
  const versionTwo = options.previousText ? new VersionTwoText(MAX_TEXT_CHARS) : null;
  const attachments: Uint8Array[] = [];
  const attachmentKinds = new AttachmentKinds();
  const hidden: HtmlTextStats = { visibleChars: 0, hiddenChars: 0, hiddenSinceVersionTwo: 0 };
  // decoding only shrinks (base64, quoted-printable): a part already too small encoded is skipped
  const kept = (leaf: Leaf) => leaf.attachment && leaf.bytes >= attachmentMinBytes;
  const leftOut = message.truncated ? leaves.findLastIndex(kept) : -1;
  for (const [i, leaf] of leaves.entries()) {
    if (leaf.attachment) {
      attachmentKinds.add(leaf.node.filename, leaf.contentType);
      if (kept(leaf) && i !== leftOut) attachments.push(transferDecode(leaf));
      continue;
    }
    const reading = !(text.full && html.full);
    if (!reading && !previous?.reading(html)) continue;
    const content = textOf(leaf);
    if (leaf.contentType !== "text/html") {
      const alternative = alternativeOf(leaf.node);
      const read = reading && (!alternative || !withHtml.has(alternative));
      if (read) {
        text.add(content);
        versionTwo?.add(content);
      }
      previous?.addText(content, read);
      continue;
    }
    html.add(content);
    if (!reading || text.full) {
      previous?.addHtml(leaf, content, null);
      continue;
    }
    const hiddenBefore = hidden.hiddenChars;
    const sinceVersionTwoBefore = hidden.hiddenSinceVersionTwo;
    const room = text.room;
    const visible = htmlToText(content, room, { stats: hidden, markHidden: options.markHidden });
    text.add(visible);
    const hidSome = hidden.hiddenSinceVersionTwo > sinceVersionTwoBefore;
    versionTwo?.addHtml(content, { text: visible, room, hidSome });
    const whole = hidden.hiddenChars === hiddenBefore && !options.markHidden;
    previous?.addHtml(leaf, content, { text: visible, room, whole });
  }
  if (limit !== null) {
    const head = message.head.toString("latin1");
    const room = text.room;
    const raw = rawBodyText(message.body, room, head);
    text.add(raw);
    // Version 2's text has the same room unless it already differs: then the raw body is cut to its own.
    versionTwo?.add(versionTwo.room === room ? raw : rawBodyText(message.body, versionTwo.room, head));
  }
  const recipients = decodeSubject(message.recipients);
  const previousText = previous?.differs ? previous.toString() : undefined;
  const versionTwoText = versionTwo?.differs ? versionTwo.toString() : undefined;
  const parts = {
    text: text.toString(),
    previousText,
    versionTwoText,
    html: html.toString(),
    subject,
    attachments,
    attachmentKinds: attachmentKinds.list(),
    hidden,
  };
  const last = leaves.at(-1);
  const cutAttachment = message.truncated && limit === null && last?.attachment ? endingBoundaries(last.node) : null;
  return { ...parts, limit, recipients, cutAttachment };
}

/** The body of a leaf without its transfer encoding. */
function transferDecode(leaf: Leaf): Buffer {
  const raw = leaf.chunks.length === 1 ? leaf.chunks[0]! : Buffer.concat(leaf.chunks, leaf.bytes);
  switch (leaf.node.encoding) {
    case "base64":
      return Buffer.from(raw.toString("latin1"), "base64");
    case "quoted-printable":
      return decodeQuotedPrintable(raw);
    default:
      return raw;
  }
}

/** The text of a text part: transfer encoding, format=flowed and charset decoded (unknown charsets as UTF-8). */
function textOf(leaf: Leaf): string {
  let body = transferDecode(leaf);
  if (leaf.node.flowed) body = Buffer.from(libmime.decodeFlowed(body.toString("binary"), leaf.node.delSp), "binary");
  return decodeText(body, leaf.node.charset || "utf-8");
}

/** The nearest multipart/alternative above a node, if any. */
function alternativeOf(node: MimeNode): MimeNode | null {
  for (let parent = node.parentNode; parent; parent = parent.parentNode) {
    if (parent.multipart === "alternative") return parent;
  }
  return null;
}

/** The multipart/alternative nodes that hold an inline text/html part: a mail client shows the HTML, so their
 * text/plain parts are not read (a copy cannot show one text and be fingerprinted by another). */
function alternativesWithHtml(leaves: readonly Leaf[]): Set<MimeNode> {
  const found = new Set<MimeNode>();
  for (const leaf of leaves) {
    if (leaf.attachment || leaf.contentType !== "text/html") continue;
    const alternative = alternativeOf(leaf.node);
    if (alternative) found.add(alternative);
  }
  return found;
}

/** Whether fingerprint version 1 read an HTML part's text: not in an alternative with a text/plain part. */
function previousReadsHtml(leaves: readonly Leaf[]): (leaf: Leaf) => boolean {
  const withPlain = new Set<MimeNode>();
  for (const leaf of leaves) {
    const alternative = leaf.attachment || leaf.contentType !== "text/plain" ? null : alternativeOf(leaf.node);
    if (alternative) withPlain.add(alternative);
  }
  return (leaf) => {
    const alternative = alternativeOf(leaf.node);
    return !alternative || !withPlain.has(alternative);
  };
}
