/**
 * The text of a body read without a MIME parser, for what the parser could not read (past one of its limits, or
 * after an error): the body's lines as UTF-8, without the MIME structure around them. A delimiter line of a known
 * boundary (from the top Content-Type, then from each part's) and the header block of the part after it are left
 * out, so neither a flood of part headers nor deep nesting takes the place of the words; transfer encodings are not
 * undone. One pass over the lines, each looked at once; the text is cut at `maxChars` bytes before it is decoded.
 */

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
/** Boundaries remembered at most: a message that declares more gets the later ones read as text. */
const MAX_BOUNDARIES = 256;
/** A boundary is at most 70 characters (RFC 2046 §5.1.1); longer values are not remembered. */
const MAX_BOUNDARY_LENGTH = 200;
const BOUNDARY = /boundary\s*=\s*(?:"([^"]{1,200})"|([^\s";]{1,200}))/i;

/** The text of `body` read line by line, MIME delimiters and part headers left out, at most `maxChars` bytes. */
export function rawBodyText(body: Buffer, maxChars: number, topContentType = ""): string {
  const boundaries = new Set<string>();
  remember(boundaries, topContentType);
  const kept: Buffer[] = [];
  let bytes = 0;
  let inPartHead = false;
  let pos = 0;
  while (pos < body.length && bytes < maxChars) {
    const lf = body.indexOf(LF, pos);
    const end = lf < 0 ? body.length : lf + 1;
    if (inPartHead) {
      const blank = body[pos] === LF || (body[pos] === CR && body[pos + 1] === LF);
      if (blank) inPartHead = false;
      else if (boundaries.size < MAX_BOUNDARIES) remember(boundaries, body.toString("latin1", pos, end));
    } else if (isDelimiter(body, pos, end, boundaries)) {
      inPartHead = true;
    } else {
      const take = Math.min(end, pos + maxChars - bytes);
      kept.push(body.subarray(pos, take));
      bytes += take - pos;
    }
    pos = end;
  }
  return Buffer.concat(kept, bytes).toString("utf8");
}

/** Add the boundary a header line declares, if any. */
function remember(boundaries: Set<string>, line: string): void {
  const match = BOUNDARY.exec(line);
  const value = match?.[1] ?? match?.[2];
  if (value && value.length <= MAX_BOUNDARY_LENGTH && boundaries.size < MAX_BOUNDARIES) boundaries.add(value);
}

/** Whether the line from `start` to `end` is `--boundary` or `--boundary--` of a known boundary. */
function isDelimiter(body: Buffer, start: number, end: number, boundaries: ReadonlySet<string>): boolean {
  if (boundaries.size === 0 || body[start] !== DASH || body[start + 1] !== DASH) return false;
  if (end - start > MAX_BOUNDARY_LENGTH + 8) return false;
  const value = body.toString("latin1", start + 2, end).trimEnd();
  return boundaries.has(value) || (value.endsWith("--") && boundaries.has(value.slice(0, -2)));
}
