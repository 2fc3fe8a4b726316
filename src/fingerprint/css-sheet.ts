/**
 * The simple rules of a document's `<style>` blocks (`tag`, `.class`, `#id`, `tag.class`, `tag#id`, at top level
 * or under `@media screen|all`), by element name, class and id, for ./html-visibility.ts. No cascade engine: rules
 * apply by specificity tier (tag, class, id) and in stylesheet order inside a tier. Pure: no I/O. A stylesheet is
 * read in one pass up to MAX_CSS_CHARS and MAX_RULES rules, the rest ignored.
 */
import { emptyDeclarations, parseDeclarations, type Declarations } from "./css-style.js";

/** Characters of `<style>` text read at most per document. */
export const MAX_CSS_CHARS = 64 * 1024;
/** Rules kept at most per document. */
export const MAX_RULES = 1024;

/** One rule of a stylesheet for one simple selector. */
interface Rule {
  /** The element name the selector requires, or "" for any. */
  tag: string;
  order: number;
  decls: Declarations;
}

const SIMPLE_SELECTOR = /^([a-z][a-z0-9]*)?(?:([.#])([a-z0-9_-]+))?$/i;
/** At-rules whose content is applied: media that every mail client matches. */
const ALWAYS_MEDIA = /^@media(?:\s+(?:all|screen|only\s+screen))?\s*$/i;

/** The simple rules of a document's `<style>` blocks: by element name, class and id. */
export class StyleSheet {
  readonly #tags = new Map<string, Rule[]>();
  readonly #classes = new Map<string, Rule[]>();
  readonly #ids = new Map<string, Rule[]>();
  #rules = 0;
  #chars = 0;

  /** Whether any rule was kept. */
  get empty(): boolean {
    return this.#rules === 0;
  }

  /** Read the rules of one `<style>` block's text. */
  add(css: string): void {
    const room = MAX_CSS_CHARS - this.#chars;
    if (room <= 0) return;
    const text = (css.length > room ? css.slice(0, room) : css).replace(/\/\*[\s\S]*?(?:\*\/|$)/g, " ");
    this.#chars += Math.min(css.length, room);
    let i = 0;
    let skipDepth = 0; // inside an at-rule block whose content is not applied
    let mediaDepth = 0; // inside applied @media blocks
    while (i < text.length && this.#rules < MAX_RULES) {
      const open = text.indexOf("{", i);
      const close = text.indexOf("}", i);
      if (close >= 0 && (open < 0 || close < open)) {
        if (skipDepth > 0) skipDepth--;
        else if (mediaDepth > 0) mediaDepth--;
        i = close + 1;
        continue;
      }
      if (open < 0) break;
      const prelude = text.slice(i, open).trim();
      if (skipDepth > 0 || prelude.startsWith("@")) {
        if (skipDepth === 0 && ALWAYS_MEDIA.test(prelude)) mediaDepth++;
        else skipDepth++;
        i = open + 1;
        continue;
      }
      const end = close < 0 ? text.length : close;
      const decls = parseDeclarations(text.slice(open + 1, end), emptyDeclarations());
      if (Object.keys(decls.normal).length > 0 || Object.keys(decls.important).length > 0) {
        for (const selector of prelude.split(",")) this.#addRule(selector.trim().toLowerCase(), decls);
      }
      i = end + 1;
    }
  }

  #addRule(selector: string, decls: Declarations): void {
    const m = SIMPLE_SELECTOR.exec(selector);
    if (!m || this.#rules >= MAX_RULES) return;
    const [, tag = "", kind, name] = m;
    const rule: Rule = { tag, order: this.#rules++, decls };
    const map = kind === "." ? this.#classes : kind === "#" ? this.#ids : this.#tags;
    const key = kind ? name! : tag;
    if (!key) return;
    const list = map.get(key);
    if (list) list.push(rule);
    else map.set(key, [rule]);
  }

  /** The declarations of the rules matching an element, in the order they apply (lowest precedence first). */
  matching(tag: string, classes: readonly string[], id: string | null): Declarations[] {
    const tiers: Rule[][] = [this.#tags.get(tag) ?? [], [], id ? (this.#ids.get(id) ?? []) : []];
    for (const name of classes) tiers[1]!.push(...(this.#classes.get(name) ?? []));
    const out: Declarations[] = [];
    for (const tier of tiers) {
      if (tier.length > 1) tier.sort((a, b) => a.order - b.order);
      for (const rule of tier) if (rule.tag === "" || rule.tag === tag) out.push(rule.decls);
    }
    return out;
  }
}
