/**
 * The extension a mail client opens an attached file by. The name is the sender's: it is read from its end only, so
 * its cost is bounded whatever its length. Pure.
 */

/** Characters of a name looked at, from its end once trailing dots and spaces are dropped. */
const NAME_TAIL_CHARS = 64;
const EXTENSION = /\.([a-z0-9]{1,10})$/;

/**
 * The lower-case extension of a file's name (`Invoice.PDF` → `pdf`; `invoice.pdf.exe` → `exe`), or null when its name
 * ends in none of 1–10 letters or digits. Trailing dots and white space are dropped first, as Windows drops them
 * (`invoice.exe. ` opens as `invoice.exe`).
 */
export function openedExtension(name: string): string | null {
  let end = name.length;
  while (end > 0 && (name[end - 1] === "." || /\s/.test(name[end - 1]!))) end--;
  const tail = name.slice(Math.max(0, end - NAME_TAIL_CHARS), end).toLowerCase();
  return EXTENSION.exec(tail)?.[1] ?? null;
}
