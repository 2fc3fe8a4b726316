/**
 * Text normalisation for fingerprints (fingerprinting.md §1.6 step 2, after rspamd and Pyzor): the words that
 * stay the same across the personalised copies of one campaign. NFKC, lowercase, invisible characters removed,
 * look-alike letters mapped to Latin, each URL replaced by a token of its registrable domain, e-mail addresses
 * dropped, numbers replaced by `#`, long tokens and tracking ids dropped. Pure: no I/O.
 */
import { scanAscii } from "./ascii-words.js";
import { mapConfusables } from "./confusables.js";
import { eachUnicodeToken } from "./unicode-tokens.js";
import {
  linkToken,
  MAX_TOKEN_LENGTH,
  MIXED_TOKEN_MIN_DROP,
  mixedToken,
  URL_START,
  URL_TOKEN_PREFIX,
} from "./token-rules.js";

export { MAX_TOKEN_LENGTH, MIXED_TOKEN_MIN_DROP, URL_TOKEN_PREFIX } from "./token-rules.js";

// Default-ignorable code points: soft hyphen, zero-width space/joiners, word joiner, BOM, bidi marks and
// embeddings, variation selectors, Mongolian vowel separator…
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

const NON_ASCII_ANYWHERE = /[\u0080-\uffff]/g;
const DIGIT = /\p{Nd}/u;
const DIGITS = /\p{Nd}+/gu;
const LETTER = /\p{L}/u;

/** The text before tokenising: invisible characters removed, look-alike letters mapped, NFKC, lowercase. */
export function canonicalText(text: string): string {
  return mapConfusables(text.replace(INVISIBLE, ""));
}

/** One raw token to its normalised form, or null when it is dropped. */
export function normaliseToken(token: string): string | null {
  if (URL_START.test(token)) return linkToken(token);
  if (token.includes("@")) return null;
  if (token.length > MAX_TOKEN_LENGTH) return null;
  if (!DIGIT.test(token)) return token;
  if (!LETTER.test(token)) return "#";
  return mixedToken(token.length, token.replace(DIGITS, "#"));
}

/** Words of a text read at most: MinHash and the digest look at the first this many (a long message's head is its
 * campaign's as much as its whole), and the words array stays a bounded allocation. */
export const MAX_WORDS = 65_536;
/** Characters of a line of other scripts canonicalised at once: NFKC may grow a character into 18, so a long line
 * is cut (at a space, where no token spans the cut) into pieces whose canonical form stays small. */
export const CANONICAL_PIECE_CHARS = 4096;

/** The normalised words of a text, in order. Lines quoting an earlier message (`> …`) are words like any other:
 * leaving them out let a copy hide its campaign's text behind quote marks and salt. With a `trace`, where each word
 * was found is recorded in it. */
export function normaliseText(text: string, trace?: WordTrace): string[] {
  return tokenise(text, trace);
}

/** Where the words of a text were found, so that the words of some of its lines can be had without reading it
 * again (./line-words.ts). */
export interface WordTrace {
  /** For each word, an offset in the text on the word's line. */
  offsets: number[];
  /** The link tokens left out as repeats of the word before them (`url [url]`), in order: each with how many words
   * came before it and its offset. The words of only some lines may keep them. */
  repeats: { before: number; word: string; offset: number }[];
  /** The indices of the words that mixed letters and digits in MIXED_TOKEN_MIN_DROP characters or more: fingerprint
   * version 1 dropped them. */
  longMixed: number[];
}

/** An empty trace for `normaliseText`. */
export function wordTrace(): WordTrace {
  return { offsets: [], repeats: [], longMixed: [] };
}

/**
 * The normalised words of a text, in order, at most MAX_WORDS. Lines of ASCII take the fast
 * path; only the lines holding other characters go through the Unicode one, made canonical by `canonical` (the
 * previous fingerprint version passes its own). The result is the same as the Unicode
 * path on the whole text: a token never spans a line break, and NFKC, case mapping, removing invisible characters
 * and the look-alike map never join characters across one.
 */
