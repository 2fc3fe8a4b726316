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
const CJK = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}`;
const TOKEN = new RegExp(
  [
    String.raw`(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'\x60\(\)\[\]\{\}\|\\\^]+`,
    String.raw`[\p{L}\p{N}._%+\-]{1,64}@[\p{L}\p{N}\-]{1,63}(?:\.[\p{L}\p{N}\-]{1,63}){1,8}`,
    `[${CJK}]`,
    String.raw`[[\p{L}\p{N}\p{M}]--[${CJK}]]+`,
  ].join("|"),
  "gv",
);
const URL_START = /^(?:(?:https?|ftp):\/\/|www\.)/;
const DIGIT = /\p{Nd}/u;
const DIGITS = /\p{Nd}+/gu;
const LETTER = /\p{L}/u;

// A line quoting an earlier message in a reply ("> text", "| text" is left alone: tables use it).
const QUOTED_LINE = /^[ \t]*>.*$/gm;

/** The text without the lines that quote an earlier message (`> …`): a reply's own words are its content. */
export function stripQuoted(text: string): string {
  return text.replace(QUOTED_LINE, "");
}

/** The text before tokenising: invisible characters removed, NFKC, lowercase, look-alike letters mapped. */
export function canonicalText(text: string): string {
  return mapConfusables(text.replace(INVISIBLE, "").normalize("NFKC").toLowerCase());
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

/** Quoted lines are left out only when the rest has at least this many words: a message made of quotes keeps
 * them, so quoting a spam body does not hide it. */
export const QUOTE_STRIP_MIN_WORDS = 24;

/** The normalised words of a text, in order; quoted lines (`> …`) are left out when the rest has enough words. */
export function normaliseText(text: string): string[] {
  const unquoted = stripQuoted(text);
  if (unquoted.length === text.length) return tokenise(text);
  const own = tokenise(unquoted);
  return own.length >= QUOTE_STRIP_MIN_WORDS ? own : tokenise(text);
}

/** The normalised words of a text, in order, quoted lines included. */
export function tokenise(text: string): string[] {
  const words: string[] = [];
  for (const match of canonicalText(text).matchAll(TOKEN)) {
    const word = normaliseToken(match[0]);
    if (word === null) continue;
    // HTML rendered as text repeats a link shown as its own anchor text ("url [url]"): keep one.
    if (word.startsWith(URL_TOKEN_PREFIX) && words[words.length - 1] === word) continue;
    words.push(word);
  }
  return words;
}

/** A subject reduced to its normalised words, joined by single spaces. */
export function normaliseSubject(subject: string): string {
  return normaliseText(subject).join(" ");
}
