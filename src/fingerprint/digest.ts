/**
 * Exact digests: the "direct" key of the normalised word stream and subject (for short texts and exact copies),
 * and the digests of decoded attachments. Pure: no I/O.
 */
import { createHash } from "node:crypto";

/** Hex SHA-1 of the normalised words and the normalised subject (a NUL separates the two). */
export function directDigest(words: readonly string[], normalisedSubject: string): string {
  return createHash("sha1").update(words.join(" ")).update("\u0000").update(normalisedSubject).digest("hex");
}

/** Hex SHA-1 digests of the attachments of at least `minBytes` decoded bytes, sorted and unique. */
export function attachmentDigests(contents: readonly Uint8Array[], minBytes: number): string[] {
  const digests = new Set<string>();
  for (const content of contents) {
    if (content.byteLength >= minBytes) digests.add(createHash("sha1").update(content).digest("hex"));
  }
  return [...digests].sort();
}
