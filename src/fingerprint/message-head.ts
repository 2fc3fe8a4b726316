/**
 * The top header block of a message, reduced to the fields the extractor reads: Subject and the MIME fields
 * (MIME-Version, Content-Type, Content-Transfer-Encoding, Content-Disposition), the first of each with its folded
 * lines. Every other field is the sender's to pad with: dropping them before the MIME parser sees them means that a
 * flood of header fields (any number, any size) neither reaches the parser's header-size cap nor changes the
 * fingerprint of a campaign's copies. One pass over the header bytes; the body is returned as a view, not a copy,
 * cut at the bytes to parse: header fields do not use up the parse window. The To and Cc fields are read aside,
 * at most MAX_RECIPIENT_BYTES of them, never given to the parser: whose names personalise the text (./skeleton.ts).
 */

/** The fields kept, lowercased. */
const KEPT = new Set(["subject", "mime-version", "content-type", "content-transfer-encoding", "content-disposition"]);
/** A kept field's lines beyond these are dropped: five fields so bounded stay under the MIME parser's header cap
 * (./extract.ts MAX_HEADER_BYTES, at least 64 a line). */
const MAX_FIELD_BYTES = 32 * 1024;
const MAX_FIELD_LINES = 256;
/** The fields whose values name the recipients, lowercased. */
const RECIPIENT_FIELDS = new Set(["to", "cc"]);
/** Bytes of the recipient fields read at most (the first ones). */
export const MAX_RECIPIENT_BYTES = 4096;
/** A field name longer than the longest kept one is not kept: the search for its colon stops there. */
const LONGEST_KEPT = 25;
const LF = 0x0a;
const CR = 0x0d;
const BLANK_LINE = Buffer.from("\r\n");

/** A message as the extractor parses it: the kept header fields and the blank line, then the body. */
export interface ReducedMessage {
  /** The kept fields, each ending in its line break, then an empty line. */
  head: Buffer;
  /** The body after the top header block, at most the bytes to parse (a view of the input); empty when the header
   * block has no end. */
  body: Buffer;
  /** Whether the body was cut at the bytes to parse. */
  truncated: boolean;
  /** The raw values of the To and Cc fields, folded lines included, at most MAX_RECIPIENT_BYTES ("" when none). */
  recipients: string;
}

/** The message with its top header block reduced to the kept fields, and its body cut at `maxBodyBytes`. */
export function reduceHead(message: Buffer, maxBodyBytes = Infinity): ReducedMessage {
  const kept: Buffer[] = [];
  const seen = new Set<string>();
  let keeping = false; // the field whose continuation lines come next is kept
  let naming = false; // the field whose continuation lines come next names recipients
  const recipients = new RecipientFields();
  let fieldBytes = 0;
  let fieldLines = 0;
  let pos = 0;
  while (pos < message.length) {
    const lf = message.indexOf(LF, pos);
    const end = lf < 0 ? message.length : lf + 1;
    const first = message[pos];
    if (first === LF || (first === CR && message[pos + 1] === LF)) {
      const bodyEnd = Math.min(message.length, end + maxBodyBytes);
      const head = Buffer.concat([...kept, BLANK_LINE]);
      const body = message.subarray(end, bodyEnd);
      return { head, body, truncated: bodyEnd < message.length, recipients: recipients.toString() };
    }
    if (first === 0x20 || first === 0x09) {
      if (naming) recipients.add(message, pos, end);
      keeping &&= fieldLines < MAX_FIELD_LINES && fieldBytes + (end - pos) <= MAX_FIELD_BYTES;
      if (keeping) {
        kept.push(message.subarray(pos, end));
        fieldBytes += end - pos;
        fieldLines++;
      }
    } else {
      const name = fieldName(message, pos, end);
      naming = name !== null && RECIPIENT_FIELDS.has(name);
      if (naming) recipients.add(message, message.indexOf(0x3a /* : */, pos) + 1, end);
      keeping = name !== null && KEPT.has(name) && !seen.has(name) && end - pos <= MAX_FIELD_BYTES;
      if (keeping) {
        seen.add(name!);
        kept.push(message.subarray(pos, end));
        fieldBytes = end - pos;
        fieldLines = 1;
      }
    }
    pos = end;
  }
  // No end of the header block within the bytes parsed: every line was header.
  const last = kept.at(-1);
  if (last && last[last.length - 1] !== LF) kept.push(BLANK_LINE);
  const head = Buffer.concat([...kept, BLANK_LINE]);
  return { head, body: Buffer.alloc(0), truncated: false, recipients: recipients.toString() };
}

/** The bytes of the recipient fields' lines, up to MAX_RECIPIENT_BYTES. */
class RecipientFields {
  readonly #pieces: Buffer[] = [];
  #bytes = 0;

  add(message: Buffer, start: number, end: number): void {
    const take = Math.min(end - start, MAX_RECIPIENT_BYTES - this.#bytes);
    if (take <= 0) return;
    this.#pieces.push(message.subarray(start, start + take));
    this.#bytes += take;
  }

  toString(): string {
    return Buffer.concat(this.#pieces).toString("utf8");
  }
}

/** The first letters of the names of the fields kept or read aside (subject, mime-version, content-*, to, cc),
 * lowercased. */
const FIRST_LETTERS = new Set([..."smctSMCT"].map((c) => c.charCodeAt(0)));

/** The lowercased name of the field whose line starts at `start`, or null when it cannot be a kept one (nor a
 * recipient field). Most fields (Received, From, Date, X-…) are told apart by their first letter, without reading
 * their name: a character of latin1 outside ASCII never lowercases to an ASCII letter. */
function fieldName(message: Buffer, start: number, end: number): string | null {
  if (!FIRST_LETTERS.has(message[start]!)) return null;
  const limit = Math.min(end, start + LONGEST_KEPT + 1);
  for (let i = start; i < limit; i++) {
    const c = message[i]!;
    if (c === 0x3a /* : */) return i === start ? null : message.toString("latin1", start, i).trimEnd().toLowerCase();
    if (c === LF || c === CR) return null;
  }
  return null;
}
