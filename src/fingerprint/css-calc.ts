/**
 * CSS math functions (`calc()`, `min()`, `max()`, `clamp()`) in the numeric values the visibility reader reads
 * (./css-style.ts: font size, opacity, box sizes, offsets, text-indent, margins), and those values' readers. An
 * expression is + - * / over numbers, percentages and the lengths ./css-values.ts converts to px, with em (ex, ch)
 * kept apart because a font size reads it as a factor of its parent's. One it cannot evaluate (another unit, a length
 * times a length, a division by zero, mixed kinds in min()) gives null, and the value is read as before: not at all.
 * Pure: a recursive descent over at most MAX_CALC_CHARS characters and MAX_CALC_DEPTH nested parentheses.
 */
import { FONT_EM, LENGTH, lengthPx, PX_PER } from "./css-values.js";

/** Characters of a math function read at most; a longer one is not evaluated. */
export const MAX_CALC_CHARS = 256;
/** Parentheses and functions nested at most; deeper ones are not evaluated. */
export const MAX_CALC_DEPTH = 16;

/** The kinds of term a sum holds, as bits: a sum mixing a number with a length, or holding a percentage where the
 * reader cannot resolve one, is not read. */
const NUM = 1;
const PX = 2;
const EM = 4;
const PCT = 8;

/** A value of a math function: its terms summed by kind (px: absolute lengths, rem and viewport units as lengthPx
 * converts them). */
export interface CalcSum {
  num: number;
  px: number;
  em: number;
  pct: number;
  kinds: number;
}

