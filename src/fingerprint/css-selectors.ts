/**
 * The selectors of `<style>` rules beyond the simple ones (./css-sheet.ts): compounds (`span.a.b`, `div#x.y`) and
 * chains of them joined by descendant or child combinators (`.w span`, `div > p.note`), at most MAX_COMPOUNDS long.
 * Attribute selectors, pseudo-classes and the sibling combinators are not read (the rule is not applied). An element
 * is matched against the open elements' names, classes and ids kept as counts (Ancestors), so a check costs the
 * selector's parts, not the depth: a compound an ancestor must match is taken as matched when every part of it is
 * on some open element, not necessarily one element, and the chain's order is not checked (a child combinator only
 * between the subject and its parent). That can hide text a browser shows only where a document's own rules say so
 * of another element. Pure: no I/O.
 */

/** One compound selector: an element name ("" for any), the classes and the id the element must have. */
export interface Compound {
  tag: string;
  classes: readonly string[];
  id: string | null;
}

/** A chain: the compound the element itself must match, and those an ancestor (" ") or its parent (">") must. */
export interface ComplexSelector {
  subject: Compound;
  /** Each with the keys (elementKeys' form) an ancestor, or the parent, must carry. */
  ancestors: readonly { combinator: " " | ">"; keys: readonly string[] }[];
  /** Its specificity tier: "id" with any id in it, else "class" with any class, else "tag". */
  tier: "tag" | "class" | "id";
  /** The key it is looked up by: the subject's id, else its first class, else its name (elementKeys' form). */
  key: string;
}

/** Compounds a chain has at most; longer ones are not applied. */
export const MAX_COMPOUNDS = 4;

const COMPOUND = /^([a-z][a-z0-9]*)?((?:[.#][a-z0-9_-]+)*)$/;
const PART = /[.#][a-z0-9_-]+/g;

/** A compound selector (lowercase), or null when it is not one this reader applies. */
function parseCompound(text: string): Compound | null {
  const m = COMPOUND.exec(text);
  if (!m || text === "") return null;
  const classes: string[] = [];
  let id: string | null = null;
  for (const part of m[2]!.match(PART) ?? []) {
    if (part[0] === ".") classes.push(part.slice(1));
    else if (id === null) id = part.slice(1);
    else return null;
  }
  return { tag: m[1] ?? "", classes, id };
}

const SPACE = new Set([" ", "\t", "\n", "\r", "\f"]);

/** A selector's compounds and child combinators, in order, in one pass: white space between them separates them. */
function selectorTokens(selector: string): string[] {
  const tokens: string[] = [];
  let current = "";
  for (const ch of selector) {
    if (ch !== ">" && !SPACE.has(ch)) {
      current += ch;
      continue;
    }
    if (current !== "") tokens.push(current);
    current = "";
    if (ch === ">") tokens.push(">");
  }
  if (current !== "") tokens.push(current);
  return tokens;
}

/** A selector (lowercase, one of a comma-separated list) as a chain of compounds, or null when it is not one. */
export function parseComplex(selector: string): ComplexSelector | null {
  const tokens = selectorTokens(selector);
  const compounds: Compound[] = [];
  const combinators: (" " | ">")[] = [];
  let combinator: " " | ">" = " ";
  for (const token of tokens) {
    if (token === ">") {
      if (compounds.length === 0 || combinator === ">") return null;
      combinator = ">";
      continue;
    }
    const compound = parseCompound(token);
    if (!compound || compounds.length === MAX_COMPOUNDS) return null;
    if (compounds.length > 0) combinators.push(combinator);
    compounds.push(compound);
    combinator = " ";
  }
  if (compounds.length === 0 || combinator === ">") return null;
  const subject = compounds[compounds.length - 1]!;
  // Only the subject's own parent is checked as a parent; a child combinator further up is read as a descendant one.
  const last = compounds.length - 2;
  const ancestors = compounds.slice(0, -1).map((compound, i) => ({
    combinator: i === last ? combinators[i]! : (" " as const),
    keys: compoundKeys(compound),
  }));
  const tier = compounds.some((c) => c.id !== null)
    ? "id"
    : compounds.some((c) => c.classes.length > 0)
      ? "class"
      : "tag";
  const key =
    subject.id !== null ? `i:${subject.id}` : subject.classes[0] ? `c:${subject.classes[0]}` : `t:${subject.tag}`;
  if (key === "t:") return null; // a compound of nothing
  return { subject, ancestors, tier, key };
}

/** The keys an element is known by: its name, its classes and its id. */
export function elementKeys(tag: string, classes: readonly string[], id: string | null): string[] {
  const keys = [`t:${tag}`];
  for (const c of classes) keys.push(`c:${c}`);
  if (id !== null) keys.push(`i:${id}`);
  return keys;
}

function compoundKeys(c: Compound): string[] {
  return elementKeys(c.tag, c.classes, c.id).filter((k) => k !== "t:");
}

/** The open elements' keys, counted, and their parent's: what an element's ancestors are, in constant time a key. */
export class Ancestors {
  readonly #counts = new Map<string, number>();
  readonly #stack: string[][] = [];

  push(keys: string[]): void {
    this.#stack.push(keys);
    for (const k of keys) this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
  }

  pop(): void {
    for (const k of this.#stack.pop() ?? []) {
      const n = this.#counts.get(k)! - 1;
      if (n === 0) this.#counts.delete(k);
      else this.#counts.set(k, n);
    }
  }

  /** Whether the element whose own name, classes and id are given matches `s` among these ancestors. */
  matches(s: ComplexSelector, tag: string, classes: readonly string[], id: string | null): boolean {
    const subject = s.subject;
    if (subject.tag !== "" && subject.tag !== tag) return false;
    if (subject.id !== null && subject.id !== id) return false;
    for (const c of subject.classes) if (!classes.includes(c)) return false;
    const parent = this.#stack[this.#stack.length - 1] ?? [];
    for (const { combinator, keys } of s.ancestors) {
      for (const k of keys) {
        if (combinator === ">" ? !parent.includes(k) : !this.#counts.has(k)) return false;
      }
    }
    return true;
  }
}
