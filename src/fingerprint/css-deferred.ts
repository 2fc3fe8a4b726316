/**
 * Declarations whose values wait for the element they apply to: custom properties (`--x: …`) and declarations of a
 * property the reader reads whose value has `var()`. ./css-style.ts keeps them as written beside a block's other
 * declarations, ./css-fold.ts folds them by rank with a rule's others, and ./css-custom-properties.ts reads them at the
 * element. A block without them carries none (null), so documents that do not use them pay nothing. Pure.
 */

/** Custom properties one declaration block, one folded rule set, one element's rules and one element (with what it
 * inherits) keep at most; one past it is left out, and a var() naming one not kept is read as before (`truncated`). */
export const MAX_CUSTOM_PROPERTIES = 64;
/** Custom property declarations an element takes from its rules at most (repeats of one name included). */
export const MAX_CUSTOM_TAKEN = MAX_CUSTOM_PROPERTIES;

/** One deferred declaration: its property as written (a custom property's name keeps its case) and its value. */
export interface DeferredDecl {
  property: string;
  value: string;
}

/**
 * The deferred declarations of one precedence level (normal or `!important`), each with its rank among the
 * declarations it is folded with (./css-fold.ts; 0 inside one block, where a later one wins).
 */
export class DeferredLevel {
  /** Custom properties by name. */
  readonly custom = new Map<string, DeferredDecl>();
  readonly customRanks = new Map<string, number>();
  /** Declarations with var() by the first StyleDecls field their property sets (./css-style.ts, fieldsOf): at most
   * one a field group, the one of highest rank. */
  readonly pending = new Map<string, DeferredDecl>();
  readonly pendingRanks = new Map<string, number>();
  /** Whether a custom property was left out past MAX_CUSTOM_PROPERTIES (or MAX_CUSTOM_TAKEN). */
  truncated = false;
  /** Custom property declarations taken (MAX_CUSTOM_TAKEN). */
  taken = 0;

  /** Keep a custom property's declaration over one of no higher rank; a new name past the cap is left out. */
  setCustom(decl: DeferredDecl, rank: number): void {
    const held = this.customRanks.get(decl.property);
    if (held === undefined && this.custom.size >= MAX_CUSTOM_PROPERTIES) this.truncated = true;
    else if (held === undefined || rank >= held) {
      this.custom.set(decl.property, decl);
      this.customRanks.set(decl.property, rank);
    }
  }

  /** Keep a declaration with var() over the one of its field group of no higher rank. */
  setPending(group: string, decl: DeferredDecl, rank: number): void {
    const held = this.pendingRanks.get(group);
    if (held !== undefined && rank < held) return;
    this.pending.set(group, decl);
    this.pendingRanks.set(group, rank);
  }

  deletePending(group: string): void {
    this.pending.delete(group);
    this.pendingRanks.delete(group);
  }
}
