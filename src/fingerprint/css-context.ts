/**
 * What a chained selector (./css-selectors.ts) is matched against besides the element itself: the open elements and
 * the elements their parent opened before it, for ./css-sheet.ts and ./html-text.ts, kept only as far as the style
 * sheet's selectors need them (SelectorNeeds) and in a bounded form, so a check costs the selector's parts, never
 * the depth or the number of siblings:
 * - the open elements' keys (names, classes, ids, and `x:` keys of the tests of the sheet's other compounds that an
 *   element passed as it opened), counted: a compound an ancestor must match is taken as matched when every part of
 *   it is on some open element, not necessarily one, and the chain's order is not checked; the parent's own keys for
 *   a child combinator next to the subject (or its siblings);
 * - for each open element (and the body), how many elements it holds so far and of each name (for `:nth-child()`
 *   and `:nth-of-type()`), the previous one's keys (for `+`, exact) and the keys of all earlier ones as one set
 *   (for `~` and a `+` further from the subject: the parts may be on different earlier siblings), each filtered to
 *   the keys the sheet's sibling compounds name.
 * - what follows each element (its position from the last, whether it is empty, the `:has()` tests it passes), from
 *   a first pass over the markup (./css-lookahead.ts), made only when a selector needs it, by the element's number
 *   in the order elements open.
 * The approximations can hide more than a browser would, only where a document's own rules hide something of
 * another element. Pure: no I/O.
 */
import {
  afterTest,
  allTests,
  compoundMatches,
  elementKeys,
  testMatches,
  type ElementFacts,
  type HasTest,
  type SimpleTest,
} from "./css-compound.js";
import { CascadeBudget, testSteps } from "./css-budget.js";
import type { ComplexSelector } from "./css-selectors.js";
import type { TagAttributes } from "./html-tags.js";

/** Tests of the compounds around subjects each opening element is tried on at most; a rule needing more is not
 * applied. */
export const MAX_CONTEXT_TESTS = 16;
/** Attribute names the selectors of a document test at most (each element keeps at most these of its own). */
export const MAX_ATTRIBUTE_NAMES = 16;
/** `:has()` tests of different text a document's selectors hold at most: an element keeps a bit for each. */
export const MAX_HAS = 8;
/** Open elements whose children are counted at most (positions, siblings): a deeper one's position is not known, so
 * the selectors that read it do not match it. Mail nests a few dozen deep; 330,000 nested elements each with a
 * map and a set of their own ran the thread's 128 MB heap out. */
export const MAX_FRAMES = 1024;

/** What the first pass recorded of each element (./css-lookahead.ts), by its number in the order elements open. */
export interface Lookahead {
  /** How many elements it recorded: the facts of later ones are not known. */
  readonly recorded: number;
  lastIndex(element: number): number;
  lastTypeIndex(element: number): number;
  empty(element: number): boolean;
  has(element: number): number;
}

/** What the reader tells of the elements as they open (facts, opened) and close (pop): Ancestors, and the first
 * pass's Survey. */
export interface ElementTracker {
  facts(tag: string, classes: readonly string[], id: string | null, attrs: Readonly<TagAttributes>): ElementFacts;
  opened(e: ElementFacts, isVoid: boolean): void;
  pop(): void;
}

/** What the open elements must keep for a style sheet's selectors, gathered as the sheet reads them. */
export class SelectorNeeds {
  /** Tests of the compounds around subjects, by key: each opening element is tried on each. */
  readonly tests = new Map<string, SimpleTest>();
  /** Keys the sibling compounds name: only these are kept of a parent's children. */
  readonly siblingKeys = new Set<string>();
  /** Attribute names the selectors test (./html-tags.ts keeps them when it reads a tag). */
  readonly attributes = new Set<string>();
  /** The `:has()` tests, by their text: the first of each text holds the bit the others were given. */
  readonly has = new Map<string, HasTest>();
  /** Whether a selector tests a position or names a sibling: only then are a parent's children counted. */
  positions = false;
  siblings = false;
  /** Whether a selector needs what follows an element: only then is the first pass made. */
  lookahead = false;
  /** The steps of trying `tests` on an opening element (./css-budget.ts). */
  testSteps = 0;

