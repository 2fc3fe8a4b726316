/**
 * The keys of the previous fingerprint version (1), computed next to the current ones while a store may still
 * hold campaigns keyed by it (`fingerprint.previousVersion`): a campaign blocked or given a verdict before an
 * upgrade is still found by its old keys, and is then keyed by the new ones (src/reputation). Version 1 is
 * rspamd's design (fingerprinting.md §1.1): for each of 32 seeded hash functions, the minimum over the word
 * 3-grams, compared position by position (17 of 32 equal); its exact key is the SHA-1 of all the words and the
 * subject, and it left out the lines quoting an earlier message (`> …`) when the rest had 24 words.
 *
 * The keys are those version 1 wrote for the same message, not an approximation: it read the text/plain
 * alternative where the current version reads the HTML one, hidden HTML text too (the extractor gives that text
 * as `previousText` when it differs, ./extract.ts), and it made text outside ASCII canonical its own way
 * (./previous-tokens.ts). Checked against the fingerprints the build of version 1 computed for corpus
 * messages (test/unit/fingerprint-previous-golden.test.ts). Pure: no I/O.
 */
import { hash } from "node:crypto";
import { forEachLineToken, isRepeat, traceComplete } from "./line-words.js";
import { fmix32, hashWord, shingleHashes, wordHashes } from "./minhash.js";
import { canonicalText, tokenise, wordTrace, type WordTrace } from "./normalise.js";
import { previousCanonicalText, withoutLongMixed } from "./previous-tokens.js";

/** The previous version's number. */
export const PREVIOUS_VERSION = 1;
/** Hash functions of version 1. */
export const PREVIOUS_SIZE = 32;
/** Positions of version 1 that must agree for a message to join a campaign. */
export const PREVIOUS_VOTES = 17;

/** The keys of a message under the previous version. */
export interface PreviousKeys {
  version: number;
  /** 32 values (unsigned 32-bit), by position; null when the text has fewer than `minWords` words. */
  minhash: number[] | null;
  /** Hex SHA-1 of the words and the subject's words. */
  direct: string;
}

/** Version 1 left quoted lines out when the rest had at least this many words. */
const QUOTE_STRIP_MIN_WORDS = 24;
const QUOTED_LINE = /^[ \t]*>.*$/gm;
/** Line breaks other than "\n" (and "\r\n"): the quoted-line rule sees a line there, the trace does not. */
const OTHER_LINE_BREAK = /\r(?!\n)|[\u2028\u2029]/;

/** The words version 1 read of a text whose current words (and their hashes) are given: without the quoted
 * lines when the rest has enough words. With the words' trace, they are picked from the words already read. */
export function previousWords(
  text: string,
  words: readonly string[],
  hashes: Uint32Array,
  trace?: WordTrace,
): { words: readonly string[]; hashes: Uint32Array } {
  if (!hasQuotedLine(text)) return { words, hashes };
  if (trace === undefined || !traceComplete(words) || OTHER_LINE_BREAK.test(text)) {
    return wordsOfUnquotedText(text, words, hashes);
  }
  const own: string[] = [];
  const ownIndices: number[] = [];
  let changed = false;
  let line = -1;
  let quoted = false;
  forEachLineToken(text, words, trace, (word, lineStart, index) => {
    if (lineStart !== line) {
      line = lineStart;
      quoted = isQuotedLine(text, line);
    }
    if (quoted || isRepeat(word, own[own.length - 1])) {
      changed ||= index >= 0;
      return;
    }
    changed ||= index < 0;
    own.push(word);
    ownIndices.push(index);
  });
  if (!changed || own.length < QUOTE_STRIP_MIN_WORDS) return { words, hashes };
  const ownHashes = new Uint32Array(own.length);
  for (let k = 0; k < own.length; k++) {
    const index = ownIndices[k]!;
    ownHashes[k] = index >= 0 ? hashes[index]! : hashWord(own[k]!);
  }
  return { words: own, hashes: ownHashes };
}

