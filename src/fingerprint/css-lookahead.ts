/**
 * What the selectors that need what follows an element read of it (./css-pseudo.ts: `:last-child`, `:only-child`,
 * `:nth-last-*`, `:last-of-type`, `:only-of-type`, `:empty`; ./css-compound.ts: `:has()`), recorded by a first pass
 * over the markup's elements: ./html-text.ts runs its reader over the document without writing any text, only for a
 * sheet that uses them, and the second pass reads the facts by the element's number in the order elements open
 * (./css-context.ts, Ancestors). Of each element:
 * - its position among its parent's elements and among those of its name, and which counter of the parent's counts
 *   them: once the parent closes, the counter holds their number, so its position from the last is that number less
 *   its position, plus one, with no walk back over the siblings;
 * - whether it holds an element or text;
 * - which `:has()` tests it passes (SelectorNeeds.has, at most MAX_HAS): an element that matches a test's compound
 *   marks its parent (`>`) and its previous sibling (`+`), and what an open element held is marked on it as it
 *   closes and passed to its parent (descendants), so no element walks its ancestors.
 * An element costs a bounded number of steps (counted in `work`: the `:has()` compounds, each a bounded number of
 * checks) and, for the first MAX_RECORDED elements, a few numbers in typed arrays; later ones still count among their
 * parents' elements, but what follows them is not known, so the selectors that need it do not match them. Pure: no I/O.
 */
import { compoundMatches, type ElementFacts, type HasTest } from "./css-compound.js";
import type { ElementTracker, Lookahead, SelectorNeeds } from "./css-context.js";
import type { TagAttributes } from "./html-tags.js";

/** Elements whose facts are recorded at most: about 26 bytes each with their counters (a 1 MiB document holds at
 * most 350,000 elements). */
export const MAX_RECORDED = 1 << 18;

/** A growable column of numbers, one an element or a counter. */
class Column {
  #data: Int32Array = new Int32Array(256);

  get(i: number): number {
    return this.#data[i] ?? 0;
  }

