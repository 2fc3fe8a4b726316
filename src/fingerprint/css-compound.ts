/**
 * One compound selector of a `<style>` rule (`span.a.b`, `*[data-s]`, `li:nth-child(2n):not(.keep)`), for
 * ./css-selectors.ts: an element name or `*`, classes, an id, attribute selectors (./css-attributes.ts), the
 * pseudo-classes of ./css-pseudo.ts (which says why the others make a rule not applied), `:not()`, `:is()` and
 * `:where()` of a list of such compounds (not nested), and `:has()` of one compound that a child (`:has(> x)`), a
 * descendant (`:has(x)`), the next sibling (`:has(+ x)`) or a later one (`:has(~ x)`) must match: what follows an
 * element is read from a first pass over the markup (./css-lookahead.ts), so a `:has()` compound may only hold what is
 * decided as an element opens. Longer relative selectors (`:has(> p > b)`) and lists in `:has()` are not read: a
 * chain would need more than a bit an element. At most MAX_PARTS classes and tests a compound, and compounds in a
 * list, so matching one costs a bounded number of checks. Read from the selector's own text: names are lowercased,
 * attribute values keep their case. Pure: no I/O.
 */
import {
  attributeMatches,
  parseAttributeTest,
  readAttribute,
  type AttributeRead,
  type AttributeTest,
} from "./css-attributes.js";
import { needsLookahead, nthMatches, parsePseudo, type PseudoTest } from "./css-pseudo.js";
import type { TagAttributes } from "./html-tags.js";

/** `:not()`: the element matches none of the compounds; `:is()` and `:where()`: one of them at least. */
export interface ListTest {
  kind: "not" | "is";
  compounds: readonly Compound[];
  /** `:where()`: it adds nothing to the rule's specificity. */
  weightless: boolean;
  /** Whether a compound needs what follows the element: a `:not()` of it does not match where that is not known. */
  lookahead: boolean;
}

/** `:has()`: a child (">"), a descendant (" "), the next sibling ("+") or a later one ("~") matches the compound. */
export interface HasTest {
  kind: "has";
  relation: ">" | " " | "+" | "~";
  compound: Compound;
  /** The relation and the compound as written: tests of one text are one test (./css-context.ts, SelectorNeeds). */
  text: string;
  /** The bit an element that passes it is known by (ElementFacts.has), set when a rule holding it is kept; -1 until
   * then. */
  bit: number;
}

export type SimpleTest = AttributeTest | PseudoTest | ListTest | HasTest;

/** Where a compound stands: in a rule, in a `:not()`/`:is()`/`:where()` list, or in a `:has()`. */
type Place = "rule" | "list" | "has";

/** One compound selector: an element name ("" for any), the classes, the id and the tests the element must pass. */
export interface Compound {
  tag: string;
  classes: readonly string[];
  id: string | null;
  /** Each test with the key an element that passes it is known by among its ancestors and siblings (`x:` + text). */
  tests: readonly { key: string; test: SimpleTest }[];
}

/** What a compound is matched against: an element as it opens. */
export interface ElementFacts {
  tag: string;
  classes: readonly string[];
  id: string | null;
  attrs: Readonly<TagAttributes>;
  /** Its 1-based position among its parent's elements, and among those of its name; 0 when not known. */
  index: number;
  typeIndex: number;
  /** The same counted from the last (./css-lookahead.ts); 0 when not known. */
  lastIndex: number;
  lastTypeIndex: number;
  /** Whether it holds no element and no text; null when not known. */
  empty: boolean | null;
  /** The `:has()` tests it passes, a bit each (HasTest.bit); 0 when none or not known. */
  has: number;
  /** Its attributes as tests read them, made as tests first read them (./css-attributes.ts, readAttribute). */
  read?: Map<string, AttributeRead | undefined>;
}

/** Classes and tests a compound has at most; one with more is not applied. */
export const MAX_PARTS = 8;

const IDENT_CHAR = /[a-z0-9_-]/i;

