/**
 * Whether the rules inside an at-rule's block apply to the reference reader, a desktop mail client
 * (./css-media.ts), for ./css-sheet.ts: `@media` when its query list matches that reader, `@container` when its
 * size condition holds for a container as wide as that reader (./css-container.ts), `@supports` when its condition
 * holds in a modern browser, `@layer` always. Every other at-rule's block is not applied: `@scope`,
 * `@starting-style`, `@page`, `@font-face`, `@keyframes`, `@document`, and the unknown ones. Each answer is linear
 * in the prelude, read up to MAX_PRELUDE_CHARS. Pure: no I/O.
 */
import { containerMatches } from "./css-container.js";
import { mediaMatches } from "./css-media.js";
import { readName, tokenize, type Token, type Work } from "./css-prelude-tokens.js";

/** Characters of an at-rule's prelude read at most: a longer one is not applied (no mail needs more). */
export const MAX_PRELUDE_CHARS = 1024;
/** Applied at-rule blocks nested at most (`@media` in `@supports` in `@layer`…): a block deeper is not applied. */
export const MAX_AT_DEPTH = 16;

/**
 * Whether the rules inside the block of the at-rule whose prelude is `prelude` (from its "@" up to its "{") apply
 * to the reference reader. `@layer` blocks apply as if unlayered: in a browser their rules lose to unlayered ones,
 * which this reader's cascade (stylesheet order within a specificity tier, ./css-sheet.ts) does not model, so a
 * layered rule read after an unlayered one for the same element wins here where a browser lets it lose.
 */
export function atRuleApplies(prelude: string, work?: Work): boolean {
  if (prelude.length > MAX_PRELUDE_CHARS || prelude[0] !== "@") return false;
  const [name, end] = readName(prelude, 1);
  const rest = prelude.slice(end);
  if (name === "media") return mediaMatches(rest, work);
  if (name === "container") return containerMatches(rest, work);
  if (name === "supports") return supportsHolds(rest, work);
  if (name === "layer") return isLayerName(rest, work);
  return false;
}

/**
 * The part of a prelude after the block-less at-rules ahead of it (`@import url(a.css);`, `@charset "x";`,
 * `@layer a, b;`): a browser ends each at its ";" and reads what follows as the next rule, at-rule or not.
 */
export function afterStatements(prelude: string): string {
  let start = 0;
  let depth = 0;
  for (let i = 0; i < prelude.length; i++) {
    const c = prelude[i];
    if (c === "\\") i++;
    else if (c === '"' || c === "'") {
      const close = prelude.indexOf(c, i + 1);
      i = close < 0 ? prelude.length : close;
    } else if (c === "(") depth++;
    else if (c === ")" && depth > 0) depth--;
    else if (c === ";" && depth === 0) {
      start = i + 1;
      while (start < prelude.length && prelude.charCodeAt(start) <= 32) start++;
      if (prelude[start] !== "@") break;
    }
  }
  return start === 0 ? prelude : prelude.slice(start).trim();
}

/** `@layer` with no name or one (dotted) name takes a block; a list of names (`a, b`) does not. */
function isLayerName(rest: string, work?: Work): boolean {
  const tokens = tokenize(rest, work);
  if (!tokens) return false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (i % 2 === 0 ? t.kind !== "ident" : t.kind !== "other" || t.text !== ".") return false;
  }
  return tokens.length % 2 === 1 || tokens.length === 0;
}

/** Thrown where a `@supports` condition does not parse: a browser then drops the rule. */
const MALFORMED = new Error("malformed @supports condition");

/** Functions a modern browser supports in a `@supports` condition (their arguments taken as supported too). */
const SUPPORTED_FUNCTIONS = new Set(["selector", "font-tech", "font-format"]);

/**
 * Whether a `@supports` condition holds in a modern browser: a declaration `(prop: value)` is taken as supported
 * (which property and value a browser knows is not modelled), `selector()` too; `not`, `and` and `or` as
 * written; anything else in brackets is false, as in a browser. A condition that does not parse: false.
 */
function supportsHolds(rest: string, work?: Work): boolean {
  const tokens = tokenize(rest, work);
  if (!tokens || tokens.length === 0) return false;
  try {
    return condition(tokens, 0, tokens.length, work);
  } catch (e) {
    if (e !== MALFORMED) throw e;
    return false;
  }
}

function condition(t: readonly Token[], from: number, to: number, work?: Work): boolean {
  if (t[from]?.kind === "ident" && t[from].text === "not") {
    const [value, end] = inParens(t, from + 1, to, work);
    if (end !== to) throw MALFORMED;
    return !value;
  }
  let [value, i] = inParens(t, from, to, work);
  const op = t[i]?.text;
  if (i < to && (t[i]!.kind !== "ident" || (op !== "and" && op !== "or"))) throw MALFORMED;
  while (i < to) {
    if (t[i]!.kind !== "ident" || t[i]!.text !== op) throw MALFORMED;
    const [next, end] = inParens(t, i + 1, to, work);
    value = op === "and" ? value && next : value || next;
    i = end;
  }
  return value;
}

/** A bracketed condition, declaration or function at i: its value and where it ends. */
function inParens(t: readonly Token[], i: number, to: number, work?: Work): [boolean, number] {
  if (work) work.steps++;
  const open = t[i];
  if (i >= to || !open || (open.kind !== "(" && open.kind !== "function")) throw MALFORMED;
  const end = open.match + 1;
  if (open.kind === "function") return [SUPPORTED_FUNCTIONS.has(open.text), end];
  const first = t[i + 1];
  if (first?.kind === "ident" && t[i + 2]?.kind === ":") {
    return [open.match > i + 3 || first.text.startsWith("--"), end];
  }
  if (first?.kind !== "(" && !(first?.kind === "ident" && first.text === "not")) return [false, end];
  try {
    return [condition(t, i + 1, open.match, work), end];
  } catch (e) {
    if (e !== MALFORMED) throw e;
    return [false, end];
  }
}
