/**
 * Text normalisation for fingerprints (fingerprinting.md §1.6 step 2, after rspamd and Pyzor): the words that
 * stay the same across the personalised copies of one campaign. NFKC, lowercase, invisible characters removed,
 * look-alike letters mapped to Latin, each URL replaced by a token of its registrable domain, e-mail addresses
 * dropped, numbers replaced by `#`, long tokens and tracking ids dropped. Pure: no I/O.
 */
import { mapConfusables } from "./confusables.js";
import { urlDomain } from "./links.js";

/** The prefix of the token that stands for a URL: `urlhost_example.com`. */
export const URL_TOKEN_PREFIX = "urlhost_";
/** Tokens longer than this are dropped (encoded blobs, ids). */
export const MAX_TOKEN_LENGTH = 20;
/** Tokens mixing letters and digits are dropped from this length on (tracking ids, coupon codes). */
export const MIXED_TOKEN_MIN_DROP = 6;

// Default-ignorable code points: soft hyphen, zero-width space/joiners, word joiner, BOM, bidi marks and
// embeddings, variation selectors, Mongolian vowel separator…
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

// One token: a URL, an e-mail address, one ideograph or kana (those scripts write no spaces), or a word of
// letters, digits and combining marks. Bounded repeats in the address keep the scan linear on hostile text.
// The second alternative is only a shortcut: a word followed by a character that can neither continue it nor
// an address is what the last alternative would give after the address one failed, found without trying that.
// The scan is linear although a failed attempt of the second alternative walks back over its word: the last one
// then matches that whole word, so no character is walked over twice by failed attempts (the lint rule against
// super-linear moves cannot see that one alternative always succeeds where another failed).
const CJK = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}`;
const TOKEN = new RegExp(
  // eslint-disable-next-line regexp/no-super-linear-move -- linear: the last alternative takes any word
  [
    String.raw`(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'\x60\(\)\[\]\{\}\|\\\^]+`,
    String.raw`[[\p{L}\p{N}\p{M}]--[${CJK}]]+(?![\p{L}\p{N}\p{M}._%+\-@])`,
    String.raw`[\p{L}\p{N}._%+\-]{1,64}@[\p{L}\p{N}\-]{1,63}(?:\.[\p{L}\p{N}\-]{1,63}){1,8}`,
    `[${CJK}]`,
    String.raw`[[\p{L}\p{N}\p{M}]--[${CJK}]]+`,
  ].join("|"),
  "gv",
);
// The same tokens for text that is all ASCII (after lowercasing, the common case): \p{L}\p{N} is [a-z0-9]
// there, \p{M} and the CJK scripts are empty. Without the Unicode mode the scan is about twice as fast.
const ASCII_TOKEN = new RegExp(
  // eslint-disable-next-line regexp/no-super-linear-move -- linear: the last alternative takes any word
  [
    String.raw`(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'\x60\(\)\[\]\{\}\|\\\^]+`,
    String.raw`[a-z0-9]+(?![a-z0-9._%+\-@])`,
    String.raw`[a-z0-9._%+\-]{1,64}@[a-z0-9\-]{1,63}(?:\.[a-z0-9\-]{1,63}){1,8}`,
    String.raw`[a-z0-9]+`,
  ].join("|"),
  "g",
);
const NON_ASCII_ANYWHERE = /[\u0080-\uffff]/g;
const URL_START = /^(?:(?:https?|ftp):\/\/|www\.)/;
const DIGIT = /\p{Nd}/u;
const DIGITS = /\p{Nd}+/gu;
const ASCII_DIGITS = /[0-9]+/g;
const LETTER = /\p{L}/u;

/** The text before tokenising: invisible characters removed, look-alike letters mapped, NFKC, lowercase. */
export function canonicalText(text: string): string {
  return mapConfusables(text.replace(INVISIBLE, ""));
}

/** One raw token to its normalised form, or null when it is dropped. */
export function normaliseToken(token: string): string | null {
  if (URL_START.test(token)) return URL_TOKEN_PREFIX + (urlDomain(token) ?? "");
  if (token.includes("@")) return null;
  if (token.length > MAX_TOKEN_LENGTH) return null;
  if (!DIGIT.test(token)) return token;
  if (!LETTER.test(token)) return "#";
  if (token.length >= MIXED_TOKEN_MIN_DROP) return null;
  return token.replace(DIGITS, "#");
}