/** The index of the bracket or parenthesis closing the one at `open` (quotes and nesting respected), or -1. */
export function groupEnd(text: string, open: number): number {
  let depth = 0;
  let quote = "";
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== "") {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") depth++;
    else if ((c === ")" || c === "]") && --depth === 0) return i;
  }
  return -1;
}

/** The parts of `text` between top-level commas (outside brackets, parentheses and quotes), in one pass. */
export function splitList(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "(" || c === "[") {
      const end = groupEnd(text, i);
      if (end < 0) break;
      i = end;
    } else if (c === ",") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function identEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && IDENT_CHAR.test(text[i]!)) i++;
  return i;
}

/** A compound selector read from its text, or null when it is not one this reader applies. */
export function parseCompound(text: string, place: Place = "rule"): Compound | null {
  if (text === "") return null;
  let i = text[0] === "*" ? 1 : identEnd(text, 0);
  const tag = text[0] === "*" ? "" : text.slice(0, i).toLowerCase();
  if (tag !== "" && !/^[a-z]/.test(tag)) return null;
  const classes: string[] = [];
  let id: string | null = null;
  const tests: { key: string; test: SimpleTest }[] = [];
  while (i < text.length) {
    const c = text[i]!;
    let end: number;
    if (c === "." || c === "#") {
      end = identEnd(text, i + 1);
      const name = text.slice(i + 1, end).toLowerCase();
      if (name === "" || (c === "#" && id !== null)) return null;
      if (c === ".") classes.push(name);
      else id = name;
    } else {
      const test = c === "[" || c === ":" ? readTest(text, i, place) : null;
      if (!test) return null;
      end = test.end;
      tests.push({ key: `x:${text.slice(i, end)}`, test: test.test });
    }
    if (classes.length + tests.length > MAX_PARTS) return null;
    i = end;
  }
  return { tag, classes, id, tests };
}

/** The attribute selector or pseudo-class at `at` and where it ends, or null when it is not applied. */
function readTest(text: string, at: number, place: Place): { test: SimpleTest; end: number } | null {
  if (text[at] === "[") {
    const close = groupEnd(text, at);
    const test = close < 0 ? null : parseAttributeTest(text.slice(at + 1, close));
    return test && { test, end: close + 1 };
  }
  if (text[at + 1] === ":") return null; // a pseudo-element
  const nameEnd = identEnd(text, at + 1);
  const name = text.slice(at + 1, nameEnd).toLowerCase();
  let arg: string | null = null;
  let end = nameEnd;
  if (text[nameEnd] === "(") {
    const close = groupEnd(text, nameEnd);
    if (close < 0) return null;
    arg = text.slice(nameEnd + 1, close);
    end = close + 1;
  }
  if (arg !== null && (LISTS.has(name) || name === "has")) {
    // not nested: each level would multiply what a check costs
    const test = place !== "rule" ? null : name === "has" ? readHas(arg) : readList(name, arg);
    return test && { test, end };
  }
  const test = parsePseudo(name, arg);
  // a :has() compound is matched in the first pass, which cannot know what follows its elements yet
  return test && !(place === "has" && needsLookahead(test)) ? { test, end } : null;
}

/** The pseudo-classes of a compound list, and whether each is `:not()`. */
const LISTS = new Map([
  ["not", true],
  ["is", false],
  ["where", false],
]);

/** `:not()`, `:is()` or `:where()` of the compounds between the commas of `arg`, or null. */
function readList(name: string, arg: string): ListTest | null {
  const negated = LISTS.get(name)!;
  const compounds: Compound[] = [];
  const parts = splitList(arg);
  if (parts.length > MAX_PARTS) return null;
  for (const part of parts) {
    const compound = parseCompound(part.trim(), "list");
    // `:is()` and `:where()` forgive a part they cannot read (`:is(.x, :hover)`), so it matches nothing here: the
    // list then matches less than in a browser, never more; a `:not()` of it would match more, so it is not applied
    if (compound) compounds.push(compound);
    else if (negated) return null;
  }
  if (compounds.length === 0) return null;
  const lookahead = compounds.some((c) => allTests(c).some(afterTest));
  return { kind: negated ? "not" : "is", compounds, weightless: name === "where", lookahead };
}

