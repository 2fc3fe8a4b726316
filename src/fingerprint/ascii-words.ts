/**
 * The tokens of lowercased ASCII text (the common case), the same as ./normalise.ts's expression gives there, by
 * one walk over the characters: a word of letters and digits is taken as it is read, and an expression is run only
 * where a token may be a link (at "http", "ftp", "www") or an address (an "@" at most MAX_LOCAL_PART characters on).
 * Linear: each character is walked over once by the words, and an address attempt reads at most a bounded stretch.
 * Pure: no I/O.
 */
import { linkToken, MAX_TOKEN_LENGTH, mixedToken, URL_START } from "./token-rules.js";
import { MAX_LOCAL_PART } from "./unicode-tokens.js";

// One token at one position: a URL, an e-mail address, or a word of ASCII letters and digits (./unicode-tokens.ts's
// TOKEN where \p{L}\p{N} is [a-z0-9] and \p{M} and the CJK scripts are empty). Sticky: it never moves on.
const TOKEN_AT = new RegExp(
  [
    String.raw`(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'\x60\(\)\[\]\{\}\|\\\^]+`,
    String.raw`[a-z0-9]+(?![a-z0-9._%+\-@])`,
    String.raw`[a-z0-9._%+\-]{1,${MAX_LOCAL_PART}}@[a-z0-9\-]{1,63}(?:\.[a-z0-9\-]{1,63}){1,8}`,
    String.raw`[a-z0-9]+`,
  ].join("|"),
  "y",
);
const ASCII_DIGITS = /[0-9]+/g;

const ALNUM = 1;
/** Characters that may carry an address's local part on after a word: . _ % + - @ */
const ADDRESS = 2;
const CHAR_KIND = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) CHAR_KIND[c] = ALNUM;
for (let c = 0x61; c <= 0x7a; c++) CHAR_KIND[c] = ALNUM;
for (const c of "._%+-@") CHAR_KIND[c.charCodeAt(0)] = ADDRESS;

function kindOf(c: number): number {
  return c < 128 ? CHAR_KIND[c]! : 0;
}

/**
 * Each normalised token of lowercased ASCII text, in order, with its index: `emit` returns false to stop. Numbers
 * become `#`, tokens over MAX_TOKEN_LENGTH and mixed ones as `mixedToken` says are dropped, addresses too,
 * links become their domain's token.
 */
export function scanAscii(s: string, emit: (word: string, index: number, length: number) => boolean): void {
  const n = s.length;
  const noAddress = n + MAX_LOCAL_PART + 1;
  let at = s.indexOf("@"); // the first "@" at or after p
  if (at < 0) at = noAddress;
  for (let p = 0; p < n;) {
    const c = s.charCodeAt(p);
    const kind = kindOf(c);
    if (kind === 0) {
      p++;
      continue;
    }
    if (at < p) {
      at = s.indexOf("@", p);
      if (at < 0) at = noAddress;
    }
    const addressReach = at - p <= MAX_LOCAL_PART;
    if (kind === ALNUM && !mayStartLink(s, p, c)) {
      let q = p;
      let digits = false;
      let letters = false;
      for (; q < n; q++) {
        const d = s.charCodeAt(q);
        if (d >= 0x61 && d <= 0x7a) letters = true;
        else if (d >= 0x30 && d <= 0x39) digits = true;
        else break;
      }
      // a word, unless an address may start here (then the expression decides)
      if (!addressReach || q === n || kindOf(s.charCodeAt(q)) !== ADDRESS) {
        const word = wordToken(s, p, q, digits, letters);
        if (word !== null && !emit(word, p, q - p)) return;
        p = q;
        continue;
      }
    } else if (kind === ADDRESS && !addressReach) {
      p++;
      continue;
    }
    TOKEN_AT.lastIndex = p;
    const match = TOKEN_AT.exec(s);
    if (match === null) {
      p++;
      continue;
    }
    const word = matchedToken(match[0]);
    if (word !== null && !emit(word, p, match[0].length)) return;
    p += match[0].length;
  }
}

/** Whether a link may start at `p` (its character `c`): "http://", "https://", "ftp://" or "www.". */
function mayStartLink(s: string, p: number, c: number): boolean {
  if (c === 0x68) return s.startsWith("http://", p) || s.startsWith("https://", p);
  if (c === 0x66) return s.startsWith("ftp://", p);
  return c === 0x77 && s.startsWith("www.", p);
}

/** The normalised form of the word of letters and digits between `p` and `q`, or null when it is dropped. */
function wordToken(s: string, p: number, q: number, digits: boolean, letters: boolean): string | null {
  const length = q - p;
  if (length > MAX_TOKEN_LENGTH) return null;
  if (!digits) return s.slice(p, q);
  if (!letters) return "#";
  return mixedToken(length, s.slice(p, q).replace(ASCII_DIGITS, "#"));
}

/** The normalised form of a token TOKEN_AT matched, or null when it is dropped. */
function matchedToken(token: string): string | null {
  if (URL_START.test(token)) return linkToken(token);
  if (token.includes("@")) return null;
  let digits = false;
  let letters = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits = true;
    else letters = true;
  }
  return wordToken(token, 0, token.length, digits, letters);
}
