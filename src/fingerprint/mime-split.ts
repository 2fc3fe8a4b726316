/**
 * The MIME tree of a message, split by `@zone-eu/mailsplit` within limits: its leaves in order with their raw
 * (transfer-encoded) bodies, the decoded subject, and the limit that stopped the split, if one did (a part's header
 * block over MAX_HEADER_BYTES, more than MAX_PARTS parts, nesting deeper than MAX_DEPTH). A message whose top node
 * is a leaf (most mail) is read without streaming its body through the Splitter. What a leaf's text is, is
 * ./extract.ts's.
 */
import mailsplit from "@zone-eu/mailsplit";
import libmime from "libmime";
import type { Transform } from "node:stream";
import type { ReducedMessage } from "./message-head.js";
import type { ParseLimit } from "./types.js";

export type MimeNode = mailsplit.MimeNode;

/** A part's header block larger than this (in mailsplit's count, at least 64 per line) stops the parse. */
export const MAX_HEADER_BYTES = 256 * 1024;
/** More MIME parts than this stop the parse (mailsplit's own default). */
export const MAX_PARTS = 1000;
/** MIME nesting deeper than this (multiparts and embedded messages) stops the parse: mailsplit compares every line
 * that starts with "--" against the boundary of each open level, so depth multiplies its work. */
export const MAX_DEPTH = 64;

/** Content types whose inline parts are text of the message (mailparser's `textTypes`). */
const TEXT_TYPES = new Set(["text/plain", "text/html", "message/delivery-status"]);

/** One leaf of the MIME tree and its raw (transfer-encoded) body. */
export interface Leaf {
  node: MimeNode;
  contentType: string;
  attachment: boolean;
  chunks: Buffer[];
  bytes: number;
}

/** What mailsplit's errors of a limit say, and the limit each one is. */
const LIMIT_MESSAGES: ReadonlyArray<[RegExp, ParseLimit]> = [
  [/header size/i, "header"],
  [/child nodes/i, "parts"],
];

/** The leaves of a message in order, with their raw bodies, its decoded subject, and the limit that stopped the
 * split, if one did. */
export interface Split {
  leaves: Leaf[];
  subject: string;
  limit: ParseLimit | null;
}

const SPLITTER_OPTIONS = { maxHeadSize: MAX_HEADER_BYTES, maxChildNodes: MAX_PARTS };

/**
 * The split of a message whose top node is a leaf (most mail: one text part), as mailsplit gives it, without
 * streaming the body through it line by line: the top header block read by mailsplit's own MimeNode, as its
 * Splitter reads it, and the body as the leaf's one chunk (mailsplit passes a top leaf's body on unchanged: only a
 * child's body loses the line break before a delimiter). Null when the Splitter must run: a multipart, an
 * embedded message, a boundary parameter (mailsplit splits any node that names one at its delimiter lines), or a
 * header block past the limit.
 */
function singlePart(message: ReducedMessage): Split | null {
  const node = new mailsplit.MimeNode(false, SPLITTER_OPTIONS);
  const head = message.head;
  for (let start = 0; start < head.length;) {
    const lf = head.indexOf(LF, start);
    const end = lf < 0 ? head.length : lf + 1;
    // the block ends at its first empty line, as in the Splitter (the reduced head has exactly one, at its end)
    if (node.addHeaderChunk(head.subarray(start, end))) break;
    start = end;
  }
  if (node.headerCost() > MAX_HEADER_BYTES) return null;
  node.parseHeaders();
  if (node.multipart || node._boundary || node.contentType === "message/rfc822") return null;
  const body = message.body;
  const leaf = leafOf(node);
  if (body.byteLength > 0) {
    leaf.chunks.push(body);
    leaf.bytes = body.byteLength;
  }
  const subject = node.headers ? decodeSubject(node.headers.getFirst("subject")) : "";
  return { leaves: [leaf], subject, limit: null };
}

const LF = 0x0a;

/** A leaf of the MIME tree with no body read yet. */
function leafOf(node: MimeNode): Leaf {
  const contentType = node.contentType || "text/plain";
  const disposition = node.disposition;
  const inline = TEXT_TYPES.has(contentType) && (!disposition || disposition === "inline");
  return { node, contentType, attachment: !inline, chunks: [], bytes: 0 };
}

/**
 * Split the MIME tree with mailsplit: the leaves in order, with their raw bodies, and the decoded subject; at a
 * limit, the leaves before it and the limit.
 */
export function splitMime(message: ReducedMessage): Promise<Split> {
  const single = singlePart(message);
  if (single !== null) return Promise.resolve(single);
  return new Promise((resolve) => {
    const splitter = new mailsplit.Splitter(SPLITTER_OPTIONS);
    const leaves: Leaf[] = [];
    const depths = new Map<MimeNode, number>();
    let subject = "";
    let current: Leaf | null = null;
    let done = false;
    const finish = (limit: ParseLimit | null) => {
      if (done) return;
      done = true;
      if (limit !== null) splitter.destroy();
      resolve({ leaves, subject, limit });
    };
    splitter.on("data", (data: mailsplit.SplitterChunk) => {
      if (done) return;
      if (data.type === "body") {
        if (current) {
          current.chunks.push(data.value);
          current.bytes += data.value.byteLength;
        }
        return;
      }
      if (data.type !== "node") return;
      const node = data;
      const depth = node.parentNode ? (depths.get(node.parentNode) ?? 0) + 1 : 0;
      if (depth > MAX_DEPTH) return finish("depth");
      depths.set(node, depth);
      if (node.root && node.headers) subject = decodeSubject(node.headers.getFirst("subject"));
      current = null;
      // a multipart's children, and an embedded message's own tree, follow as nodes of their own
      if (node.multipart || (node.contentType === "message/rfc822" && node.messageNode)) return;
      current = leafOf(node);
      leaves.push(current);
    });
    // mailsplit's typings declare only "data"; the Splitter is a Transform stream and emits the others too
    const stream = splitter as unknown as Transform;
    stream.once("end", () => finish(null));
    stream.once("error", (err: Error) => {
      finish(LIMIT_MESSAGES.find(([pattern]) => pattern.test(err.message))?.[1] ?? "error");
    });
    splitter.write(message.head);
    feed(stream, message.body, () => done);
  });
}

/** The body goes to mailsplit in pieces of this many bytes (its own stride between yields to the event loop). */
export const FEED_BYTES = 16 * 1024;

/**
 * The body to the Splitter a piece at a time, each once the one before it is parsed, until `stopped`. mailsplit
 * parses all of what it was given even after a limit ended the parse, and its work per node grows with the depth
 * (each node copies its parent's part number): a body nested a thousand deep (66 KiB) cost the thread 17 ms of CPU
 * given whole, 3.6 in pieces (benchmarks/README, "A MIME tree nested past its limit").
 */
export function feed(stream: Transform, body: Buffer, stopped: () => boolean): void {
  let at = 0;
  const next = (err?: Error | null) => {
    // A parse error reaches the stream's "error" listener; nothing more is written to a stream that failed.
    if (err || stopped()) return;
    const piece = body.subarray(at, (at += FEED_BYTES));
    // The last piece ends the stream with it: nothing is left to stop.
    if (at >= body.byteLength) stream.end(piece);
    else stream.write(piece, next);
  };
  next();
}

/** A header value (the Subject, the recipient fields), encoded words decoded (mailsplit has already read 8-bit bytes as UTF-8 when valid). */
export function decodeSubject(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
