/**
 * The rules of a document's `<style>` blocks (at top level or in at-rules that apply, ./css-at-rules.ts), by element
 * name, class and id, for ./html-visibility.ts: the simple ones (`tag`, `.class`, `#id`, `tag.class`, `tag#id`), and
 * at most MAX_COMPLEX others: compounds with attribute selectors and pseudo-classes, `*`, and chains of them under
 * descendant, child and sibling combinators (./css-selectors.ts; matched against the elements around,
 * ./css-context.ts), each filed under one key of the element it is for, at most MAX_UNIVERSAL under none (`*`,
 * `:first-child`). No cascade engine: rules apply by specificity tier (tag, class, id) and in stylesheet order inside a
 * tier. The rules of one simple selector are folded as they are read (./css-fold.ts), so an element costs the
 * selectors it matches, not the rules they have. Pure: no I/O. A stylesheet is read in one pass up to MAX_CSS_CHARS
 * and MAX_RULES rules, the rest ignored; what elements cost it is counted in one budget a document (./css-budget.ts),
 * past which no rule is matched.
 */
import { afterStatements, atRuleApplies, MAX_AT_DEPTH } from "./css-at-rules.js";
import { CascadeBudget, compoundSteps } from "./css-budget.js";
import { FoldedRules } from "./css-fold.js";
import { attributeValue } from "./css-attributes.js";
import { Ancestors, SelectorNeeds } from "./css-context.js";
import { unescapeCss } from "./css-escapes.js";
import { elementKeys, parseComplex, splitList, type ComplexSelector } from "./css-selectors.js";
import type { ElementFacts } from "./css-compound.js";
import { emptyDeclarations, parseDeclarations, type Declarations } from "./css-style.js";
import type { TagAttributes } from "./html-tags.js";

/** Characters of `<style>` text read at most per document. */
export const MAX_CSS_CHARS = 64 * 1024;
/** Rules kept at most per document. */
export const MAX_RULES = 1024;
/** Selectors beyond the simple ones (./css-selectors.ts) kept at most per document: an element is checked against
 * those filed under its name, classes, id and attributes and those filed under none, so this bounds what it costs. */
export const MAX_COMPLEX = 64;
/** Of those, the ones filed under no key of the element (`*`, `:first-child`, `:not(.x)`) at most: every element is
 * checked against them. */
export const MAX_UNIVERSAL = 16;

/** The rules of one selector key (an element name, a class or an id), by the element name they require ("": any). */
type ByTag = Map<string, FoldedRules>;

/** A selector beyond the simple ones, its rules, their tier, and the steps of checking it (./css-budget.ts). */
interface ComplexRule {
  selector: ComplexSelector;
  folded: FoldedRules;
  tier: number;
  steps: number;
}

/** A rule of a higher tier (tag, class, id) wins over one of a lower tier whatever their order. */
const TAG_TIER = 0;
const CLASS_TIER = MAX_RULES;
const ID_TIER = 2 * MAX_RULES;