const MATH_FUNCTION = /^(?:calc|min|max|clamp)\(/;
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?(%|[a-z]*)/y;

/** A math function's value, or null when `value` is not one or cannot be evaluated; `work.steps` counts the terms
 * read, for tests to bound. */
export function mathValue(value: string, work?: { steps: number }): CalcSum | null {
  if (value.length > MAX_CALC_CHARS || !MATH_FUNCTION.test(value)) return null;
  const parser = new Parser(value);
  const sum = parser.factor(0);
  if (work) work.steps += parser.steps;
  return sum !== null && parser.end() ? sum : null;
}

const scale = (a: CalcSum, k: number): CalcSum => ({ num: a.num * k, px: a.px * k, em: a.em * k, pct: a.pct * k, kinds: a.kinds }); // prettier-ignore
const add = (a: CalcSum, b: CalcSum, sign: number): CalcSum => ({
  num: a.num + sign * b.num,
  px: a.px + sign * b.px,
  em: a.em + sign * b.em,
  pct: a.pct + sign * b.pct,
  kinds: a.kinds | b.kinds,
});

/** The recursive descent: expression, term, factor, as CSS Values 4 writes calc()'s grammar. */
class Parser {
  #i = 0;
  steps = 0;

  constructor(readonly text: string) {}

  end(): boolean {
    this.#space();
    return this.#i === this.text.length;
  }

  #space(): void {
    while (this.#i < this.text.length && /\s/.test(this.text[this.#i]!)) this.#i++;
  }

  #eat(c: string): boolean {
    this.#space();
    if (this.text[this.#i] !== c) return false;
    this.#i++;
    return true;
  }

  expression(depth: number): CalcSum | null {
    let sum = this.#term(depth);
    for (;;) {
      if (sum === null) return null;
      const sign = this.#eat("+") ? 1 : this.#eat("-") ? -1 : 0;
      if (sign === 0) return sum;
      const next = this.#term(depth);
      sum = next && add(sum, next, sign);
    }
  }

  #term(depth: number): CalcSum | null {
    let product = this.factor(depth);
    for (;;) {
      if (product === null) return null;
      const op = this.#eat("*") ? "*" : this.#eat("/") ? "/" : "";
      if (op === "") return product;
      const next = this.factor(depth);
      if (next === null) return null;
      if (op === "/") product = next.kinds === NUM && next.num !== 0 ? scale(product, 1 / next.num) : null;
      else if (next.kinds === NUM) product = scale(product, next.num);
      else product = product.kinds === NUM ? scale(next, product.num) : null;
    }
  }

  factor(depth: number): CalcSum | null {
    this.steps++;
    if (depth >= MAX_CALC_DEPTH) return null;
    this.#space();
    const { text } = this;
    if (text[this.#i] === "(") return this.#group(depth + 1, 1, 1);
    const fn = /calc\(|min\(|max\(|clamp\(/y;
    fn.lastIndex = this.#i;
    if (fn.test(text)) {
      const name = text.slice(this.#i, fn.lastIndex - 1);
      this.#i = fn.lastIndex - 1;
      if (name === "calc") return this.#group(depth + 1, 1, 1);
      if (name === "clamp") return this.#clamp(depth + 1);
      return this.#group(depth + 1, 1, Infinity, name === "min" ? -1 : 1);
    }
    NUMBER.lastIndex = this.#i;
    const m = NUMBER.exec(text);
    if (!m) return null;
    this.#i = NUMBER.lastIndex;
    return dimension(m[0], m[1]!);
  }

  /** A parenthesised list of `min` to `max` expressions at `#i` (a "("); with `pick`, the least (-1) or greatest. */
  #group(depth: number, min: number, max: number, pick = 0): CalcSum | null {
    this.#i++;
    const args: CalcSum[] = [];
    do {
      const arg = this.expression(depth);
      if (arg === null || args.length >= max) return null;
      args.push(arg);
    } while (this.#eat(","));
    if (!this.#eat(")") || args.length < min) return null;
    return pick === 0 ? args[0]! : extreme(args, pick);
  }

  #clamp(depth: number): CalcSum | null {
    const args: CalcSum[] = [];
    this.#i++;
    do {
      const arg = this.expression(depth);
      if (arg === null || args.length >= 3) return null;
      args.push(arg);
    } while (this.#eat(","));
    if (!this.#eat(")") || args.length !== 3) return null;
    const upper = extreme([args[1]!, args[2]!], -1);
    return upper && extreme([args[0]!, upper], 1);
  }
}

/** The least (`pick` -1) or greatest (1) of sums of one kind, or of lengths (em at FONT_EM, as lengthPx reads it,
 * then the result is in px); null when they cannot be compared (a number or a percentage beside another kind). */
function extreme(args: CalcSum[], pick: number): CalcSum | null {
  const kinds = args[0]!.kinds;
  const oneKind = (kinds & (kinds - 1)) === 0 && args.every((arg) => arg.kinds === kinds);
  if (!oneKind && !args.every((arg) => (arg.kinds & (PX | EM)) === arg.kinds)) return null;
  const valueOf = (a: CalcSum) => (oneKind ? a.num + a.px + a.em + a.pct : a.px + a.em * FONT_EM);
  let best = args[0]!;
  for (const arg of args) if ((valueOf(arg) - valueOf(best)) * pick > 0) best = arg;
  return oneKind ? best : { num: 0, px: valueOf(best), em: 0, pct: 0, kinds: PX };
}

/** A number with its unit as a sum; null for a unit lengthPx does not convert. */
function dimension(token: string, unit: string): CalcSum | null {
  const n = parseFloat(token);
  const sum: CalcSum = { num: 0, px: 0, em: 0, pct: 0, kinds: 0 };
  if (unit === "") [sum.num, sum.kinds] = [n, NUM];
  else if (unit === "%") [sum.pct, sum.kinds] = [n, PCT];
  else if (unit === "em" || unit === "ex" || unit === "ch") [sum.em, sum.kinds] = [n, EM];
  else if (unit in PX_PER || unit === "rem" || unit.startsWith("v")) {
    const px = lengthPx(`${n}${unit}`);
    if (px === null) return null;
    [sum.px, sum.kinds] = [px, PX];
  } else return null;
  return sum;
}

/** A length in px as lengthPx reads it, or a math function of lengths (em at FONT_EM); null for anything else, a
 * percentage among them included (the reader does not know what it is of). */
export function lengthOrMathPx(value: string): number | null {
  const px = lengthPx(value);
  if (px !== null) return px;
  const sum = mathValue(value);
  if (sum === null || sum.kinds & PCT || (sum.kinds & NUM && sum.kinds !== NUM)) return null;
  return sum.num + sum.px + sum.em * FONT_EM;
}

/** An opacity: a number or a percentage (read as parseFloat reads it), or a math function of one kind of them. */
export function opacityOf(value: string): number | null {
  const n = parseFloat(value);
  if (Number.isFinite(n)) return value.endsWith("%") ? n / 100 : n;
  const sum = mathValue(value);
  if (sum === null) return null;
  return sum.kinds === NUM ? sum.num : sum.kinds === PCT ? sum.pct / 100 : null;
}

/** A font size: px when `absolute`, else a factor of the parent's (em, %, a math function of them); null when it is
 * not one the reader knows. */
export function fontSizeOf(value: string): { size: number; absolute: boolean } | null {
  if (value.endsWith("%")) {
    const n = parseFloat(value);
    return Number.isFinite(n) ? { size: n / 100, absolute: false } : null;
  }
  const m = LENGTH.exec(value);
  if (m && (m[2] === "em" || m[2] === "ex" || m[2] === "ch")) return { size: Number(m[1]), absolute: false };
  const px = lengthPx(value);
  if (px !== null) return { size: px, absolute: true };
  if (/^(?:xx?-small|small|medium|x{0,3}-?large|larger)$/.test(value)) return { size: 16, absolute: true };
  const sum = mathValue(value);
  if (sum === null) return null;
  if ((sum.kinds & (EM | PCT)) === sum.kinds) return { size: sum.em + sum.pct / 100, absolute: false };
  return sum.kinds === PX || sum.kinds === NUM ? { size: sum.px + sum.num, absolute: true } : null;
}

/** Whether a part of a shorthand is a size as a font shorthand reads it: a number, or a math function. */
export const startsNumeric = (part: string) => /^[+-]?[\d.]/.test(part) || MATH_FUNCTION.test(part);