  set(i: number, value: number): void {
    if (i >= this.#data.length) {
      const grown = new Int32Array(Math.min(Math.max(this.#data.length * 2, i + 1), 2 * MAX_RECORDED + 1));
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[i] = value;
  }
}

/** An open element (or the body) in the first pass. */
interface Frame {
  /** Its number; -1 for the body. */
  owner: number;
  /** The elements it has held so far, of any name and by name. */
  children: number;
  byTag: Map<string, number>;
  /** The counter its recorded elements read their number from at the end (-1 before the first), and by name. */
  counter: number;
  counters: Map<string, number> | null;
  /** Its previous element's number, or -1. */
  last: number;
  /** The `:has()` tests an element it held (at any depth) matched, for descendant tests. */
  below: number;
}

/** The first pass: told of elements as they open and close and of text, as Ancestors is in the second. */
export class Survey implements ElementTracker, Lookahead {
  readonly #tests: readonly HasTest[];
  /** The bits of the tests of each relation. */
  readonly #child: number;
  readonly #next: number;
  readonly #descendant: number;
  readonly #frames: Frame[] = [];
  /** Of each recorded element: its position, its counter, its position by name and that counter. */
  readonly #index = new Column();
  readonly #counter = new Column();
  readonly #typeIndex = new Column();
  readonly #typeCounter = new Column();
  /** Of each recorded element: bit 0 set when it holds an element or text. */
  #filled = new Uint8Array(256);
  #has = new Uint8Array(256);
  /** The final number of elements each counter counted. */
  readonly #counts = new Column();
  #countersUsed = 0;
  #elements = 0;
  #finished = false;
  /** Steps taken: elements, closes, text and `:has()` compounds checked, for tests to bound. */
  work = 0;

  constructor(needs: SelectorNeeds) {
    this.#tests = [...needs.has.values()];
    const bits = (relation: string) =>
      this.#tests.reduce((m, t) => (t.relation === relation ? m | (1 << t.bit) : m), 0);
    [this.#child, this.#next, this.#descendant] = [bits(">"), bits("+"), bits(" ")];
    this.#frames.push(this.#frame(-1));
  }

  get recorded(): number {
    return Math.min(this.#elements, MAX_RECORDED);
  }

  #frame(owner: number): Frame {
    return { owner, children: 0, byTag: new Map(), counter: -1, counters: null, last: -1, below: 0 };
  }

  facts(tag: string, classes: readonly string[], id: string | null, attrs: Readonly<TagAttributes>): ElementFacts {
    const frame = this.#frames[this.#frames.length - 1]!;
    const index = frame.children + 1;
    const typeIndex = (frame.byTag.get(tag) ?? 0) + 1;
    return { tag, classes, id, attrs, index, typeIndex, lastIndex: 0, lastTypeIndex: 0, empty: null, has: 0 };
  }

  opened(e: ElementFacts, isVoid: boolean): void {
    const k = this.#elements++;
    const frame = this.#frames[this.#frames.length - 1]!;
    frame.children++;
    frame.byTag.set(e.tag, (frame.byTag.get(e.tag) ?? 0) + 1);
    this.work++;
    if (k < MAX_RECORDED) this.#record(k, frame, e);
    if (frame.owner >= 0 && frame.owner < MAX_RECORDED) this.#fill(frame.owner);
    if (this.#tests.length > 0) this.#matchHas(k, frame, e);
    frame.last = k;
    if (!isVoid) this.#frames.push(this.#frame(k));
  }

  #record(k: number, frame: Frame, e: ElementFacts): void {
    if (frame.counter < 0) frame.counter = this.#countersUsed++;
    let typeCounter = (frame.counters ??= new Map<string, number>()).get(e.tag);
    if (typeCounter === undefined) frame.counters.set(e.tag, (typeCounter = this.#countersUsed++));
    this.#index.set(k, frame.children);
    this.#counter.set(k, frame.counter);
    this.#typeIndex.set(k, frame.byTag.get(e.tag)!);
    this.#typeCounter.set(k, typeCounter);
  }

  /** The `:has()` tests the element matches, marked on its parent, its previous sibling and (later) its ancestors. */
  #matchHas(k: number, frame: Frame, e: ElementFacts): void {
    let matched = 0;
    for (const test of this.#tests) {
      this.work++;
      if (compoundMatches(test.compound, e)) matched |= 1 << test.bit;
    }
    if (matched === 0) return;
    if (frame.owner >= 0) this.#mark(frame.owner, matched & this.#child);
    if (frame.last >= 0) this.#mark(frame.last, matched & this.#next);
    frame.below |= matched & this.#descendant;
  }

  /** Text in the innermost open element. */
  text(): void {
    this.work++;
    const owner = this.#frames[this.#frames.length - 1]!.owner;
    if (owner >= 0 && owner < MAX_RECORDED) this.#fill(owner);
  }

  /** The element that opened last holds text (a raw-text element's content, which never opens as elements). */
  holdsText(): void {
    const k = this.#elements - 1;
    if (k >= 0 && k < MAX_RECORDED) this.#fill(k);
  }

  pop(): void {
    if (this.#frames.length > 1) this.#close(this.#frames.pop()!);
  }

  /** Close every element still open and the body: the counters then hold their final numbers. */
  finish(): void {
    if (this.#finished) return;
    while (this.#frames.length > 0) this.#close(this.#frames.pop()!);
    this.#finished = true;
  }

  #close(frame: Frame): void {
    this.work++;
    if (frame.counter >= 0) this.#counts.set(frame.counter, frame.children);
    for (const [tag, counter] of frame.counters ?? []) this.#counts.set(counter, frame.byTag.get(tag)!);
    if (frame.below === 0) return;
    if (frame.owner >= 0) this.#mark(frame.owner, frame.below);
    const parent = this.#frames[this.#frames.length - 1];
    if (parent) parent.below |= frame.below;
  }

  #fill(k: number): void {
    if (k >= this.#filled.length) this.#filled = grow(this.#filled, k);
    this.#filled[k] = 1;
  }

  #mark(k: number, bits: number): void {
    if (bits === 0 || k >= MAX_RECORDED) return;
    if (k >= this.#has.length) this.#has = grow(this.#has, k);
    this.#has[k]! |= bits;
  }

  lastIndex(k: number): number {
    return this.#counts.get(this.#counter.get(k)) - this.#index.get(k) + 1;
  }

  lastTypeIndex(k: number): number {
    return this.#counts.get(this.#typeCounter.get(k)) - this.#typeIndex.get(k) + 1;
  }

  empty(k: number): boolean {
    return (this.#filled[k] ?? 0) === 0;
  }

  has(k: number): number {
    return this.#has[k] ?? 0;
  }
}

/** `bytes` grown to hold index `i`. */
function grow(bytes: Uint8Array<ArrayBuffer>, i: number): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(Math.min(Math.max(bytes.length * 2, i + 1), MAX_RECORDED));
  grown.set(bytes);
  return grown;
}