/** normaliseToken for a token of ASCII_TOKEN: the same result, by one scan of the characters. */
function normaliseAsciiToken(token: string): string | null {
  const first = token.charCodeAt(0);
  // only a URL token starts with "http", "ftp" or "www" and holds a "/" or "." the word tokens cannot
  if ((first === 0x68 || first === 0x66 || first === 0x77) && URL_START.test(token)) {
    return URL_TOKEN_PREFIX + (urlDomain(token) ?? "");
  }
  if (token.length > MAX_TOKEN_LENGTH) return null;
  let digits = false;
  let letters = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits = true;
    else if (c >= 0x61 && c <= 0x7a) letters = true;
    else if (c === 0x40 /* @ */) return null;
  }
  if (!digits) return token;
  if (!letters) return "#";
  if (token.length >= MIXED_TOKEN_MIN_DROP) return null;
  return token.replace(ASCII_DIGITS, "#");
}

/** Words of a text read at most: MinHash and the digest look at the first this many (a long message's head is its
 * campaign's as much as its whole), and the words array stays a bounded allocation. */
export const MAX_WORDS = 65_536;
/** Characters of a line of other scripts canonicalised at once: NFKC may grow a character into 18, so a long line
 * is cut (at a space, where no token spans the cut) into pieces whose canonical form stays small. */
export const CANONICAL_PIECE_CHARS = 4096;

/** The normalised words of a text, in order. Lines quoting an earlier message (`> …`) are words like any other:
 * leaving them out let a copy hide its campaign's text behind quote marks and salt. */
export function normaliseText(text: string): string[] {
  return tokenise(text);
}

/**
 * The normalised words of a text, in order, at most MAX_WORDS. Lines of ASCII take the fast
 * path; only the lines holding other characters go through the Unicode one. The result is the same as the Unicode
 * path on the whole text: a token never spans a line break, and NFKC, case mapping, removing invisible characters
 * and the look-alike map never join characters across one.
 */
export function tokenise(text: string): string[] {
  const words: string[] = [];
  let asciiFrom = 0;
  NON_ASCII_ANYWHERE.lastIndex = 0;
  for (let found = NON_ASCII_ANYWHERE.exec(text); found !== null; found = NON_ASCII_ANYWHERE.exec(text)) {
    if (words.length >= MAX_WORDS) return words;
    const lineStart = text.lastIndexOf("\n", found.index) + 1;
    const newline = text.indexOf("\n", found.index);
    const lineEnd = newline < 0 ? text.length : newline;
    if (lineStart > asciiFrom)
      scan(text.slice(asciiFrom, lineStart).toLowerCase(), ASCII_TOKEN, normaliseAsciiToken, words);
    for (let from = lineStart; from < lineEnd && words.length < MAX_WORDS;) {
      const to = pieceEnd(text, from, lineEnd);
      scan(canonicalText(text.slice(from, to)), TOKEN, normaliseToken, words);
      from = to;
    }
    asciiFrom = lineEnd;
    NON_ASCII_ANYWHERE.lastIndex = lineEnd;
  }
  if (asciiFrom < text.length && words.length < MAX_WORDS)
    scan(text.slice(asciiFrom).toLowerCase(), ASCII_TOKEN, normaliseAsciiToken, words);
  return words;
}

/** Where the piece of a line that starts at `from` ends: at the line's end, or before the last space within
 * CANONICAL_PIECE_CHARS (a piece with no space is one token, dropped as too long, and ends at the cap). */
function pieceEnd(text: string, from: number, lineEnd: number): number {
  if (lineEnd - from <= CANONICAL_PIECE_CHARS) return lineEnd;
  const cap = from + CANONICAL_PIECE_CHARS;
  const space = text.lastIndexOf(" ", cap);
  return space > from ? space : cap;
}

/** Append the normalised tokens `pattern` finds in canonical text to `words`, up to MAX_WORDS. */
function scan(canonical: string, pattern: RegExp, normalise: (token: string) => string | null, words: string[]): void {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(canonical); match !== null; match = pattern.exec(canonical)) {
    const word = normalise(match[0]);
    if (word === null) continue;
    // HTML rendered as text repeats a link shown as its own anchor text ("url [url]"): keep one.
    if (word.startsWith(URL_TOKEN_PREFIX) && words[words.length - 1] === word) continue;
    words.push(word);
    if (words.length >= MAX_WORDS) return;
  }
}

/** A subject reduced to its normalised words, joined by single spaces. */
export function normaliseSubject(subject: string): string {
  return normaliseText(subject).join(" ");
}
