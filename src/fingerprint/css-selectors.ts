/**
 * The selectors of `<style>` rules beyond the simple ones (./css-sheet.ts): compounds (`span.a.b`, `*[data-s]`,
 * `li:nth-child(2n)`, ./css-compound.ts) and chains of them, at most MAX_COMPOUNDS long, joined by descendant and
 * child combinators (`.w span`, `div > p.note`) and, next to the element a rule is for, by sibling ones (`p + span`,
 * `h1 ~ p`). A sibling combinator further up the chain (`h1 + div span`) makes the rule not applied. The element is
 * matched exactly; those around it approximately, by the keys they carry (./css-context.ts). Pure: no I/O.
 */
import { compoundKeys, compoundTier, groupEnd, parseCompound, type Compound } from "./css-compound.js";

export { elementKeys, splitList } from "./css-compound.js";

/** A compound an element around the subject must match: the keys (elementKeys' form, tests' `x:`) it must carry. */
export interface Around<C extends string> {
  combinator: C;
  keys: readonly string[];
}

/** A chain: the compound the element itself must match, and those its siblings and ancestors must. */
export interface ComplexSelector {
  subject: Compound;
  /** Nearest first: its previous sibling ("+", only the nearest) or an earlier one ("~"). */
  siblings: readonly Around<"+" | "~">[];
  /** An ancestor (" "), or the parent (">": only for the compound next to the subject or its siblings). */
  ancestors: readonly Around<" " | ">">[];
  /** The compounds other than the subject: their tests are what elements around it are known by. */
  around: readonly Compound[];
  /** Its specificity tier: "id" with any id in it, else "class" with any class or test, else "tag". */
  tier: "tag" | "class" | "id";
  /** The key it is looked up by: the subject's id, else its first class, else the name of the first attribute it
   * tests (`a:`), else its element name, else "*" (elementKeys' form). */
  key: string;
}

/** Compounds a chain has at most; longer ones are not applied. */
export const MAX_COMPOUNDS = 4;

type Combinator = " " | ">" | "+" | "~";
const SPACE = new Set([" ", "\t", "\n", "\r", "\f"]);
const COMBINATORS = new Set([">", "+", "~"]);

/** A selector's compounds and combinators, in order, in one pass: white space between compounds is " ". */
function selectorTokens(selector: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start >= 0) tokens.push(selector.slice(start, end));
    start = -1;
  };
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i]!;
    if (ch === "[" || ch === "(") {
      // brackets and parentheses are part of the compound, white space and combinators in them too
      if (start < 0) start = i;
      const end = groupEnd(selector, i);
      i = end < 0 ? selector.length : end;
    } else if (SPACE.has(ch) || COMBINATORS.has(ch)) {
      flush(i);
      if (COMBINATORS.has(ch)) tokens.push(ch);
      else if (tokens.length > 0 && tokens[tokens.length - 1] !== " ") tokens.push(" ");
    } else if (start < 0) start = i;
  }
  flush(selector.length);
  return tokens;
}

/** The compounds and the combinators between them (a run of white space around another combinator is that one). */
function chain(selector: string): { compounds: Compound[]; combinators: Combinator[] } | null {
  const compounds: Compound[] = [];
  const combinators: Combinator[] = [];
  let pending: Combinator | null = null;
  for (const token of selectorTokens(selector)) {
    if (token === " " || COMBINATORS.has(token)) {
      if (compounds.length === 0 && token !== " ") return null;
      if (pending !== null && pending !== " " && token !== " ") return null;
      if (pending === null || pending === " ") pending = token as Combinator;
      continue;
    }
    const compound = parseCompound(token);
    if (!compound || compounds.length === MAX_COMPOUNDS) return null;
    if (compounds.length > 0) combinators.push(pending ?? " ");
    compounds.push(compound);
    pending = null;
  }
  if (compounds.length === 0 || (pending !== null && pending !== " ")) return null;
  return { compounds, combinators };
}

/** A selector (one of a comma-separated list, as written) as a chain of compounds, or null when it is not one. */
export function parseComplex(selector: string): ComplexSelector | null {
  const read = chain(selector);
  if (!read) return null;
  const { compounds, combinators } = read;
  const subject = compounds[compounds.length - 1]!;
  // The sibling combinators next to the subject, nearest first; none may stand further up.
  let first = combinators.length;
  while (first > 0 && (combinators[first - 1] === "+" || combinators[first - 1] === "~")) first--;
  if (combinators.slice(0, first).some((c) => c === "+" || c === "~")) return null;
  const siblings: Around<"+" | "~">[] = [];
  for (let i = combinators.length - 1; i >= first; i--) {
    const nearest = i === combinators.length - 1 && combinators[i] === "+";
    siblings.push({ combinator: nearest ? "+" : "~", keys: compoundKeys(compounds[i]!) });
  }
  // Only the parent of the subject (or of its siblings) is checked as a parent; a child combinator further up is
  // read as a descendant one.
  const ancestors = compounds.slice(0, first).map((compound, i) => ({
    combinator: i === first - 1 ? (combinators[i] as " " | ">") : (" " as const),
    keys: compoundKeys(compound),
  }));
  const tierNumber = Math.max(...compounds.map(compoundTier));
  const tier = tierNumber === 2 ? "id" : tierNumber === 1 ? "class" : "tag";
  return { subject, siblings, ancestors, around: compounds.slice(0, -1), tier, key: subjectKey(subject) };
}

function subjectKey(subject: Compound): string {
  if (subject.id !== null) return `i:${subject.id}`;
  if (subject.classes[0] !== undefined) return `c:${subject.classes[0]}`;
  for (const { test } of subject.tests) if (test.kind === "attribute") return `a:${test.name}`;
  return subject.tag !== "" ? `t:${subject.tag}` : "*";
}
