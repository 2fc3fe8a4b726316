/**
 * The pseudo-classes of `<style>` rules that ./css-compound.ts applies: those decided when an element opens, from its
 * position among the elements its parent opened before it (`:first-child`, `:nth-child(An+B)`, `:first-of-type`,
 * `:nth-of-type(An+B)`, `odd` and `even`). The others make a rule not applied, each for a reason:
 * - dynamic and user ones (`:hover`, `:focus`, `:active`, `:visited`, `:checked`…): a mail client shows the text
 *   until the reader acts, so hiding it would leave out what a reader sees;
 * - those that need what follows the element (`:last-child`, `:only-child`, `:nth-last-*`, `:last-of-type`,
 *   `:only-of-type`, `:empty`): the reader decides an element's visibility as it opens, in one pass. Taking them as
 *   always true would hide what a reader sees (`li:last-child{display:none}` would hide every item), so a sender
 *   could hide his offer from the fingerprint and distinct ham could merge; taking them as never true keeps the
 *   text, which is what this reader did before. An element that `:empty` matches holds no text anyway;
 * - pseudo-elements (`::before`, `:after`, `::first-line`…) style generated content or a part, not the element;
 * - the rest (`:root`, `:is()`, `:has()`, `:lang()`, `of S`…) are not read.
 * Pure: no I/O.
 */

/** A position test: whether an element's 1-based index among its siblings (or those of its name) is A·n+B, n ≥ 0. */
export interface NthTest {
  kind: "nth";
  ofType: boolean;
  a: number;
  b: number;
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

/**
 * The test of a pseudo-class named `name` (lowercase, without the colon) with the argument between its parentheses
 * (null when it has none), or null when a rule that holds it is not applied (see the header).
 */
export function parsePseudo(name: string, arg: string | null): NthTest | null {
  if (arg === null) {
    if (name === "first-child") return { kind: "nth", ofType: false, a: 0, b: 1 };
    if (name === "first-of-type") return { kind: "nth", ofType: true, a: 0, b: 1 };
    return null;
  }
  if (name !== "nth-child" && name !== "nth-of-type") return null;
  const ab = anPlusB(arg.replace(/\s+/g, "").toLowerCase());
  return ab === null ? null : { kind: "nth", ofType: name === "nth-of-type", ...ab };
}

/** Whether the element at 1-based `index` (0: not known) passes the test. */
export function nthMatches(test: NthTest, index: number): boolean {
  if (index <= 0) return false;
  const { a, b } = test;
  if (a === 0) return index === b;
  const steps = (index - b) / a;
  return steps >= 0 && Number.isInteger(steps);
}