const SIMPLE_SELECTOR = /^([a-z][a-z0-9]*)?(?:([.#])([a-z0-9_-]+))?$/i;
const NO_ATTRIBUTES: Readonly<TagAttributes> = {};

/** The rules of a document's `<style>` blocks: the simple ones by element name, class and id, the others by key. */
export class StyleSheet {
  readonly #tags = new Map<string, ByTag>();
  readonly #classes = new Map<string, ByTag>();
  readonly #ids = new Map<string, ByTag>();
  #rules = 0;
  #chars = 0;
  #merges = 0;
  #checks = 0;
  #unfollowedBackground = false;
  /** The selectors beyond the simple ones, by the key they are filed under (ComplexSelector.key). */
  readonly #complex = new Map<string, ComplexRule[]>();
  #complexCount = 0;
  /** Attribute names selectors are filed under (`a:` keys), and what the elements around must keep for them. */
  readonly #attributeKeys: string[] = [];
  /** The document's cascade budget (./css-budget.ts): matching, the elements around and var() spend it. */
  readonly budget: CascadeBudget;
  readonly needs: SelectorNeeds;

  constructor(budget = new CascadeBudget()) {
    this.budget = budget;
    this.needs = new SelectorNeeds(budget);
  }

  /** Whether any rule was kept. */
  get empty(): boolean {
    return this.#rules === 0;
  }

  /**
   * Whether a rule this sheet does not apply (a dynamic pseudo-class, a pseudo-element, past MAX_COMPLEX) declares a
   * background: text with no background it can see may then stand on that one, so the page's white is not assumed
   * (./html-visibility.ts).
   */
  get unfollowedBackground(): boolean {
    return this.#unfollowedBackground;
  }

  /** Whether any selector beyond the simple ones was kept: only then do elements need their ancestors (Ancestors). */
  get hasComplex(): boolean {
    return this.#complexCount > 0;
  }

  /** The attribute names the kept selectors test, for ./html-tags.ts to keep; null when none. */
  get attributeNames(): ReadonlySet<string> | null {
    return this.needs.attributes.size > 0 ? this.needs.attributes : null;
  }

  /** Rules folded and folds combined so far: the work of the cascade, for tests to bound. */
  get merges(): number {
    return this.#merges;
  }

  /** Selectors beyond the simple ones checked against an element so far: the work of matching, for tests to bound. */
  get checks(): number {
    return this.#checks;
  }

  /** Whether the document's cascade budget is spent: no rule applies to the elements that open after. */
  get spent(): boolean {
    return this.budget.spent;
  }

  /** Read the rules of one `<style>` block's text. */
  add(css: string): void {
    const room = MAX_CSS_CHARS - this.#chars;
    if (room <= 0) return;
    // Comments, and the `<!--` and `-->` old mail wraps a sheet in (CSS ignores them at the top level, so the first
    // rule's selector is not `<!-- .a`), read as white space.
    const text = (css.length > room ? css.slice(0, room) : css).replace(/\/\*[\s\S]*?(?:\*\/|$)|<!--|-->/g, " ");
    this.#chars += Math.min(css.length, room);
    let i = 0;
    let skipDepth = 0; // inside an at-rule block whose content is not applied
    let appliedDepth = 0; // inside applied at-rule blocks (@media, @supports, @layer)
    // The next "{" and "}" at or after i, found again only once i has passed them: one pass over the text.
    let open = -2;
    let close = -2;
    while (i < text.length && this.#rules < MAX_RULES) {
      if (open !== -1 && open < i) open = text.indexOf("{", i);
      if (close !== -1 && close < i) close = text.indexOf("}", i);
      if (close >= 0 && (open < 0 || close < open)) {
        if (skipDepth > 0) skipDepth--;
        else if (appliedDepth > 0) appliedDepth--;
        i = close + 1;
        continue;
      }
      if (open < 0) break;
      let prelude = text.slice(i, open).trim();
      if (skipDepth === 0 && prelude.startsWith("@")) prelude = afterStatements(prelude);
      if (skipDepth > 0 || prelude.startsWith("@")) {
        if (skipDepth === 0 && appliedDepth < MAX_AT_DEPTH && atRuleApplies(prelude)) appliedDepth++;
        else skipDepth++;
        i = open + 1;
        continue;
      }
      const end = close < 0 ? text.length : close;
      const decls = parseDeclarations(text.slice(open + 1, end), emptyDeclarations());
      if (Object.keys(decls.normal).length > 0 || Object.keys(decls.important).length > 0) {
        for (const selector of splitList(unescapeCss(prelude, true))) this.#addRule(selector.trim(), decls);
      }
      i = end + 1;
    }
  }

  #addRule(selector: string, decls: Declarations): void {
    const m = SIMPLE_SELECTOR.exec(selector === ":root" ? "html" : selector);
    if (!m) return this.#addComplex(selector, decls);
    if (this.#rules >= MAX_RULES) return;
    const [, tag = "", kind, name] = m.map((part) => part?.toLowerCase());
    const order = this.#rules++;
    const map = kind === "." ? this.#classes : kind === "#" ? this.#ids : this.#tags;
    const key = kind ? name! : tag;
    if (!key) return;
    let byTag = map.get(key);
    if (!byTag) map.set(key, (byTag = new Map<string, FoldedRules>()));
    let folded = byTag.get(tag);
    if (!folded) byTag.set(tag, (folded = new FoldedRules()));
    folded.add(decls, order);
    this.#merges++;
  }

  /** A rule whose selector is not a simple one: kept when it is one this reader applies (./css-selectors.ts) and
   * fits the bounds. */
  #addComplex(selector: string, decls: Declarations): void {
    let parsed = this.#rules < MAX_RULES && this.#complexCount < MAX_COMPLEX ? parseComplex(selector) : null;
    if (parsed?.key === "*" && (this.#complex.get("*")?.length ?? 0) >= MAX_UNIVERSAL) parsed = null;
    if (parsed && !this.needs.admit(parsed)) parsed = null;
    if (!parsed) {
      if (decls.normal.background !== undefined || decls.important.background !== undefined)
        this.#unfollowedBackground = true;
      return;
    }
    const folded = new FoldedRules();
    folded.add(decls, this.#rules++);
    const tier = parsed.tier === "id" ? ID_TIER : parsed.tier === "class" ? CLASS_TIER : TAG_TIER;
    const filed = this.#complex.get(parsed.key);
    const steps = [parsed.subject, ...parsed.around].reduce((n, c) => n + compoundSteps(c), 0);
    const entry = { selector: parsed, folded, tier, steps };
    if (filed) filed.push(entry);
    else this.#complex.set(parsed.key, [entry]);
    if (!filed && parsed.key.startsWith("a:")) this.#attributeKeys.push(parsed.key.slice(2));
    this.#complexCount++;
    this.#merges++;
  }

  /**
   * The rules matching an element combined into one rule (./css-style.ts, cascade), or null when none matches. The
   * selectors beyond the simple ones are matched against the element's attributes and against `ancestors`, the
   * elements open around it and before it (none: only those without such parts can match).
   */
  matching(
    tag: string,
    classes: readonly string[],
    id: string | null,
    ancestors?: Ancestors,
    attrs: Readonly<TagAttributes> = NO_ATTRIBUTES,
  ): Declarations | null {
    if (this.budget.spent) return null;
    let matched = this.#combine(null, this.#tags.get(tag), tag, TAG_TIER);
    for (const name of classes) matched = this.#combine(matched, this.#classes.get(name), tag, CLASS_TIER);
    if (id) matched = this.#combine(matched, this.#ids.get(id), tag, ID_TIER);
    if (this.#complexCount > 0) {
      // Without the elements around (the body, the document), its position is not known: no position test passes.
      const context = ancestors ?? new Ancestors();
      const element = context.facts(tag, classes, id, attrs);
      for (const key of elementKeys(tag, classes, id)) matched = this.#combineComplex(matched, key, element, context);
      for (const name of this.#attributeKeys) {
        if (attributeValue(attrs, name) !== undefined)
          matched = this.#combineComplex(matched, `a:${name}`, element, context);
      }
      matched = this.#combineComplex(matched, "*", element, context);
    }
    return matched?.declarations ?? null;
  }

  /** `into` with the selectors filed under `key` that the element matches among `ancestors`. */
  #combineComplex(
    into: FoldedRules | null,
    key: string,
    element: ElementFacts,
    ancestors: Ancestors,
  ): FoldedRules | null {
    for (const { selector, folded, tier, steps } of this.#complex.get(key) ?? []) {
      this.#checks++;
      if (!this.budget.spend(steps) || !ancestors.matches(selector, element)) continue;
      into ??= new FoldedRules();
      this.#merge(folded, into, tier);
    }
    return into;
  }

  /** `into` with a selector key's rules for any element and for this element name combined at `tier`. */
  #combine(into: FoldedRules | null, byTag: ByTag | undefined, tag: string, tier: number): FoldedRules | null {
    const forAny = byTag?.get("");
    const forTag = tag === "" ? undefined : byTag?.get(tag);
    if (!forAny && !forTag) return into;
    into ??= new FoldedRules();
    for (const folded of [forAny, forTag]) if (folded) this.#merge(folded, into, tier);
    return into;
  }

  /** Combine `folded` into an element's rules, counted; not past the budget. */
  #merge(folded: FoldedRules, into: FoldedRules, tier: number): void {
    if (!this.budget.spend(folded.stepsInto(into))) return;
    folded.combineInto(into, tier);
    this.#merges++;
  }
}
