/**
 * CSS custom properties (`--x: …`) and `var()` for the visibility reader (./html-visibility.ts): an element's custom
 * properties are those it declares (its rules and style attribute, by the cascade) over those it inherits (all custom
 * properties inherit), each computed where it is declared, var() substituted, as CSS computes them; a declaration of a
 * property the reader reads whose value has var() is resolved at its element (./css-style.ts, cascade).
 *
 * As the spec has it: a var() naming a property with no value (never declared, `initial`, or on a reference cycle)
 * takes its fallback, and with none the declaration is invalid at computed-value time: the property is `unset`, its
 * inherited value for visibility, colour and font size, its initial one (shown) for the rest. Where this reader cannot
 * tell (a name past MAX_CUSTOM_PROPERTIES, a value past MAX_VALUE_CHARS, nesting past MAX_VAR_DEPTH, a var() it does
 * not parse) the declaration is read as written, as before var() was read: it hides nothing it did not hide then.
 *
 * Pure. An element that declares none, or only the values its parent has, shares its parent's properties; one that
 * does holds its own and a link to its parent's (a copy of at most MAX_CUSTOM_PROPERTIES every MAX_LINKS), computes
 * each of its own once, at most MAX_VALUE_CHARS long, and the open elements hold at most MAX_HELD_VALUES.
 */
import type { Declarations } from "./css-style.js";
import type { CascadeBudget } from "./css-budget.js";
import { MAX_CUSTOM_PROPERTIES } from "./css-deferred.js";

/** Characters of a custom property's value, and of a declaration's value after substitution, at most. */
export const MAX_VALUE_CHARS = 256;
/** References followed at most from one value through the element's own properties and nested fallbacks. */
export const MAX_VAR_DEPTH = 16;

/** A value: a string; null for none (the guaranteed-invalid value); undefined when the reader cannot tell. */
export type Resolved = string | null | undefined;

/** Links from an element's custom properties to an ancestor's at most: one past it holds a copy of all it sees
 * (at most MAX_CUSTOM_PROPERTIES), so a lookup walks a bounded number of maps. */
const MAX_LINKS = 8;
/** Values the custom properties of the open elements hold at most together (each element its own and a copy every
 * MAX_LINKS): past it an element's are not computed, and a var() below it is read as written. 60,000 nested
 * elements each declaring 64 ran the thread's 128 MB heap out; mail declares them on a few elements. */
export const MAX_HELD_VALUES = 16 * 1024;

/** The computed custom properties of an element: its own values and a link to its nearest ancestor's that declared
 * any (no copy of them), shared by the descendants that declare none. */
export class CustomProperties {
  /** Links walked from here to the last copy; values held here and by every ancestor's linked to; names seen. */
  readonly links: number;
  readonly held: number;
  readonly size: number;

  constructor(
    /** Its own values (all those it sees when `parent` is null). */
    readonly values: ReadonlyMap<string, Resolved>,
    /** Whether a name was left out past MAX_CUSTOM_PROPERTIES here or above: a name not held is then unknown. */
    readonly truncated: boolean,
    /** Values copied, computed and looked up making these: the work, for tests to bound. */
    readonly work = 0,
    readonly parent: CustomProperties | null = null,
    /** Past MAX_HELD_VALUES: no name is known here or below. */
    readonly exhausted = false,
    /** Values the ancestors' hold (a copy's, whose ancestors still hold theirs while it is open). */
    heldAbove = parent?.held ?? 0,
  ) {
    this.links = parent ? parent.links + 1 : 0;
    this.held = heldAbove + values.size;
    let size = parent?.size ?? 0;
    for (const name of values.keys()) if (!parent?.has(name)) size++;
    this.size = size;
  }

  has(name: string): boolean {
    return this.#holder(name) !== null;
  }

  get(name: string): Resolved {
    if (this.exhausted) return undefined;
    const holder = this.#holder(name);
    return holder ? holder.values.get(name) : this.truncated ? undefined : null;
  }

