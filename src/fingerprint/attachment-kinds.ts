/**
 * The kind of file each attachment is, as a recipient's mail client would open it: the extension of its name, else
 * its declared content type. A scanner's ham verdict covers the kinds of its copies' attachments besides their links
 * (src/reputation/verdict-links.ts): copies of legitimate bulk often carry a file of their own (an invoice, a
 * ticket), of the same kind every time, while a campaign whose text passed and that then sends an archive, a program
 * or a web page changes the kind. Pure: no I/O.
 */
import { openedExtension } from "../util/file-extension.js";

/** Distinct kinds kept at most: a copy with this many may carry others. */
export const MAX_ATTACHMENT_KINDS = 16;

const CONTENT_TYPE = /^[a-z0-9][a-z0-9.+-]{0,63}\/[a-z0-9][a-z0-9.+-]{0,63}$/;

/**
 * One attachment's kind: `.ext` (lower-case, 1–10 letters or digits) when its name ends in one, else its content
 * type (`application/pdf`), else `unknown`. Never holds a space (the store keeps kinds in space-separated lists).
 */
export function attachmentKind(
  filename: string | false | null | undefined,
  contentType: string | false | undefined,
): string {
  const extension = typeof filename === "string" ? openedExtension(filename) : null;
  if (extension !== null) return `.${extension}`;
  const type = typeof contentType === "string" ? contentType.trim().toLowerCase() : "";
  return CONTENT_TYPE.test(type) ? type : "unknown";
}

/** The kinds of a message's attachments, as they are found: unique, at most MAX_ATTACHMENT_KINDS. */
export class AttachmentKinds {
  private readonly found = new Set<string>();

  add(filename: string | false | null | undefined, contentType: string | false | undefined): void {
    if (this.found.size < MAX_ATTACHMENT_KINDS) this.found.add(attachmentKind(filename, contentType));
  }

  addAll(kinds: readonly string[]): void {
    for (const kind of kinds) if (this.found.size < MAX_ATTACHMENT_KINDS) this.found.add(kind);
  }

  /** The kinds, sorted. */
  list(): string[] {
    return [...this.found].sort();
  }
}
