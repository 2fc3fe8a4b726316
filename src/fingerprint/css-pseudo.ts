/**
 * The pseudo-classes of `<style>` rules that ./css-compound.ts applies:
 * - those decided when an element opens, from its position among the elements its parent opened before it
 *   (`:first-child`, `:nth-child(An+B)`, `:first-of-type`, `:nth-of-type(An+B)`, `odd` and `even`);
 * - those that need what follows the element (`:last-child`, `:only-child`, `:nth-last-child()`, `:last-of-type`,
 *   `:only-of-type`, `:nth-last-of-type()`, `:empty`): decided from what a first pass over the markup's elements
 *   recorded (./css-lookahead.ts), made only for a sheet that uses them. Where that pass recorded nothing (past its
 *   cap, the body) they match nothing, and a `:not()` of them does not match either: taking them as true would hide
 *   what a reader sees (`li:last-child{display:none}` would hide every item).
 * The others make a rule not applied, each for a reason:
 * - dynamic and user ones (`:hover`, `:focus`, `:active`, `:visited`, `:checked`…): a mail client shows the text
 *   until the reader acts, so hiding it would leave out what a reader sees;
 * - pseudo-elements (`::before`, `:after`, `::first-line`…) style generated content or a part, not the element;
 * - the rest (`:root`, `:lang()`, `of S`…) are not read. `:not()`, `:is()`, `:where()` and `:has()` are read by
 *   ./css-compound.ts; in `:is()` and `:where()` a part holding what is not applied matches nothing, the rest apply.
 * Pure: no I/O.
 */

/** A position test: whether an element's 1-based index among its siblings (or those of its name), counted from the
 * first or from the last, is A·n+B, n ≥ 0. */
export interface NthTest {
  kind: "nth";
  ofType: boolean;
  fromEnd: boolean;
  a: number;
  b: number;
}

/** `:only-child` and `:only-of-type`: the first and the last of its parent's elements (or of those of its name). */
export interface OnlyTest {
  kind: "only";
  ofType: boolean;
}

/** `:empty`: it holds no element and no text (comments aside; white space is text). */
export interface EmptyTest {
  kind: "empty";
}

export type PseudoTest = NthTest | OnlyTest | EmptyTest;

/** Whether a test needs what follows the element (./css-lookahead.ts). */
export function needsLookahead(test: PseudoTest): boolean {
  return test.kind !== "nth" || test.fromEnd;
}

/** Coefficients beyond this are not read (no document has that many siblings within the parse window). */
const MAX_COEFFICIENT = 1_000_000;
const AN_PLUS_B = /^([+-]?\d*)n([+-]\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** A · n + B from the argument of `:nth-child()` (white space inside already removed), or null. */
function anPlusB(arg: string): { a: number; b: number } | null {
  if (arg === "odd") return { a: 2, b: 1 };
  if (arg === "even") return { a: 2, b: 0 };
  let a = 0;
  let b: number;
  if (INTEGER.test(arg)) b = Number(arg);
  else {
    const m = AN_PLUS_B.exec(arg);
    if (!m) return null;
    const coefficient = m[1]!;
    a = coefficient === "" || coefficient === "+" ? 1 : coefficient === "-" ? -1 : Number(coefficient);
    b = m[2] === undefined ? 0 : Number(m[2]);
  }
  return Math.abs(a) > MAX_COEFFICIENT || Math.abs(b) > MAX_COEFFICIENT ? null : { a, b };
}

/** The pseudo-classes without an argument this reader applies. */
const PLAIN = new Map<string, PseudoTest>([
  ["first-child", { kind: "nth", ofType: false, fromEnd: false, a: 0, b: 1 }],
  ["first-of-type", { kind: "nth", ofType: true, fromEnd: false, a: 0, b: 1 }],
  ["last-child", { kind: "nth", ofType: false, fromEnd: true, a: 0, b: 1 }],
  ["last-of-type", { kind: "nth", ofType: true, fromEnd: true, a: 0, b: 1 }],
  ["only-child", { kind: "only", ofType: false }],
  ["only-of-type", { kind: "only", ofType: true }],
  ["empty", { kind: "empty" }],
]);

/** The An+B pseudo-classes: of the elements of any name or of its own, counted from the first or the last. */
const NTH = new Map<string, { ofType: boolean; fromEnd: boolean }>([
  ["nth-child", { ofType: false, fromEnd: false }],
  ["nth-of-type", { ofType: true, fromEnd: false }],
  ["nth-last-child", { ofType: false, fromEnd: true }],
  ["nth-last-of-type", { ofType: true, fromEnd: true }],
]);

/**
 * The test of a pseudo-class named `name` (lowercase, without the colon) with the argument between its parentheses
 * (null when it has none), or null when a rule that holds it is not applied (see the header).
 */
export function parsePseudo(name: string, arg: string | null): PseudoTest | null {
  if (arg === null) return PLAIN.get(name) ?? null;
  const form = NTH.get(name);
  if (form === undefined) return null;
  const ab = anPlusB(arg.replace(/\s+/g, "").toLowerCase());
  return ab === null ? null : { kind: "nth", ...form, ...ab };
}

/** Whether the element at 1-based `index` (from the first or the last as the test counts; 0: not known) passes. */
export function nthMatches(test: NthTest, index: number): boolean {
  if (index <= 0) return false;
  const { a, b } = test;
  if (a === 0) return index === b;
  const steps = (index - b) / a;
  return steps >= 0 && Number.isInteger(steps);
}