  /** The nearest of these and the ones linked to that holds `name` (at most MAX_LINKS links away), or null. */
  #holder(name: string): CustomProperties | null {
    if (this.values.has(name)) return this;
    return this.parent === null ? null : this.parent.#holder(name);
  }

  /** Every value it sees, the nearest of each name: for a copy that ends a run of links. */
  all(): Map<string, Resolved> {
    const all = this.parent === null ? new Map<string, Resolved>() : this.parent.all();
    for (const [name, value] of this.values) all.set(name, value);
    return all;
  }
}

/** Where none can be known any more (MAX_HELD_VALUES). */
const EXHAUSTED = new CustomProperties(new Map(), true, 0, null, true);

/** Whether declarations have custom properties or declarations with var(). */
export const hasDeferred = (d: Declarations | null) => d !== null && (d.deferredNormal ?? d.deferredImportant) !== null;

/** An element's custom properties: its own declarations (`rules`, then `inline`, `!important` after both) computed
 * over its parent's; the parent's own when it declares none or only the values it has. Each value computed spends
 * `budget` (./css-budget.ts): past it, a value is not known. */
export function elementProperties(
  parent: CustomProperties | null,
  rules: Declarations | null,
  inline: Declarations | null,
  budget?: CascadeBudget,
): CustomProperties | null {
  if (parent?.exhausted) return parent;
  const own = new Map<string, string>();
  let truncated = parent?.truncated ?? false;
  for (const level of [
    rules?.deferredNormal,
    inline?.deferredNormal,
    rules?.deferredImportant,
    inline?.deferredImportant,
  ]) {
    // prettier-ignore
    if (!level) continue;
    truncated ||= level.truncated;
    for (const [name, decl] of level.custom) own.set(name, decl.value);
  }
  if (own.size === 0 && truncated === (parent?.truncated ?? false)) return parent;
  const values = new Map<string, Resolved>();
  const computation = new OwnComputation(own, parent, truncated, budget);
  let size = parent?.size ?? 0;
  let same = truncated === (parent?.truncated ?? false);
  for (const name of own.keys()) {
    const value = computation.computed(name, 0);
    const known = parent?.has(name) ?? false;
    if (!known && size >= MAX_CUSTOM_PROPERTIES) {
      [truncated, same] = [true, false];
      continue;
    }
    if (!known) size++;
    same &&= known && parent!.get(name) === value;
    values.set(name, value);
  }
  // the same values as the parent's (each nested element of a rule that declares them): nothing held of its own
  if (same && parent !== null) return parent;
  const work = values.size + computation.work;
  if ((parent?.held ?? 0) + values.size > MAX_HELD_VALUES) return EXHAUSTED;
  if (parent === null || parent.links < MAX_LINKS) return new CustomProperties(values, truncated, work, parent);
  const all = parent.all();
  for (const [name, value] of values) all.set(name, value);
  return new CustomProperties(all, truncated, work + all.size, null, false, parent.held);
}

/** The computed values of one element's own custom properties: each once, var() substituted against its own others
 * and what it inherits; on a reference cycle, none. */
class OwnComputation {
  work = 0;
  readonly #done = new Map<string, Resolved>();
  /** The names being computed, outermost first, and those found on a cycle. */
  readonly #computing = new Set<string>();
  readonly #cyclic = new Set<string>();

  constructor(
    readonly own: ReadonlyMap<string, string>,
    readonly parent: CustomProperties | null,
    readonly truncated: boolean,
    readonly budget?: CascadeBudget,
  ) {}

  #inherited(name: string): Resolved {
    return this.parent ? this.parent.get(name) : this.truncated ? undefined : null;
  }

  /** A value that met a name still being computed is on the cycle found: either way it is final once computed. */
  computed(name: string, depth: number): Resolved {
    if (this.#done.has(name)) return this.#done.get(name);
    this.work++;
    // a value computed is kept too: twice the steps of a substitution (measured)
    if (this.budget && !this.budget.spend(2 * valueSteps(this.own.get(name)!))) return undefined;
    const value = this.#compute(name, depth);
    this.#done.set(name, value);
    return value;
  }

  #compute(name: string, depth: number): Resolved {
    if (this.#computing.has(name)) {
      // a reference cycle: every property on it has no value (CSS Variables, "dependency cycles")
      let on = false;
      for (const n of this.#computing) if ((on ||= n === name)) this.#cyclic.add(n);
      return null;
    }
    const raw = this.own.get(name)!;
    if (raw.length <= 12) {
      const keyword = raw.toLowerCase();
      if (keyword === "initial") return null;
      if (keyword === "inherit" || keyword === "unset" || keyword === "revert" || keyword === "revert-layer")
        return this.#inherited(name);
    }
    if (raw.length > MAX_VALUE_CHARS || depth > MAX_VAR_DEPTH) return undefined;
    if (varAt(raw, 0) < 0) return raw;
    this.#computing.add(name);
    const value = substituteVars(raw, (n) => {
      this.work++;
      return this.own.has(n) ? this.computed(n, depth + 1) : this.#inherited(n);
    });
    this.#computing.delete(name);
    return this.#cyclic.has(name) ? null : value;
  }
}

