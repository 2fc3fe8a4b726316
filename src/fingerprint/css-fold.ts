/**
 * Declarations folded by precedence, for ./css-sheet.ts: a stylesheet folds the rules of one selector into a
 * FoldedRules as it reads them, and an element combines the FoldedRules of the selectors it matches, so that an
 * element costs the selectors it matches, not the rules they have. Each property keeps its winning value and the rank
 * it wins by (tier, then stylesheet order): css-style's cascade overlays property by property, a later rule over an
 * earlier one, so the value a run of overlays leaves is the declared one of highest rank. Pure: no I/O.
 */
import { DeferredLevel, MAX_CUSTOM_TAKEN, type DeferredDecl } from "./css-deferred.js";
import { emptyDeclarations, fieldsOf, type Declarations, type StyleDecls } from "./css-style.js";

/** Every property of StyleDecls, in the order of the shared hidden class. */
const PROPERTIES = Object.keys(emptyDeclarations().normal) as (keyof StyleDecls)[];
const INDEX = new Map(PROPERTIES.map((p, i) => [p, i]));
/** The steps (./css-budget.ts) of combining one rule set's properties: a walk over PROPERTIES at each level. */
const COMBINE_STEPS = 4;
/** The steps of one declaration with var() or custom property a combine walks (Map reads and writes, measured). */
const DEFERRED_STEPS = 4;

/** One precedence level (normal or `!important`): per property the winning value and its rank, -1 when undeclared. */
class RankedStyle {
  readonly ranks = new Int32Array(PROPERTIES.length).fill(-1);
  /** The deferred declarations (./css-deferred.ts) that win their field group or name, ranked as the others. */
  deferred: DeferredLevel | null = null;

  constructor(readonly style: StyleDecls) {}

  /** `from`'s declared properties, all at `rank`, over those of lower rank. */
  fold(from: StyleDecls, deferred: DeferredLevel | null, rank: number): void {
    for (let i = 0; i < PROPERTIES.length; i++) {
      const value = from[PROPERTIES[i]!];
      if (value !== undefined) this.#set(i, value, rank);
    }
    if (this.deferred !== null || deferred !== null) this.#defer(deferred, rank, false);
  }

  /** `from`'s declared properties, each at its rank plus `base`, over those of lower rank. */
  combine(from: RankedStyle, base: number): void {
    for (let i = 0; i < PROPERTIES.length; i++) {
      const rank = from.ranks[i]!;
      if (rank >= 0) this.#set(i, from.style[PROPERTIES[i]!], base + rank);
    }
    if (this.deferred !== null || from.deferred !== null) this.#defer(from.deferred, base, true);
  }

  /**
   * Drop the declarations with var() a plain one of higher rank now beats, then take `from`'s, each at its rank plus
   * `base` (`shift`) or at `base`: a plain declaration and one with var() of one field group compete by rank, as a
   * browser's cascade takes a declaration with var() as valid until its element resolves it.
   */
  #defer(from: DeferredLevel | null, base: number, shift: boolean): void {
    const into = (this.deferred ??= new DeferredLevel());
    for (const [group, decl] of into.pending) {
      if (this.#plainRank(decl) > into.pendingRanks.get(group)!) into.deletePending(group);
    }
    if (from === null) return;
    for (const [group, decl] of from.pending) {
      const rank = shift ? base + from.pendingRanks.get(group)! : base;
      if (this.#plainRank(decl) <= rank) into.setPending(group, decl, rank);
    }
    into.truncated ||= from.truncated;
    for (const [name, decl] of from.custom) {
      if (shift && into.taken >= MAX_CUSTOM_TAKEN) {
        into.truncated = true;
        return;
      }
      if (shift) into.taken++;
      into.setCustom(decl, shift ? base + from.customRanks.get(name)! : base);
    }
  }

  /** The highest rank of a plain declaration of the field group a declaration with var() sets. */
  #plainRank(decl: DeferredDecl): number {
    let rank = -1;
    for (const field of fieldsOf(decl.property)!) rank = Math.max(rank, this.ranks[INDEX.get(field)!]!);
    return rank;
  }

  #set(i: number, value: unknown, rank: number): void {
    if (rank <= this.ranks[i]!) return;
    this.ranks[i] = rank;
    (this.style as Record<keyof StyleDecls, unknown>)[PROPERTIES[i]!] = value;
  }
}

/**
 * Rules folded by rank: what they declare together, per precedence level. A selector's rules are folded as the
 * stylesheet is read (`add`); the rules an element matches are those folds combined into one (`combineInto`), which
 * css-style's cascade takes as one rule (`declarations`).
 */
export class FoldedRules {
  readonly #normal: RankedStyle;
  readonly #important: RankedStyle;

  constructor() {
    const empty = emptyDeclarations();
    this.#normal = new RankedStyle(empty.normal);
    this.#important = new RankedStyle(empty.important);
  }

  /** Fold one rule over those before it; `order` is its place in the stylesheet, above every rule folded before. */
  add(decls: Declarations, order: number): void {
    this.#normal.fold(decls.normal, decls.deferredNormal, order);
    this.#important.fold(decls.important, decls.deferredImportant, order);
  }

  /** Fold these rules into an element's, `tier` above their order (a rule of a higher tier wins whatever its order). */
  combineInto(into: FoldedRules, tier: number): void {
    into.#normal.combine(this.#normal, tier);
    into.#important.combine(this.#important, tier);
  }

  /** The steps (./css-budget.ts) of combining these into `into`: COMBINE_STEPS for the properties, DEFERRED_STEPS for
   * each declaration waiting for its element, of these and of `into` (each combine walks them, map by map). */
  stepsInto(into: FoldedRules): number {
    const deferred = [this.#normal, this.#important, into.#normal, into.#important].reduce(
      (n, level) => n + (level.deferred === null ? 0 : level.deferred.pending.size + level.deferred.custom.size),
      0,
    );
    return COMBINE_STEPS + DEFERRED_STEPS * deferred;
  }

  get declarations(): Declarations {
    const [normal, important] = [this.#normal, this.#important];
    return { normal: normal.style, important: important.style, deferredNormal: normal.deferred, deferredImportant: important.deferred }; // prettier-ignore
  }
}
