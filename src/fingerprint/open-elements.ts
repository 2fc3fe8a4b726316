/**
 * The open elements of an HTML document as a browser's parser keeps them, simplified to what decides which text
 * an element's style covers: void elements never open, end tags close the nearest element of their name (and
 * everything opened inside it) unless a table cell or another scope boundary stands between, and the implied end
 * tags a browser adds (a block closes an open `<p>`, `<li>` closes the previous `<li>`, `<td>` the previous cell,
 * `<tr>` the previous row). No adoption agency, no reconstruction of formatting elements. Each entry carries a
 * value (the element's visibility). Every operation is amortised constant time: the positions of each element
 * name are kept, so finding the element an end tag closes never walks the stack.
 */

/** Elements that never have content (an end tag for them is ignored). */
export const VOID = new Set([
  "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen", "link",
  "meta", "param", "source", "track", "wbr",
]); // prettier-ignore

/** Elements whose start tag closes an open `<p>` (HTML's "close a p element"). */
const CLOSES_P = new Set([
  "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset",
  "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li",
  "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul", "dd", "dt",
]); // prettier-ignore

/** Elements an end tag of another element does not close through. */
const SCOPE = ["td", "th", "table", "caption", "button", "object", "marquee", "applet", "template"];
const TABLE_SECTIONS = new Set(["tbody", "thead", "tfoot"]);
const HEADINGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);

export class OpenElements<T> {
  readonly #names: string[] = [];
  readonly #values: T[] = [];
  readonly #positions = new Map<string, number[]>();

  /** `onPop` is told of each element closed, in order, innermost first. */
  constructor(
    readonly root: T,
    readonly onPop?: () => void,
  ) {}

  get depth(): number {
    return this.#names.length;
  }

  /** The value of the innermost open element, or the root's. */
  get top(): T {
    return this.#values.length > 0 ? this.#values[this.#values.length - 1]! : this.root;
  }

  /** Close what a start tag of `name` implicitly closes; call before `push`. */
  beforeStart(name: string): void {
    if (CLOSES_P.has(name)) {
      const p = this.#last("p");
      if (p >= 0 && p > this.#scopeBoundary()) this.#popTo(p);
    }
    if (name === "li") this.#closeSibling(["li"], ["ul", "ol"]);
    else if (name === "dd" || name === "dt") this.#closeSibling(["dd", "dt"], ["dl"]);
    else if (name === "td" || name === "th") this.#closeSibling(["td", "th"], ["tr", "table"]);
    else if (name === "tr") this.#closeSibling(["tr", "td", "th"], ["tbody", "thead", "tfoot", "table"]);
    else if (TABLE_SECTIONS.has(name)) this.#closeSibling(["tbody", "thead", "tfoot", "tr", "td", "th"], ["table"]);
    else if (name === "option" && this.#names[this.#names.length - 1] === "option") this.#popTo(this.depth - 1);
    else if (HEADINGS.has(name) && HEADINGS.has(this.#names[this.#names.length - 1] ?? "")) this.#popTo(this.depth - 1);
  }

  /** Open an element (not a void one). */
  push(name: string, value: T): void {
    const positions = this.#positions.get(name);
    if (positions) positions.push(this.#names.length);
    else this.#positions.set(name, [this.#names.length]);
    this.#names.push(name);
    this.#values.push(value);
  }

  /** Apply an end tag: close the nearest open element of that name, unless a scope boundary is nearer. */
  end(name: string): void {
    const at = this.#last(name);
    if (at < 0) return;
    if (SCOPE.includes(name)) {
      // a cell or table closes through what is open inside it, not through an enclosing table
      const table = name === "table" ? -1 : this.#last("table");
      if (at > table || name === "table") this.#popTo(at);
      return;
    }
    if (TABLE_SECTIONS.has(name) || name === "tr") {
      if (at > this.#last("table")) this.#popTo(at);
      return;
    }
    if (at > this.#scopeBoundary()) this.#popTo(at);
  }

  #last(name: string): number {
    const positions = this.#positions.get(name);
    return positions && positions.length > 0 ? positions[positions.length - 1]! : -1;
  }

  #scopeBoundary(): number {
    let boundary = -1;
    for (const name of SCOPE) boundary = Math.max(boundary, this.#last(name));
    return boundary;
  }

  /** Close the nearest of `siblings` unless one of `parents` was opened after it. */
  #closeSibling(siblings: readonly string[], parents: readonly string[]): void {
    let sibling = -1;
    for (const name of siblings) sibling = Math.max(sibling, this.#last(name));
    let parent = -1;
    for (const name of parents) parent = Math.max(parent, this.#last(name));
    if (sibling > parent) this.#popTo(this.#lowestAbove(siblings, parent));
  }

  /** The lowest position above `floor` held by one of `names` (they are all above it: the stack is ordered). */
  #lowestAbove(names: readonly string[], floor: number): number {
    let lowest = Infinity;
    for (const name of names) {
      const positions = this.#positions.get(name);
      if (!positions) continue;
      // positions ascend; walk down while above the floor (each step is an element about to be popped)
      for (let k = positions.length - 1; k >= 0 && positions[k]! > floor; k--) lowest = Math.min(lowest, positions[k]!);
    }
    return lowest;
  }

  /**
   * The same open elements under a new root: those that took the old root's value unchanged (they declare nothing of
   * their own) take `root`'s; the others keep theirs. Linear in the depth: callers bound how often they rebase.
   */
  rebased(root: T): OpenElements<T> {
    const out = new OpenElements(root, this.onPop);
    for (let i = 0; i < this.#names.length; i++) {
      const value = this.#values[i]!;
      out.push(this.#names[i]!, value === this.root ? root : value);
    }
    return out;
  }

  /** Close the element at `index` and every element opened inside it. */
  #popTo(index: number): void {
    while (this.#names.length > index) {
      const name = this.#names.pop()!;
      this.#values.pop();
      this.#positions.get(name)?.pop();
      this.onPop?.();
    }
  }
}
