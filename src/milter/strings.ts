/**
 * NUL-terminated strings and string arrays as the milter protocol carries them (milter-protocol.md §1.2).
 * Decoding is lenient: a missing final NUL ends the string at the payload's end.
 */

/** Split a payload into its NUL-terminated strings, decoded as UTF-8. A trailing piece without NUL counts too. */
export function splitCStrings(payload: Buffer, start = 0): string[] {
  const out: string[] = [];
  let from = start;
  while (from < payload.length) {
    let end = payload.indexOf(0, from);
    if (end < 0) end = payload.length;
    out.push(payload.toString("utf8", from, end));
    from = end + 1;
  }
  return out;
}

/** Read one NUL-terminated string at `offset`; returns the string and the offset after its NUL. */
export function readCString(payload: Buffer, offset: number): { value: string; next: number } {
  let end = payload.indexOf(0, offset);
  if (end < 0) end = payload.length;
  return { value: payload.toString("utf8", offset, end), next: end + 1 };
}

/** Encode strings, each followed by NUL. */
export function cStrings(...values: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    parts.push(Buffer.from(v, "utf8"), Buffer.alloc(1));
  }
  return Buffer.concat(parts);
}
