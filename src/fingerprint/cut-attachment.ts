/**
 * A further look past an attachment (./task.ts `extract`). When the first window ended inside an attachment, the
 * rest of that attachment is not text, yet reading it again was most of a further look's cost, on the commonest
 * large message there is: a short note with a large file. So the attachment's part is cut out of the body read
 * further, from its delimiter line to the next delimiter line of a boundary that can end it (the delimiters
 * recognised as mailsplit recognises them), and only the rest is parsed again. Pure: no I/O.
 */
import type mailsplit from "@zone-eu/mailsplit";

/** Boundaries that can end a part (its parent's first, then the other open multiparts' outwards), at most this
 * many: a part nested deeper is read again whole. */
export const MAX_ENDING_BOUNDARIES = 8;
/** Occurrences of `--boundary` that are not a delimiter line, tried at most, each way: past them the part is read
 * again whole. */
const MAX_FALSE_DELIMITERS = 64;

export type FurtherBody =
  /** The body without the attachment's part: what remains to be parsed. */
  | { kind: "cut"; body: Buffer }
  /** No delimiter follows the attachment within the body: nothing past it is within reach. */
  | { kind: "runs-past" }
  /** The attachment's own delimiter line was not found: the body is to be parsed whole. */
  | { kind: "unknown" };

/** The boundaries whose delimiter lines can end a part: its parent's, then the other open multiparts' outwards;
 * null for a part mailsplit may split itself (one naming a boundary of its own, an embedded message). */
export function endingBoundaries(node: mailsplit.MimeNode): Buffer[] | null {
  if (node._boundary || node.contentType === "message/rfc822") return null;
  const out: Buffer[] = [];
  for (let owner = node._parentBoundaryOwner; owner; owner = owner._parentBoundaryOwner) {
    if (owner._boundary) out.push(owner._boundary);
  }
  return out.length > 0 ? out : null;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/**
 * The body read further without the part of the attachment the first window was cut in. `windowEnd` is where the
 * first window's body ended (inside that attachment); `boundaries` those that can end it, its parent's first.
 */
export function withoutCutAttachment(body: Buffer, windowEnd: number, boundaries: readonly Buffer[]): FurtherBody {
  if (boundaries.length === 0 || boundaries.length > MAX_ENDING_BOUNDARIES) return { kind: "unknown" };
  const needles = boundaries.map((b) => Buffer.concat([Buffer.from("--"), b]));
  const opening = lastDelimiter(body, needles[0]!, windowEnd);
  if (opening < 0) return { kind: "unknown" };
  const longest = Math.max(...needles.map((n) => n.length));
  // past the attachment's own delimiter (a carriage return may stand in front of it); one may straddle the window's end
  const from = Math.max(opening + 1 + needles[0]!.length, windowEnd - longest - 4);
  let next = -1;
  for (const needle of needles) {
    const at = firstDelimiter(body, needle, from);
    if (at === null) return { kind: "unknown" };
    if (at >= 0 && (next < 0 || at < next)) next = at;
  }
  if (next < 0) return { kind: "runs-past" };
  return { kind: "cut", body: Buffer.concat([body.subarray(0, opening), body.subarray(next)]) };
}

/** Where the last delimiter line of `needle` (`--boundary`) starting before `end` starts, or -1. */
function lastDelimiter(body: Buffer, needle: Buffer, end: number): number {
  let at = body.lastIndexOf(needle, end - needle.length);
  for (let tries = 0; at >= 0 && tries < MAX_FALSE_DELIMITERS; tries++) {
    const start = delimiterLineStart(body, at, needle.length);
    if (start >= 0) return start;
    at = at === 0 ? -1 : body.lastIndexOf(needle, at - 1);
  }
  return -1;
}

/** Where the first delimiter line of `needle` at or after `from` starts; -1 when there is none; null when too many
 * occurrences are not one. */
function firstDelimiter(body: Buffer, needle: Buffer, from: number): number | null {
  let at = body.indexOf(needle, from);
  for (let tries = 0; at >= 0; tries++) {
    if (tries >= MAX_FALSE_DELIMITERS) return null;
    const start = delimiterLineStart(body, at, needle.length);
    if (start >= 0) return start;
    at = body.indexOf(needle, at + 1);
  }
  return -1;
}

/**
 * Where the line of `--boundary` at `at` starts when it is a delimiter line as mailsplit reads one (`checkBoundary`,
 * `compareBoundary`), else -1: at the start of a line (after a line feed; a carriage return in front of it belongs to
 * it), then `--` or nothing, blanks, carriage returns and a line feed; the closing delimiter may also end the body.
 */
function delimiterLineStart(body: Buffer, at: number, length: number): number {
  const start = at > 0 && body[at - 1] === CR ? at - 1 : at;
  if (start > 0 && body[start - 1] !== LF) return -1;
  let i = at + length;
  let closing = false;
  if (body[i] === DASH) {
    if (body[i + 1] !== DASH) return -1;
    closing = true;
    i += 2;
  }
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09)) i++;
  if (i === body.length) return closing ? start : -1;
  while (i < body.length && body[i] === CR) i++;
  return body[i] === LF ? start : -1;
}