/** The steps of substituting in a value (./css-budget.ts): one, and one for each 8 characters (a var() and its
 * lookup at most). */
export const valueSteps = (value: string) => 1 + (value.length >> 3);

/** The substitution of an element's declarations with var(): against `properties` (null: none declared); each
 * spends `budget`, and past it the value is not known (read as written). */
export function substituter(properties: CustomProperties | null, budget?: CascadeBudget): (value: string) => Resolved {
  return (value) => {
    if (budget && !budget.spend(valueSteps(value))) return undefined;
    return substituteVars(value, (name) => (properties ? properties.get(name) : null));
  };
}

/**
 * `value` with each var() replaced by the value `lookup` gives its name, or its fallback (itself substituted) when
 * that is null; null when one has neither; undefined when a lookup is unknown, a var() is not one this reads, or the
 * result passes MAX_VALUE_CHARS. One pass: the parentheses are paired once, so a chain of nested fallbacks is not read
 * again at each level.
 */
export function substituteVars(value: string, lookup: (name: string) => Resolved): Resolved {
  if (varAt(value, 0) < 0) return value.length > MAX_VALUE_CHARS ? undefined : value;
  return substituteRange(value, 0, value.length, closers(value), lookup, 0);
}

/** `substituteVars` of the part of `value` from `start` to `end`, `depth` fallbacks in. */
function substituteRange(
  value: string,
  start: number,
  end: number,
  close: Int32Array,
  lookup: (name: string) => Resolved,
  depth: number,
): Resolved {
  if (depth > MAX_VAR_DEPTH) return undefined;
  let out = "";
  let from = start;
  for (let at = varAt(value, from, end); at >= 0; at = varAt(value, from, end)) {
    const open = at + 4;
    const closed = close[at + 3]!;
    if (closed < 0 || closed >= end) return undefined;
    let comma = open;
    while (comma < closed && value.charCodeAt(comma) !== 0x2c /* , */) comma++;
    const name = value.slice(open, comma).trim();
    if (!name.startsWith("--")) return undefined;
    let found = lookup(name);
    if (found === null && comma < closed) found = substituteRange(value, comma + 1, closed, close, lookup, depth + 1);
    if (found === null || found === undefined) return found;
    out += value.slice(from, at) + found;
    if (out.length > MAX_VALUE_CHARS) return undefined;
    from = closed + 1;
  }
  if (from === start) return end - start > MAX_VALUE_CHARS ? undefined : value.slice(start, end);
  out += value.slice(from, end);
  return out.length > MAX_VALUE_CHARS ? undefined : out;
}

/** Where the next `var(` (in any case) at or after `from` and before `end` starts, or -1. */
export function varAt(value: string, from: number, end = value.length): number {
  for (let open = from + 3; open < end; open++) {
    if (value.charCodeAt(open) !== 0x28 /* ( */ || (value.charCodeAt(open - 3) | 0x20) !== 0x76 /* v */) continue;
    const [a, r] = [value.charCodeAt(open - 2) | 0x20, value.charCodeAt(open - 1) | 0x20];
    if (a === 0x61 /* a */ && r === 0x72 /* r */) return open - 3;
  }
  return -1;
}

/** For each "(" of `value`, the index of the ")" that closes it (-1: none), paired in one pass. */
function closers(value: string): Int32Array {
  const close = new Int32Array(value.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x28 /* ( */) open.push(i);
    else if (c === 0x29 /* ) */ && open.length > 0) close[open.pop()!] = i;
  }
  return close;
}
