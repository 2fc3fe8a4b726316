/**
 * CSS escapes (`\6f `, `\64`, `\i`) decoded as CSS's tokenizer reads them, for ./css-style.ts and ./css-sheet.ts,
 * so that `n\6f ne` reads `none`, `\64isplay` reads `display` and `.s\61lt` names the class `salt`, as a browser
 * reads them. An escape always stands for a code point of an identifier: never a delimiter, white space or the start
 * of a number. One that a plain reading would take for those (`\:`, `\;`, `\20`, a digit or `-` that would start a
 * number: `\31 0px`, `\2d 9999px`) is written as U+FFFD, which no keyword, number or delimiter matches, so
 * `display\:none` stays one unknown name and `text-indent:\2d 9999px` no length, as in a browser.
 *
 * Pure: no I/O. One pass; the text written is never longer than the text read (an escape is at least two UTF-16
 * units and stands for one code point), so it allocates no more than its input. A text without `\` is returned as
 * it is, without a pass.
 */

/** What an invalid or structural escape becomes: a code point of an identifier that no keyword contains. */
const REPLACEMENT = 0xfffd;
/** Hex digits an escape reads at most. */
const MAX_HEX_DIGITS = 6;

/** Where a run of identifier characters stands: what a digit or `-` escaped next to it would be read as. After a
 * delimiter or white space (NONE) or a `-` that started a run (DASH) it would start a number; inside an identifier
 * or a number's unit (IDENT) it continues it; inside a number (NUMBER) it would end the number. */
type Run = 0 | 1 | 2 | 3;
const NONE = 0;
const DASH = 1;
const IDENT = 2;
const NUMBER = 3;

/**
 * `text` with its escapes decoded. In a selector (`selector`), an escaped digit or `-` is a name's wherever it
 * stands (no numbers are read there); in declarations, only where it continues an identifier.
 */
export function unescapeCss(text: string, selector = false): string {
  if (!text.includes("\\")) return text;
  let out = "";
  let copied = 0;
  let run: Run = NONE;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c /* \ */) {
      run = after(run, c);
      i++;
      continue;
    }
    out += text.slice(copied, i);
    const [code, next] = readEscape(text, i + 1);
    const kept = code === REPLACEMENT || !isNameCode(code) ? REPLACEMENT : keep(code, run, selector);
    out += String.fromCodePoint(kept);
    run = after(run, kept);
    i = copied = next;
  }
  return out + text.slice(copied);
}

/** The code point of the escape whose `\` is before `from`, and where the text after it starts. */
function readEscape(text: string, from: number): [number, number] {
  if (from >= text.length) return [REPLACEMENT, from];
  const first = text.charCodeAt(from);
  // `\` before a line break is no escape outside a string: not an identifier's, and the break stays.
  if (first === 0x0a || first === 0x0d || first === 0x0c) return [REPLACEMENT, from];
  if (!isHex(first)) {
    const code = text.codePointAt(from)!;
    return [code, from + (code > 0xffff ? 2 : 1)];
  }
  let end = from;
  let code = 0;
  while (end < text.length && end - from < MAX_HEX_DIGITS && isHex(text.charCodeAt(end))) {
    code = code * 16 + parseInt(text[end]!, 16);
    end++;
  }
  // One white space after the digits belongs to the escape (CR LF counts as one).
  if (text.startsWith("\r\n", end)) end += 2;
  else if (end < text.length && isSpace(text.charCodeAt(end))) end++;
  const valid = code !== 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
  return [valid ? code : REPLACEMENT, end];
}

/** An escaped name code point as written: a digit or `-` that would start a number in a declaration is not one. */
function keep(code: number, run: Run, selector: boolean): number {
  if (selector || !(isDigit(code) || code === 0x2d)) return code;
  return run === IDENT ? code : REPLACEMENT;
}

/** The run after the code point `c`. */
function after(run: Run, c: number): Run {
  if (!isNameCode(c)) return NONE;
  if (isDigit(c)) return run === NONE || run === DASH ? NUMBER : run;
  if (c === 0x2d) return run === NONE || run === NUMBER ? DASH : IDENT;
  return IDENT;
}

/** A code point of an identifier: a letter, a digit, `-`, `_`, or any outside ASCII. */
function isNameCode(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x2d || c === 0x5f || c >= 0x80;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}
