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
 * Pure. An element that declares none shares its parent's properties; one that does copies at most
 * MAX_CUSTOM_PROPERTIES of them, and computes each of its own once, at most MAX_VALUE_CHARS long.
 */
import type { Declarations } from "./css-style.js";
import { MAX_CUSTOM_PROPERTIES } from "./css-deferred.js";

/** Characters of a custom property's value, and of a declaration's value after substitution, at most. */
export const MAX_VALUE_CHARS = 256;
/** References followed at most from one value through the element's own properties and nested fallbacks. */
export const MAX_VAR_DEPTH = 16;

/** A value: a string; null for none (the guaranteed-invalid value); undefined when the reader cannot tell. */
export type Resolved = string | null | undefined;

/** The computed custom properties of an element, shared by the descendants that declare none. */
export class CustomProperties {
  constructor(
    readonly values: ReadonlyMap<string, Resolved>,
    /** Whether a name was left out past MAX_CUSTOM_PROPERTIES here or above: a name not held is then unknown. */
    readonly truncated: boolean,
    /** Values copied, computed and looked up making these: the work, for tests to bound. */
    readonly work = 0,
  ) {}

  get(name: string): Resolved {
    return this.values.has(name) ? this.values.get(name) : this.truncated ? undefined : null;
  }
}

/** Whether declarations have custom properties or declarations with var(). */
export const hasDeferred = (d: Declarations | null) => d !== null && (d.deferredNormal ?? d.deferredImportant) !== null;

/** An element's custom properties: its own declarations (`rules`, then `inline`, `!important` after both) computed
 * over its parent's; the parent's own when it declares none. */
export function elementProperties(
  parent: CustomProperties | null,
  rules: Declarations | null,
  inline: Declarations | null,
): CustomProperties | null {
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
  const values = new Map<string, Resolved>(parent?.values);
  const computation = new OwnComputation(own, parent, truncated);
  for (const name of own.keys()) {
    const value = computation.computed(name, 0);
    if (values.has(name) || values.size < MAX_CUSTOM_PROPERTIES) values.set(name, value);
    else truncated = true;
  }
  return new CustomProperties(values, truncated, values.size + computation.work);
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
  ) {}

  #inherited(name: string): Resolved {
    return this.parent ? this.parent.get(name) : this.truncated ? undefined : null;
  }

  /** A value that met a name still being computed is on the cycle found: either way it is final once computed. */
  computed(name: string, depth: number): Resolved {
    if (this.#done.has(name)) return this.#done.get(name);
    this.work++;
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

/** The substitution of an element's declarations with var(): against `properties` (null: none declared). */
export function substituter(properties: CustomProperties | null): (value: string) => Resolved {
  return (value) => substituteVars(value, (name) => (properties ? properties.get(name) : null));
}

/**
 * `value` with each var() replaced by the value `lookup` gives its name, or its fallback (itself substituted) when
 * that is null; null when one has neither; undefined when a lookup is unknown, a var() is not one this reads, or the
 * result passes MAX_VALUE_CHARS.
 */
export function substituteVars(value: string, lookup: (name: string) => Resolved, depth = 0): Resolved {
  if (depth > MAX_VAR_DEPTH) return undefined;
  let out = "";
  let from = 0;
  for (let at = varAt(value, 0); at >= 0; at = varAt(value, from)) {
    const open = at + 4;
    const close = closing(value, open);
    if (close < 0) return undefined;
    const inner = value.slice(open, close);
    const comma = inner.indexOf(",");
    const name = (comma < 0 ? inner : inner.slice(0, comma)).trim();
    if (!name.startsWith("--")) return undefined;
    let found = lookup(name);
    if (found === null && comma >= 0) found = substituteVars(inner.slice(comma + 1), lookup, depth + 1);
    if (found === null || found === undefined) return found;
    out += value.slice(from, at) + found;
    if (out.length > MAX_VALUE_CHARS) return undefined;
    from = close + 1;
  }
  if (from === 0) return value.length > MAX_VALUE_CHARS ? undefined : value;
  out += value.slice(from);
  return out.length > MAX_VALUE_CHARS ? undefined : out;
}

/** Where the next `var(` (in any case) at or after `from` starts, or -1. */
export function varAt(value: string, from: number): number {
  for (let open = value.indexOf("(", from); open >= 0; open = value.indexOf("(", open + 1)) {
    if (open - 3 >= from && (value.charCodeAt(open - 3) | 0x20) === 0x76 /* v */) {
      const [a, r] = [value.charCodeAt(open - 2) | 0x20, value.charCodeAt(open - 1) | 0x20];
      if (a === 0x61 /* a */ && r === 0x72 /* r */) return open - 3;
    }
  }
  return -1;
}

/** The index of the ")" that closes the parenthesis opened just before `open`, or -1. */
function closing(value: string, open: number): number {
  let depth = 1;
  for (let i = open; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x28 /* ( */) depth++;
    else if (c === 0x29 /* ) */ && --depth === 0) return i;
  }
  return -1;
}
