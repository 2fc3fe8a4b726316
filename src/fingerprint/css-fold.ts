/**
 * Declarations folded by precedence, for ./css-sheet.ts: a stylesheet folds the rules of one selector into a
 * FoldedRules as it reads them, and an element combines the FoldedRules of the selectors it matches, so that an
 * element costs the selectors it matches, not the rules they have. Each property keeps its winning value and the rank
 * it wins by (tier, then stylesheet order): css-style's cascade overlays property by property, a later rule over an
 * earlier one, so the value a run of overlays leaves is the declared one of highest rank. Pure: no I/O.
 */
import { emptyDeclarations, type Declarations, type StyleDecls } from "./css-style.js";

/** Every property of StyleDecls, in the order of the shared hidden class. */
const PROPERTIES = Object.keys(emptyDeclarations().normal) as (keyof StyleDecls)[];

/** One precedence level (normal or `!important`): per property the winning value and its rank, -1 when undeclared. */
class RankedStyle {
  readonly ranks = new Int32Array(PROPERTIES.length).fill(-1);

  constructor(readonly style: StyleDecls) {}

  /** `from`'s declared properties, all at `rank`, over those of lower rank. */
  fold(from: StyleDecls, rank: number): void {
    for (let i = 0; i < PROPERTIES.length; i++) {
      const value = from[PROPERTIES[i]!];
      if (value !== undefined) this.#set(i, value, rank);
    }
  }

  /** `from`'s declared properties, each at its rank plus `base`, over those of lower rank. */
  combine(from: RankedStyle, base: number): void {
    for (let i = 0; i < PROPERTIES.length; i++) {
      const rank = from.ranks[i]!;
      if (rank >= 0) this.#set(i, from.style[PROPERTIES[i]!], base + rank);
    }
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
    this.#normal.fold(decls.normal, order);
    this.#important.fold(decls.important, order);
  }

  /** Fold these rules into an element's, `tier` above their order (a rule of a higher tier wins whatever its order). */
  combineInto(into: FoldedRules, tier: number): void {
    into.#normal.combine(this.#normal, tier);
    into.#important.combine(this.#important, tier);
  }

  get declarations(): Declarations {
    return { normal: this.#normal.style, important: this.#important.style };
  }
}