/** `:has()` of one relative selector: a combinator (none: descendant) and one compound; null for any other. */
function readHas(arg: string): HasTest | null {
  const trimmed = arg.trim();
  const first = trimmed[0];
  const relation = first === ">" || first === "+" || first === "~" ? first : " ";
  const rest = relation === " " ? trimmed : trimmed.slice(1).trim();
  const compound = parseCompound(rest, "has");
  return compound && { kind: "has", relation, compound, text: `${relation}${rest}`, bit: -1 };
}

/** Whether a test needs what follows the element (./css-lookahead.ts): its position from the last, `:empty`,
 * `:has()`, or a list of compounds one of which does. */
export function afterTest(t: SimpleTest): boolean {
  switch (t.kind) {
    case "attribute":
      return false;
    case "has":
      return true;
    case "not":
    case "is":
      return t.lookahead;
    default:
      return needsLookahead(t);
  }
}

/** Whether an element matches the compound. */
export function compoundMatches(c: Compound, e: ElementFacts): boolean {
  if (c.tag !== "" && c.tag !== e.tag) return false;
  if (c.id !== null && c.id !== e.id) return false;
  for (const name of c.classes) if (!e.classes.includes(name)) return false;
  for (const { test } of c.tests) if (!testMatches(test, e)) return false;
  return true;
}

/** Whether an element passes one test. Where what follows it is not known (lastIndex 0), a test that needs it fails,
 * a `:not()` of one too. */
export function testMatches(test: SimpleTest, e: ElementFacts): boolean {
  switch (test.kind) {
    case "attribute":
      return attributeMatches(test, readAttribute(e, test.name));
    case "nth":
      if (test.fromEnd) return nthMatches(test, test.ofType ? e.lastTypeIndex : e.lastIndex);
      return nthMatches(test, test.ofType ? e.typeIndex : e.index);
    case "only":
      return test.ofType ? e.typeIndex === 1 && e.lastTypeIndex === 1 : e.index === 1 && e.lastIndex === 1;
    case "empty":
      return e.empty === true;
    case "has":
      return test.bit >= 0 && (e.has & (1 << test.bit)) !== 0;
    case "not":
      if (test.lookahead && e.lastIndex === 0) return false;
      return !test.compounds.some((c) => compoundMatches(c, e));
    case "is":
      return test.compounds.some((c) => compoundMatches(c, e));
  }
}

/** Every test of a compound, those inside its lists and `:has()` too. */
export function allTests(c: Compound): SimpleTest[] {
  return c.tests.flatMap(({ test }) => [test, ...innerCompounds(test).flatMap(allTests)]);
}

export function innerCompounds(test: SimpleTest): readonly Compound[] {
  return test.kind === "not" || test.kind === "is" ? test.compounds : test.kind === "has" ? [test.compound] : [];
}

/**
 * A compound's specificity tier: 2 with an id, else 1 with a class or a test, else 0; a list or a `:has()` counts
 * as its most specific compound (`:not(p)` as `p`), `:where()` as nothing.
 */
export function compoundTier(c: Compound): number {
  const tiers = c.tests.map(({ test }) => {
    if ((test.kind === "not" || test.kind === "is") && test.weightless) return 0;
    const inner = innerCompounds(test);
    return inner.length > 0 ? Math.max(...inner.map(compoundTier)) : 1;
  });
  return c.id !== null ? 2 : Math.max(c.classes.length > 0 ? 1 : 0, ...tiers);
}

/** The keys an element is known by: its name, its classes and its id. */
export function elementKeys(tag: string, classes: readonly string[], id: string | null): string[] {
  const keys = [`t:${tag}`];
  for (const c of classes) keys.push(`c:${c}`);
  if (id !== null) keys.push(`i:${id}`);
  return keys;
}

/** The keys an ancestor or a sibling must carry to match a compound: its parts', and its tests' (`x:`). */
export function compoundKeys(c: Compound): string[] {
  const keys = elementKeys(c.tag, c.classes, c.id).filter((k) => k !== "t:");
  for (const { key } of c.tests) keys.push(key);
  return keys;
}
