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
 *   closes and passed to its parent (descendants), so no element walks its ancestors; for a later sibling (`~`), the
 *   position of the last of its parent's elements that matched is kept by the parent's counter, and an element passes
 *   when that is after its own, so no element walks its siblings.
 * An element costs a bounded number of steps (counted in `work`: the `:has()` compounds, each a bounded number of
 * checks; those spend the document's cascade budget, ./css-budget.ts) and, for the first MAX_RECORDED elements, a
 * few numbers in typed arrays; later ones still count among their parents' elements, but what follows them is not
 * known, so the selectors that need it do not match them. Pure: no I/O.
 */
import { compoundSteps, type CascadeBudget } from "./css-budget.js";
import { compoundMatches, type ElementFacts, type HasTest } from "./css-compound.js";
import type { ElementTracker, Lookahead, SelectorNeeds } from "./css-context.js";
import type { TagAttributes } from "./html-tags.js";

/** Elements whose facts are recorded at most: about 32 bytes each with their counters (a 1 MiB document holds at
 * most 350,000 elements). */
export const MAX_RECORDED = 1 << 18;
/** Counters at most: an element opens at most two (its parent's, its parent's of its name), so the recorded elements'
 * are all there; elements past them may find none, and their positions are then not known. */
const MAX_COUNTERS = 4 * MAX_RECORDED;

/** A growable column of numbers, one an element or a counter, at most `limit`. */
class Column {
  #data: Int32Array = new Int32Array(256);

  constructor(readonly limit: number) {}

  get(i: number): number {
    return this.#data[i] ?? 0;
  }

  set(i: number, value: number): void {
    if (i >= this.#data.length) {
      const grown = new Int32Array(Math.min(Math.max(this.#data.length * 2, i + 1), this.limit));
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[i] = value;
  }
}

/**
 * The first pass: told of elements as they open and close and of text, as Ancestors is in the second. The open
 * elements are kept as columns of numbers and their counters by name as one stack a name, so an element allocates
 * nothing of its own (hostile nesting a hundred thousand deep made a frame object and map an element cost more in
 * garbage collection than all the rest of the pass).
 */
export class Survey implements ElementTracker, Lookahead {
  readonly #tests: readonly HasTest[];
  /** The document's cascade budget (./css-budget.ts), and what checking the tests on an element spends of it. */
  readonly #budget: CascadeBudget;
  readonly #steps: number;
  /** The bits of the tests of each relation. */
  readonly #child: number;
  readonly #next: number;
  readonly #descendant: number;
  readonly #later: number;
  /** For each `~` test's bit, the position of the last element that matched it, by its parent's counter. */
  readonly #lastMatch: Map<number, number>[] = [];
  /** Of each open element, the body first: its number (-1: the body), a serial number unique to it, the counter of
   * its elements (-1 before the first), its previous element's number (-1: none), and the `:has()` tests its
   * elements at any depth passed (for descendant tests). */
  readonly #owner: number[] = [-1];
  readonly #serial: number[] = [0];
  readonly #counter: number[] = [-1];
  readonly #last: number[] = [-1];
  readonly #below: number[] = [0];
  #serials = 1;
  /** By name, the counters of open elements of the elements of that name they hold: [serial, depth, counter] flat,
   * innermost last; an entry of an element that closed is dropped when the name is next looked up. */
  readonly #byName = new Map<string, number[]>();
  /** The number of elements each counter counted so far: at the end, all of them. */
  readonly #counts = new Column(MAX_COUNTERS);
  #countersUsed = 0;
  /** Of each recorded element: its position and its parent's counter, by any name and by its own. */
  readonly #elementIndex = new Column(MAX_RECORDED);
  readonly #elementCounter = new Column(MAX_RECORDED);
  readonly #elementTypeIndex = new Column(MAX_RECORDED);
  readonly #elementTypeCounter = new Column(MAX_RECORDED);
  /** Of each recorded element: 1 when it holds an element or text; the `:has()` tests it passes. */
  readonly #filled = new Column(MAX_RECORDED);
  readonly #has = new Column(MAX_RECORDED);
  #elements = 0;
  #finished = false;
  /** Steps taken: elements, closes, text and `:has()` compounds checked, for tests to bound. */
  work = 0;

  constructor(needs: SelectorNeeds) {
    this.#tests = [...needs.has.values()];
    this.#budget = needs.budget;
    this.#steps = this.#tests.reduce((n, t) => n + compoundSteps(t.compound), 0);
    const bits = (relation: string) =>
      this.#tests.reduce((m, t) => (t.relation === relation ? m | (1 << t.bit) : m), 0);
    [this.#child, this.#next, this.#descendant, this.#later] = [bits(">"), bits("+"), bits(" "), bits("~")];
    for (const t of this.#tests) if (t.relation === "~") this.#lastMatch[t.bit] = new Map();
  }

  get recorded(): number {
    return Math.min(this.#elements, MAX_RECORDED);
  }

  facts(tag: string, classes: readonly string[], id: string | null, attrs: Readonly<TagAttributes>): ElementFacts {
    const depth = this.#owner.length - 1;
    const counter = this.#counter[depth]!;
    const index = counter < 0 ? 1 : this.#counts.get(counter) + 1;
    const typeCounter = this.#typeCounter(tag, depth, false);
    const typeIndex = typeCounter < 0 ? 1 : this.#counts.get(typeCounter) + 1;
    return { tag, classes, id, attrs, index, typeIndex, lastIndex: 0, lastTypeIndex: 0, empty: null, has: 0 };
  }

  opened(e: ElementFacts, isVoid: boolean): void {
    const k = this.#elements++;
    const depth = this.#owner.length - 1;
    this.work++;
    if (this.#counter[depth]! < 0) this.#counter[depth] = this.#newCounter();
    const counter = this.#counter[depth]!;
    const typeCounter = this.#typeCounter(e.tag, depth, true);
    const index = this.#count(counter);
    const typeIndex = this.#count(typeCounter);
    if (k < MAX_RECORDED) {
      this.#elementIndex.set(k, index);
      this.#elementCounter.set(k, counter);
      this.#elementTypeIndex.set(k, typeIndex);
      this.#elementTypeCounter.set(k, typeCounter);
    }
    const owner = this.#owner[depth]!;
    if (owner >= 0 && owner < MAX_RECORDED) this.#fill(owner);
    if (this.#tests.length > 0) this.#matchHas(depth, e, counter, index);
    this.#last[depth] = k;
    if (isVoid) return;
    this.#owner.push(k);
    this.#serial.push(this.#serials++);
    this.#counter.push(-1);
    this.#last.push(-1);
    this.#below.push(0);
  }

  #newCounter(): number {
    return this.#countersUsed < MAX_COUNTERS ? this.#countersUsed++ : -1;
  }

  /** One more element on a counter (-1: none); its position then, 0 when not counted. */
  #count(counter: number): number {
    if (counter < 0) return 0;
    const n = this.#counts.get(counter) + 1;
    this.#counts.set(counter, n);
    return n;
  }

  /** The counter of the open element at `depth` of its elements named `tag`: made when `make`, else -1 if none. */
  #typeCounter(tag: string, depth: number, make: boolean): number {
    let stack = this.#byName.get(tag);
    const serial = this.#serial[depth]!;
    if (stack) {
      // entries of elements that closed since are on top: each is dropped once
      while (stack.length > 0 && this.#serial[stack[stack.length - 2]!] !== stack[stack.length - 3]) stack.length -= 3;
      if (stack.length > 0 && stack[stack.length - 3] === serial) return stack[stack.length - 1]!;
    }
    if (!make) return -1;
    const counter = this.#newCounter();
    if (counter < 0) return -1;
    if (!stack) this.#byName.set(tag, (stack = []));
    stack.push(serial, depth, counter);
    return counter;
  }

  /** The `:has()` tests the element matches, marked on its parent, its previous sibling, (later) its ancestors, and
   * its position kept for its earlier siblings (at `index` on its parent's `counter`). */
  #matchHas(depth: number, e: ElementFacts, counter: number, index: number): void {
    let matched = 0;
    // past the budget no element passes a `:has()` test
    if (!this.#budget.spend(this.#steps)) return;
    for (const test of this.#tests) {
      this.work++;
      if (compoundMatches(test.compound, e)) matched |= 1 << test.bit;
    }
    if (matched === 0) return;
    this.#mark(this.#owner[depth]!, matched & this.#child);
    this.#mark(this.#last[depth]!, matched & this.#next);
    this.#below[depth]! |= matched & this.#descendant;
    if ((matched & this.#later) === 0 || counter < 0) return;
    this.#lastMatch.forEach((last, bit) => {
      if ((matched & (1 << bit)) !== 0) last.set(counter, index);
    });
  }

  /** Text in the innermost open element. */
  text(): void {
    this.work++;
    const owner = this.#owner[this.#owner.length - 1]!;
    if (owner >= 0 && owner < MAX_RECORDED) this.#fill(owner);
  }

  /** The element that opened last holds text (a raw-text element's content, which never opens as elements). */
  holdsText(): void {
    const k = this.#elements - 1;
    if (k >= 0 && k < MAX_RECORDED) this.#fill(k);
  }

  pop(): void {
    if (this.#owner.length > 1) this.#close();
  }

  /** Close every element still open and the body: what their elements passed is then marked on them. */
  finish(): void {
    if (this.#finished) return;
    while (this.#owner.length > 0) this.#close();
    this.#finished = true;
  }

  /** Close the innermost open element: the `:has()` tests its elements passed are its and its parent's. */
  #close(): void {
    this.work++;
    const owner = this.#owner.pop()!;
    const below = this.#below.pop()!;
    this.#serial.pop();
    this.#counter.pop();
    this.#last.pop();
    if (below === 0) return;
    this.#mark(owner, below);
    if (this.#below.length > 0) this.#below[this.#below.length - 1]! |= below;
  }

  #fill(k: number): void {
    this.#filled.set(k, 1);
  }

  #mark(k: number, bits: number): void {
    if (bits === 0 || k < 0 || k >= MAX_RECORDED) return;
    this.#has.set(k, this.#has.get(k) | bits);
  }

  lastIndex(k: number): number {
    const index = this.#elementIndex.get(k);
    return index === 0 ? 0 : this.#counts.get(this.#elementCounter.get(k)) - index + 1;
  }

  lastTypeIndex(k: number): number {
    const index = this.#elementTypeIndex.get(k);
    return index === 0 ? 0 : this.#counts.get(this.#elementTypeCounter.get(k)) - index + 1;
  }

  empty(k: number): boolean {
    return this.#filled.get(k) === 0;
  }

  has(k: number): number {
    let bits = this.#has.get(k);
    const index = this.#elementIndex.get(k);
    if (this.#later === 0 || index === 0) return bits;
    const counter = this.#elementCounter.get(k);
    this.#lastMatch.forEach((last, bit) => {
      if ((last.get(counter) ?? 0) > index) bits |= 1 << bit;
    });
    return bits;
  }
}