/** Whether a line of the text (as QUOTED_LINE sees lines) starts with ">", after spaces or tabs: a look at each ">"
 * and the blanks before it, each blank looked at once. */
function hasQuotedLine(text: string): boolean {
  for (let gt = text.indexOf(">"); gt >= 0; gt = text.indexOf(">", gt + 1)) {
    let i = gt - 1;
    while (i >= 0 && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i--;
    if (i < 0) return true;
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** Whether the line starting at `start` quotes an earlier message (`> …`, after spaces or tabs). */
function isQuotedLine(text: string, start: number): boolean {
  let i = start;
  while (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09) i++;
  return text.charCodeAt(i) === 0x3e;
}

/** previousWords by tokenising the text without its quoted lines again. */
function wordsOfUnquotedText(
  text: string,
  words: readonly string[],
  hashes: Uint32Array,
): { words: readonly string[]; hashes: Uint32Array } {
  const unquoted = text.replace(QUOTED_LINE, "");
  if (unquoted.length === text.length) return { words, hashes };
  const own = tokenise(unquoted, undefined, previousCanonicalText);
  return own.length >= QUOTE_STRIP_MIN_WORDS ? { words: own, hashes: wordHashes(own) } : { words, hashes };
}

/** The per-function seeds of version 1. */
const SEEDS: Uint32Array = (() => {
  const seeds = new Uint32Array(PREVIOUS_SIZE);
  let state = 0x5eed1234;
  for (let i = 0; i < PREVIOUS_SIZE; i++) {
    state = (state + 0x9e3779b9) | 0;
    seeds[i] = fmix32(state ^ fmix32(i + 1));
  }
  return seeds;
})();

/** Version 1's 32 minima of a word sequence given as the hashes of its windows of three words: for each function,
 * the least `fmix32(window ^ seed)`. Four functions a pass over the windows, compared as signed integers (the sign
 * bit flipped), which the compiler keeps in registers. */
function previousMinhash(shingles: Uint32Array): number[] {
  const mins = new Array<number>(PREVIOUS_SIZE);
  for (let f = 0; f < PREVIOUS_SIZE; f += 4) {
    const s0 = SEEDS[f]! | 0;
    const s1 = SEEDS[f + 1]! | 0;
    const s2 = SEEDS[f + 2]! | 0;
    const s3 = SEEDS[f + 3]! | 0;
    let m0 = 0x7fffffff;
    let m1 = 0x7fffffff;
    let m2 = 0x7fffffff;
    let m3 = 0x7fffffff;
    for (let i = 0; i < shingles.length; i++) {
      const x = shingles[i]! | 0;
      const v0 = signedMix(x ^ s0);
      const v1 = signedMix(x ^ s1);
      const v2 = signedMix(x ^ s2);
      const v3 = signedMix(x ^ s3);
      if (v0 < m0) m0 = v0;
      if (v1 < m1) m1 = v1;
      if (v2 < m2) m2 = v2;
      if (v3 < m3) m3 = v3;
    }
    mins[f] = (m0 ^ SIGN) >>> 0;
    mins[f + 1] = (m1 ^ SIGN) >>> 0;
    mins[f + 2] = (m2 ^ SIGN) >>> 0;
    mins[f + 3] = (m3 ^ SIGN) >>> 0;
  }
  return mins;
}

const SIGN = 0x80000000 | 0;

/** `fmix32(h)` with its sign bit flipped, as a signed integer: ordered as fmix32's unsigned values are. */
function signedMix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16) ^ SIGN;
}

/** The previous version's keys of a text's words (their hashes, and the hashes of their windows when already
 * computed) and its subject's words. */
export function previousKeys(
  words: readonly string[],
  hashes: Uint32Array,
  subjectWords: readonly string[],
  minWords: number,
  shingles?: Uint32Array,
): PreviousKeys {
  return {
    version: PREVIOUS_VERSION,
    minhash: words.length >= minWords && words.length > 0 ? previousMinhash(shingles ?? shingleHashes(hashes)) : null,
    direct: hash("sha1", `${words.join(" ")}\u0000${subjectWords.join(" ")}`, "hex"),
  };
}

/** How many positions of two version 1 vectors hold the same value. */
export function previousAgreement(a: readonly number[], b: readonly number[]): number {
  let votes = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] === b[i]) votes++;
  return votes;
}

