/**
 * NUL-terminated strings and string arrays as the milter protocol carries them (milter-protocol.md §1.2).
 * Decoding is lenient: a missing final NUL ends the string at the payload's end.
 */

/**
 * Split a payload into its NUL-terminated strings, decoded as UTF-8. A trailing piece without NUL counts too.
 * At most `max` are returned; the scan stops there, so what lies past them costs nothing.
 */
export function splitCStrings(payload: Buffer, start = 0, max = Infinity): string[] {
  const out: string[] = [];
  let from = start;
  while (from < payload.length && out.length < max) {
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

/** Bytes that `values` take as NUL-terminated UTF-8 strings. */
export function cStringsLength(values: readonly string[]): number {
  let size = 0;
  for (const v of values) size += Buffer.byteLength(v, "utf8") + 1;
  return size;
}

/** Write `values` into `out` at `offset`, each followed by NUL; returns the offset after the last NUL. */
export function writeCStrings(out: Buffer, offset: number, values: readonly string[]): number {
  let at = offset;
  for (const v of values) {
    at += out.write(v, at, "utf8");
    out[at++] = 0;
  }
  return at;
}

/** Encode strings, each followed by NUL, in one buffer. */
export function cStrings(...values: string[]): Buffer {
  const out = Buffer.allocUnsafe(cStringsLength(values));
  writeCStrings(out, 0, values);
  return out;
}