export function tokenise(text: string, trace?: WordTrace, canonical = canonicalText): string[] {
  const words: string[] = [];
  let asciiFrom = 0;
  NON_ASCII_ANYWHERE.lastIndex = 0;
  for (let found = NON_ASCII_ANYWHERE.exec(text); found !== null; found = NON_ASCII_ANYWHERE.exec(text)) {
    if (words.length >= MAX_WORDS) return words;
    const lineStart = text.lastIndexOf("\n", found.index) + 1;
    const newline = text.indexOf("\n", found.index);
    const lineEnd = newline < 0 ? text.length : newline;
    if (lineStart > asciiFrom) {
      scanAsciiInto(text.slice(asciiFrom, lineStart).toLowerCase(), words, trace, asciiFrom);
    }
    for (let from = lineStart; from < lineEnd && words.length < MAX_WORDS;) {
      const to = pieceEnd(text, from, lineEnd);
      scanPiece(text.slice(from, to), words, trace, from, canonical);
      from = to;
    }
    asciiFrom = lineEnd;
    NON_ASCII_ANYWHERE.lastIndex = lineEnd;
  }
  if (asciiFrom < text.length && words.length < MAX_WORDS)
    scanAsciiInto(text.slice(asciiFrom).toLowerCase(), words, trace, asciiFrom);
  return words;
}

/** Where the piece of a line that starts at `from` ends: at the line's end, or before the last space within
 * CANONICAL_PIECE_CHARS (a piece with no space is one token, dropped as too long, and ends at the cap). The space is
 * looked for in the piece only: searching back from the cap through the whole text costs a line without spaces
 * the square of its length. */
function pieceEnd(text: string, from: number, lineEnd: number): number {
  if (lineEnd - from <= CANONICAL_PIECE_CHARS) return lineEnd;
  const cap = from + CANONICAL_PIECE_CHARS;
  const space = text.slice(from, cap + 1).lastIndexOf(" ");
  return space > 0 ? from + space : cap;
}

/** Characters other than ASCII and the no-break space. */
const NOT_ASCII_OR_NBSP = /[\u0080-\u009f\u00a1-\uffff]/;
const NBSP = /\u00a0/g;
const NON_ASCII = /[\u0080-\uffff]/;

/** Append the normalised tokens of a piece of a line (at `offset`) that holds characters outside ASCII, made
 * canonical by `canonical`, to `words`, up to MAX_WORDS. For the current version's canonical form: where the only
 * such character is the no-break space (HTML's `&nbsp;`), the canonical text is the piece with spaces for it,
 * lowercased (NFKC makes it a space; nothing else changes ASCII), and canonical text that is all ASCII is
 * tokenised by the ASCII walk, which gives what the expression gives on lowercased ASCII. */
function scanPiece(
  piece: string,
  words: string[],
  trace: WordTrace | undefined,
  offset: number,
  canonical: (text: string) => string,
): void {
  if (canonical !== canonicalText) return scan(canonical(piece), words, trace, offset);
  const text = NOT_ASCII_OR_NBSP.test(piece) ? canonicalText(piece) : piece.replace(NBSP, " ").toLowerCase();
  if (NON_ASCII.test(text)) scan(text, words, trace, offset);
  else scanAscii(text, (word, _index, length) => add(words, word, trace, offset, length));
}

/** Append the normalised tokens of canonical text to `words`, up to MAX_WORDS. The canonical text is the piece of
 * the text at `offset`, all on one line: that offset stands for each token's. */
function scan(canonical: string, words: string[], trace: WordTrace | undefined, offset: number): void {
  eachUnicodeToken(canonical, (token) => {
    const word = normaliseToken(token);
    return word === null || add(words, word, trace, offset, token.length);
  });
}

/** Append the words of lowercased ASCII text at `offset` to `words`, up to MAX_WORDS (the text is as long as its
 * piece of the original, so a token's index in it gives its offset). */
function scanAsciiInto(ascii: string, words: string[], trace: WordTrace | undefined, offset: number): void {
  scanAscii(ascii, (word, index, length) => add(words, word, trace, offset + index, length));
}

/** Append a word, of a token `length` characters long (a link repeating the word before is left out, as HTML
 * rendered as text repeats a link shown as its own anchor text, "url [url]", and traced); false when MAX_WORDS are
 * reached. */
function add(words: string[], word: string, trace: WordTrace | undefined, offset: number, length: number): boolean {
  if (words[words.length - 1] === word && word.startsWith(URL_TOKEN_PREFIX)) {
    trace?.repeats.push({ before: words.length, word, offset });
    return true;
  }
  // a long token kept with a "#" mixed letters and digits (links and addresses hold none)
  if (trace && length >= MIXED_TOKEN_MIN_DROP && word.length > 1 && word.includes("#")) {
    trace.longMixed.push(words.length);
  }
  words.push(word);
  trace?.offsets.push(offset);
  return words.length < MAX_WORDS;
}

/** A subject reduced to its normalised words, joined by single spaces. */
export function normaliseSubject(subject: string): string {
  return normaliseText(subject).join(" ");
}