  /** `budget`: the document's cascade budget, which the elements around spend too. */
  constructor(readonly budget: CascadeBudget = new CascadeBudget()) {}

  /** Whether a selector fits the bounds; when it does, what it needs is added. */
  admit(s: ComplexSelector): boolean {
    const around = s.around.flatMap((c) => c.tests).filter(({ key }) => !this.tests.has(key));
    if (new Set(around.map(({ key }) => key)).size + this.tests.size > MAX_CONTEXT_TESTS) return false;
    const tests = [s.subject, ...s.around].flatMap(allTests);
    const names = new Set(
      tests.flatMap((t) => (t.kind === "attribute" && !this.attributes.has(t.name) ? [t.name] : [])),
    );
    if (names.size + this.attributes.size > MAX_ATTRIBUTE_NAMES) return false;
    const has = tests.filter((t): t is HasTest => t.kind === "has");
    if (new Set(has.flatMap((t) => (this.has.has(t.text) ? [] : [t.text]))).size + this.has.size > MAX_HAS)
      return false;
    for (const { key, test } of around) {
      if (!this.tests.has(key)) this.testSteps += testSteps(test);
      this.tests.set(key, test);
    }
    for (const name of names) this.attributes.add(name);
    for (const t of has) {
      const known = this.has.get(t.text);
      t.bit = known ? known.bit : this.has.size;
      if (!known) this.has.set(t.text, t);
    }
    this.lookahead ||= tests.some(afterTest);
    // positions from the first are counted here; those from the last come from the first pass
    this.positions ||= tests.some((t) => (t.kind === "nth" && !t.fromEnd) || t.kind === "only");
    this.siblings ||= s.siblings.length > 0;
    for (const { keys } of s.siblings) for (const k of keys) this.siblingKeys.add(k);
    return true;
  }
}

/** What one open element (or the body) has held so far; the map and the set made only once a second name or a
 * second child needs them (most open elements hold one element while open: nesting costs no map and no set). */
interface Frame {
  children: number;
  /** The first name its children had and how many had it; the others' counts, by name, once one differs. */
  soleTag: string;
  soleCount: number;
  byTag: Map<string, number> | null;
  /** The previous child's keys and all earlier children's (null: only the previous one yet), filtered to
   * SelectorNeeds.siblingKeys. */
  previous: readonly string[];
  earlier: Set<string> | null;
}

const NOTHING: readonly string[] = [];

/** The open elements' keys, counted, their parent's, and what each open element has held (see the header). */
export class Ancestors implements ElementTracker {
  readonly #counts = new Map<string, number>();
  readonly #stack: string[][] = [];
  /** One an open element, above the body's; kept only when the sheet needs positions or siblings. */
  readonly #frames: Frame[] = [];
  /** Elements open past MAX_FRAMES: they have no frame, and what they hold has no position. */
  #untracked = 0;
  readonly #tracks: boolean;
  /** The number of the next element to open, for what the first pass recorded of it. */
  #element = 0;

  constructor(
    readonly needs: SelectorNeeds = new SelectorNeeds(),
    readonly lookahead: Lookahead | null = null,
  ) {
    this.#tracks = needs.positions || needs.siblings;
    if (this.#tracks) this.#frames.push(this.#frame());
  }

  #frame(): Frame {
    return { children: 0, soleTag: "", soleCount: 0, byTag: null, previous: NOTHING, earlier: null };
  }

