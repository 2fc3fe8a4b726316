/**
 * The digests of decoded attachments (the exact key of the text is ./skeleton.ts's). Pure: no I/O.
 */
import { createHash } from "node:crypto";

/** Hex SHA-1 digests of the attachments of at least `minBytes` decoded bytes, sorted and unique. */
export function attachmentDigests(contents: readonly Uint8Array[], minBytes: number): string[] {
  const digests = new Set<string>();
  for (const content of contents) {
    if (content.byteLength >= minBytes) digests.add(createHash("sha1").update(content).digest("hex"));
  }
  return [...digests].sort();
}