/** What the current fingerprint read of a message, and what version 1 read where it differs. */
export interface PreviousInput {
  /** The text the current version read, its words (with their hashes, windows and trace). */
  text: string;
  words: readonly string[];
  hashes: Uint32Array;
  shingles: Uint32Array;
  trace: WordTrace;
  /** The text version 1 read, when it is not `text` (./extract.ts). */
  previousText: string | undefined;
  /** The decoded subject (version 1 read its words its own way). */
  subject: string;
  minWords: number;
}

/** The keys version 1 computed for a message. Its words are the current ones (their hashes and windows reused)
 * unless it read another text or made a line of it canonical otherwise (./previous-tokens.ts): then the text it
 * read is tokenised as it did; either way without the long mixed tokens it dropped. */
export function previousVersionKeys(input: PreviousInput): PreviousKeys {
  const source = input.previousText ?? input.text;
  const same = input.previousText === undefined && sameCanonical(source);
  const trace = same ? input.trace : wordTrace();
  const words = same ? input.words : tokenise(source, trace, previousCanonicalText);
  const read = withoutLongMixed(words, trace);
  const hashes = same && read.words === words ? input.hashes : wordHashes(read.words);
  const own = previousWords(source, read.words, hashes, read.trace);
  const subjectTrace = wordTrace();
  const subjectWords = tokenise(input.subject, subjectTrace, previousCanonicalText);
  const subject = withoutLongMixed(subjectWords, subjectTrace).words;
  const shingles = own.hashes === input.hashes ? input.shingles : undefined;
  return previousKeys(own.words, own.hashes, subject, input.minWords, shingles);
}

/** A UTF-16 unit outside ASCII (a surrogate alone is not the same alone: its line is compared). */
const OUTSIDE_ASCII = /[\u0080-\uffff]/g;
/** Letters, marks and modifier symbols: what the two versions may make canonical otherwise, alone or next to
 * other characters (a mark joins the letter before it; a modifier decomposes into marks). */
const MAY_DIFFER = /[\p{L}\p{M}\p{Sk}]/u;
/** Characters outside ASCII found the same in both versions alone, and not of MAY_DIFFER (bounded: forgotten
 * all at once when full). */
const sameAlone = new Map<number, boolean>();
const MAX_REMEMBERED = 4096;

/** Whether both versions make every line of a text canonical alike (then they read the same words): a line
 * holding only characters that are the same alone and cannot combine with their neighbours is; any other line
 * outside ASCII is compared whole. Each line is looked at once. */
function sameCanonical(text: string): boolean {
  OUTSIDE_ASCII.lastIndex = 0;
  for (let found = OUTSIDE_ASCII.exec(text); found !== null; found = OUTSIDE_ASCII.exec(text)) {
    const c = found[0];
    const code = c.charCodeAt(0);
    let same = sameAlone.get(code);
    if (same === undefined) {
      const surrogate = code >= 0xd800 && code <= 0xdfff;
      same = !surrogate && !MAY_DIFFER.test(c) && previousCanonicalText(c) === canonicalText(c);
      if (sameAlone.size >= MAX_REMEMBERED) sameAlone.clear();
      sameAlone.set(code, same);
    }
    if (same) continue;
    const start = text.lastIndexOf("\n", found.index) + 1;
    const newline = text.indexOf("\n", found.index);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, end);
    if (previousCanonicalText(line) !== canonicalText(line)) return false;
    OUTSIDE_ASCII.lastIndex = end;
  }
  return true;
}