  /** The frame of the innermost open element; undefined past MAX_FRAMES or when none is kept. */
  #top(): Frame | undefined {
    return this.#untracked > 0 ? undefined : this.#frames[this.#frames.length - 1];
  }

  /** The element about to open as selectors see it: with its position among what its parent opened before it. */
  facts(tag: string, classes: readonly string[], id: string | null, attrs: Readonly<TagAttributes>): ElementFacts {
    const frame = this.#top();
    const index = frame ? frame.children + 1 : 0;
    const typeIndex = frame && this.needs.positions ? typeCount(frame, tag) + 1 : 0;
    const after = this.lookahead;
    const k = this.#element;
    if (after === null || k >= after.recorded)
      return { tag, classes, id, attrs, index, typeIndex, lastIndex: 0, lastTypeIndex: 0, empty: null, has: 0 };
    const [lastIndex, lastTypeIndex, empty, has] = [
      after.lastIndex(k),
      after.lastTypeIndex(k),
      after.empty(k),
      after.has(k),
    ];
    return { tag, classes, id, attrs, index, typeIndex, lastIndex, lastTypeIndex, empty, has };
  }

  /** Record an element that opened: a child of its parent and, unless it is void, open. */
  opened(e: ElementFacts, isVoid: boolean): void {
    this.#element++;
    const keys = elementKeys(e.tag, e.classes, e.id);
    // past the budget an element is known by its name, classes and id only (./css-budget.ts)
    const tests = this.needs.tests;
    if (tests.size > 0 && this.needs.budget.spend(this.needs.testSteps))
      for (const [key, test] of tests) if (testMatches(test, e)) keys.push(key);
    const frame = this.#top();
    if (frame) {
      frame.children++;
      if (this.needs.positions) countTag(frame, e.tag, e.typeIndex);
      if (this.needs.siblings) {
        if (frame.children === 2) frame.earlier = new Set(frame.previous);
        frame.previous = keys.filter((k) => this.needs.siblingKeys.has(k));
        if (frame.earlier) for (const k of frame.previous) frame.earlier.add(k);
      }
    }
    if (!isVoid) this.push(keys);
  }

  push(keys: string[]): void {
    this.#stack.push(keys);
    for (const k of keys) this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
    if (!this.#tracks) return;
    if (this.#untracked > 0 || this.#frames.length > MAX_FRAMES) this.#untracked++;
    else this.#frames.push(this.#frame());
  }

  pop(): void {
    for (const k of this.#stack.pop() ?? []) {
      const n = this.#counts.get(k)! - 1;
      if (n === 0) this.#counts.delete(k);
      else this.#counts.set(k, n);
    }
    if (this.#untracked > 0) this.#untracked--;
    else if (this.#frames.length > 1) this.#frames.pop();
  }

  /** Whether the element matches `s` among these open elements and its earlier siblings. */
  matches(s: ComplexSelector, e: ElementFacts): boolean {
    if (!compoundMatches(s.subject, e)) return false;
    const frame = this.#top();
    for (const { combinator, keys } of s.siblings) {
      if (!frame || frame.children === 0) return false;
      for (const k of keys) if (combinator === "+" ? !frame.previous.includes(k) : !heldEarlier(frame, k)) return false;
    }
    const parent = this.#stack[this.#stack.length - 1] ?? NOTHING;
    for (const { combinator, keys } of s.ancestors) {
      for (const k of keys) {
        if (combinator === ">" ? !parent.includes(k) : !this.#counts.has(k)) return false;
      }
    }
    return true;
  }
}

/** Whether one of a frame's children so far had `key`: the earlier ones' set is made at its second child. */
function heldEarlier(frame: Frame, key: string): boolean {
  return frame.earlier ? frame.earlier.has(key) : frame.previous.includes(key);
}

/** How many of a frame's children so far are named `tag`. */
function typeCount(frame: Frame, tag: string): number {
  if (frame.soleTag === tag) return frame.soleCount;
  return frame.byTag?.get(tag) ?? 0;
}

/** A child named `tag` counted in its frame, `n` being its position among those of its name. */
function countTag(frame: Frame, tag: string, n: number): void {
  if (frame.soleTag === "" || frame.soleTag === tag) {
    frame.soleTag = tag;
    frame.soleCount = n;
  } else (frame.byTag ??= new Map()).set(tag, n);
}
