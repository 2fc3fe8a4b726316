/**
 * A copy of a string that holds nothing else alive. V8 makes a substring of 13 characters or more (a regular
 * expression's match, a `slice`) a view into the string it was cut from, so a long-lived cache keyed by one keeps the
 * whole source text alive: a message's decoded text, for as long as the entry lives. Worse, a collection of the young
 * generation copies that text each time such a key is added, since the cache (old) now points at it.
 */

/** The characters of `text` in a string of their own (UTF-16 code units copied as they are, lone surrogates too). */
export function detachedString(text: string): string {
  return Buffer.from(text, "utf16le").toString("utf16le");
}
