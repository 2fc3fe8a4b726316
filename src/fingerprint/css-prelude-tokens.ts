/**
 * The tokens of an at-rule's prelude (`@media …`, `@supports …`) as CSS Syntax 3 reads them, for ./css-media.ts and
 * ./css-at-rules.ts: names with their escapes decoded, in lower case; numbers with their units; brackets paired.
 * One pass, no regular expression, nesting of brackets bounded. Pure: no I/O.
 */

/** Brackets nested at most in a prelude: deeper, the prelude is not read (no mail needs more; it bounds recursion). */
export const MAX_NESTING = 16;

export type TokenKind =
  "ident" | "function" | "number" | "dimension" | "(" | ")" | "," | ":" | "/" | "compare" | "other";

export interface Token {
  kind: TokenKind;
  /** A name, a unit or a function's name in lower case; a comparison ("<", "<=", ">", ">=", "="); other characters. */
  text: string;
  /** The number of a number or a dimension. */
  value: number;
  /** For "(" and "function": the index of the ")" that closes it. */
  match: number;
}

/** A counter of the steps taken, for tests to bound the work. */
export interface Work {
  steps: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 0x80;
const isName = (c: number) => isNameStart(c) || isDigit(c) || c === 45;
/** A backslash that starts an escape (not one before a line break or at the end). */
const isEscape = (s: string, i: number) => s.charCodeAt(i) === 92 && i + 1 < s.length && s.charCodeAt(i + 1) !== 10;

/** Whether a name starts at i: a name character, an escape, or "-" before either (or a second "-"). */
function startsName(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (isNameStart(c) || isEscape(s, i)) return true;
  if (c !== 45) return false;
  const d = s.charCodeAt(i + 1);
  return isNameStart(d) || d === 45 || isEscape(s, i + 1);
}

/** The name starting at i with its escapes decoded (`\73 creen` is `screen`), in lower case, and where it ends. */
export function readName(s: string, i: number): [string, number] {
  let name = "";
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isName(c)) {
      name += s[i++];
      continue;
    }
    if (!isEscape(s, i)) break;
    i++;
    let hex = 0;
    while (hex < 6 && i + hex < s.length && isHex(s.charCodeAt(i + hex))) hex++;
    if (hex === 0) {
      const code = s.codePointAt(i)!;
      name += String.fromCodePoint(code);
      i += code > 0xffff ? 2 : 1;
      continue;
    }
    const code = parseInt(s.slice(i, i + hex), 16);
    name += String.fromCodePoint(code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? 0xfffd : code);
    i += hex;
    if (i < s.length && isSpace(s.charCodeAt(i))) i++;
  }
  return [name.toLowerCase(), i];
}

/** The number starting at i (an optional sign, digits, a fraction, an exponent), or null; and where it ends. */
function readNumber(s: string, i: number): [number, number] | null {
  let j = i;
  if (s[j] === "+" || s[j] === "-") j++;
  const digitsStart = j;
  while (isDigit(s.charCodeAt(j))) j++;
  let digits = j - digitsStart;
  if (s[j] === "." && isDigit(s.charCodeAt(j + 1))) {
    j++;
    while (isDigit(s.charCodeAt(j))) j++;
    digits++;
  }
  if (digits === 0) return null;
  const e = s[j];
  if (e === "e" || e === "E") {
    const k = s[j + 1] === "+" || s[j + 1] === "-" ? j + 2 : j + 1;
    if (isDigit(s.charCodeAt(k))) {
      j = k;
      while (isDigit(s.charCodeAt(j))) j++;
    }
  }
  return [Number(s.slice(i, j)), j];
}

/** The end of the string starting at i with its quote (an unclosed one ends at a line break or the end). */
function stringEnd(s: string, i: number): number {
  const quote = s[i];
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === quote || s[j] === "\n") return j + 1;
    if (s[j] === "\\") j++;
  }
  return s.length;
}

/**
 * The tokens of `s` with each bracket paired, or null when a bracket is left open, one closes none, or they nest
 * deeper than MAX_NESTING: a browser then reads the prelude as something else than a condition.
 */
export function tokenize(s: string, work?: Work): Token[] | null {
  const tokens: Token[] = [];
  const open: number[] = [];
  const push = (kind: TokenKind, text: string, value = 0) => tokens.push({ kind, text, value, match: -1 });
  let i = 0;
  while (i < s.length) {
    if (work) work.steps++;
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (isSpace(c)) {
      i++;
    } else if (ch === "(" || ch === ")") {
      if (ch === "(") {
        if (open.length >= MAX_NESTING) return null;
        open.push(tokens.length);
      } else {
        const at = open.pop();
        if (at === undefined) return null;
        tokens[at]!.match = tokens.length;
      }
      push(ch, ch);
      i++;
    } else if (ch === "<" || ch === ">" || ch === "=") {
      const orEqual = ch !== "=" && s[i + 1] === "=";
      push("compare", orEqual ? ch + "=" : ch);
      i += orEqual ? 2 : 1;
    } else if (ch === "," || ch === ":" || ch === "/") {
      push(ch, ch);
      i++;
    } else if (ch === '"' || ch === "'") {
      push("other", ch);
      i = stringEnd(s, i);
    } else {
      i = readWord(s, i, tokens, open, push);
      if (open.length > MAX_NESTING) return null;
    }
  }
  return open.length === 0 ? tokens : null;
}

/** A number, a dimension, a name or a function's name at i (or one other character): pushed; where it ends. */
function readWord(
  s: string,
  i: number,
  tokens: Token[],
  open: number[],
  push: (kind: TokenKind, text: string, value?: number) => void,
): number {
  const number = readNumber(s, i);
  if (number) {
    const [value, end] = number;
    if (s[end] === "%") {
      push("dimension", "%", value);
      return end + 1;
    }
    if (!startsName(s, end)) {
      push("number", "", value);
      return end;
    }
    const [unit, unitEnd] = readName(s, end);
    push("dimension", unit, value);
    return unitEnd;
  }
  if (!startsName(s, i)) {
    push("other", s[i]!);
    return i + 1;
  }
  const [name, end] = readName(s, i);
  if (s[end] !== "(") {
    push("ident", name);
    return end;
  }
  open.push(tokens.length);
  push("function", name);
  return end + 1;
}

/** Whether `holds` is true of any item of a comma-separated list of tokens (the tokens [from, to) of each; a comma in
 * brackets separates nothing), tried in order until one is. */
export function anyListItem(tokens: readonly Token[], holds: (from: number, to: number) => boolean): boolean {
  let start = 0;
  for (let i = 0; i <= tokens.length;) {
    const t = tokens[i];
    if (t && t.kind !== ",") {
      i = t.match >= 0 ? t.match + 1 : i + 1;
      continue;
    }
    if (holds(start, i)) return true;
    start = ++i;
  }
  return false;
}
