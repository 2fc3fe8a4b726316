/**
 * One compound selector of a `<style>` rule (`span.a.b`, `*[data-s]`, `li:nth-child(2n):not(.keep)`), for
 * ./css-selectors.ts: an element name or `*`, classes, an id, attribute selectors (./css-attributes.ts), the
 * pseudo-classes decided when an element opens (./css-pseudo.ts, which says why the others make a rule not applied) and
 * `:not()` of a list of such compounds (not nested). At most MAX_PARTS classes and tests a compound, and compounds in a
 * `:not()`, so matching one costs a bounded number of checks. Read from the selector's own text: names are lowercased,
 * attribute values keep their case. Pure: no I/O.
 */
import { attributeMatches, attributeValue, parseAttributeTest, type AttributeTest } from "./css-attributes.js";
import { nthMatches, parsePseudo, type NthTest } from "./css-pseudo.js";
import type { TagAttributes } from "./html-tags.js";

/** `:not()`: the element matches none of the compounds. */
export interface NotTest {
  kind: "not";
  compounds: readonly Compound[];
}

export type SimpleTest = AttributeTest | NthTest | NotTest;

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
export function parseCompound(text: string, insideNot = false): Compound | null {
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
      const test = c === "[" || c === ":" ? readTest(text, i, insideNot) : null;
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
function readTest(text: string, at: number, insideNot: boolean): { test: SimpleTest; end: number } | null {
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
  if (name === "not" && arg !== null) {
    if (insideNot) return null;
    const compounds: Compound[] = [];
    const parts = splitList(arg);
    if (parts.length > MAX_PARTS) return null;
    for (const part of parts) {
      const compound = parseCompound(part.trim(), true);
      if (!compound) return null;
      compounds.push(compound);
    }
    return { test: { kind: "not", compounds }, end };
  }
  const test = parsePseudo(name, arg);
  return test && { test, end };
}

/** Whether an element matches the compound. */
export function compoundMatches(c: Compound, e: ElementFacts): boolean {
  if (c.tag !== "" && c.tag !== e.tag) return false;
  if (c.id !== null && c.id !== e.id) return false;
  for (const name of c.classes) if (!e.classes.includes(name)) return false;
  for (const { test } of c.tests) if (!testMatches(test, e)) return false;
  return true;
}

/** Whether an element passes one test. */
export function testMatches(test: SimpleTest, e: ElementFacts): boolean {
  switch (test.kind) {
    case "attribute":
      return attributeMatches(test, attributeValue(e.attrs, test.name));
    case "nth":
      return nthMatches(test, test.ofType ? e.typeIndex : e.index);
    case "not":
      return !test.compounds.some((c) => compoundMatches(c, e));
  }
}

/** Every test of a compound, those inside its `:not()` too. */
export function allTests(c: Compound): SimpleTest[] {
  return c.tests.flatMap(({ test }) => (test.kind === "not" ? [test, ...test.compounds.flatMap(allTests)] : [test]));
}

/** A compound's specificity tier: 2 with an id (in it or its `:not()`), else 1 with a class or a test, else 0. */
export function compoundTier(c: Compound): number {
  const inNot = c.tests.map(({ test }) => (test.kind === "not" ? Math.max(...test.compounds.map(compoundTier)) : 1));
  return c.id !== null ? 2 : Math.max(c.classes.length > 0 ? 1 : 0, ...inNot);
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
