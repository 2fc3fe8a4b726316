/**
 * Whether a `@media` query list (Media Queries level 4: types, `only`, `not`, `and`, `or`, features with min-/max-
 * and range syntax) matches one reference reader: a desktop mail client (READER). Its answer decides whether the rules
 * of the block hide text (./css-at-rules.ts). As in a browser, a feature this reader does not know, or one written
 * wrongly, is "unknown" (`<general-enclosed>`), which `not` leaves unknown and a query as a whole takes as false; a
 * query that does not parse is "not all"; the other queries of its list still count. Pure: no I/O.
 */
import { anyListItem, tokenize, type Token, type Work } from "./css-prelude-tokens.js";

/**
 * The reader's viewport, in px. A desktop client's reading pane is some 700–1,000 px wide; 800 lies above the
 * breakpoints at which newsletters switch to their phone layout (max-width 480–767px) and at or above the widths
 * from which they show the desktop one (min-width 600–768px), so the reader sees the layout a desktop reader sees.
 */
export const VIEWPORT_WIDTH = 800;
const VIEWPORT_HEIGHT = 600;
/** The font size em and rem stand for in a media query: the initial one. */
const EM_PX = 16;

export type RangeType = "length" | "ratio" | "resolution" | "integer" | "number";

/** The features a query may test and the reader's value of each (./css-container.ts has its own). */
export interface Features {
  /** Range features (these take min-/max- prefixes and the range syntax): their type and the reader's value. */
  range: ReadonlyMap<string, [RangeType, number]>;
  /** Discrete features: the reader's value (first) and the others the feature takes. */
  discrete: ReadonlyMap<string, readonly string[]>;
}

/** The reader's value of each range feature (these take min-/max- prefixes and the range syntax). */
const RANGE = new Map<string, [RangeType, number]>([
  ["width", ["length", VIEWPORT_WIDTH]],
  ["height", ["length", VIEWPORT_HEIGHT]],
  ["device-width", ["length", VIEWPORT_WIDTH]],
  ["device-height", ["length", VIEWPORT_HEIGHT]],
  ["aspect-ratio", ["ratio", VIEWPORT_WIDTH / VIEWPORT_HEIGHT]],
  ["device-aspect-ratio", ["ratio", VIEWPORT_WIDTH / VIEWPORT_HEIGHT]],
  ["resolution", ["resolution", 1]],
  ["-webkit-device-pixel-ratio", ["number", 1]],
  ["color", ["integer", 8]],
  ["color-index", ["integer", 0]],
  ["monochrome", ["integer", 0]],
]);

/** The reader's value of each discrete feature (first) and the others the feature takes. Colour, light scheme,
 * a mouse (fine pointer with hover), no scripting (mail clients run none), no accessibility preference. */
const DISCRETE = new Map<string, readonly string[]>([
  ["orientation", ["landscape", "portrait"]],
  ["prefers-color-scheme", ["light", "dark"]],
  ["hover", ["hover", "none"]],
  ["any-hover", ["hover", "none"]],
  ["pointer", ["fine", "coarse", "none"]],
  ["any-pointer", ["fine", "coarse", "none"]],
  ["scripting", ["none", "initial-only", "enabled"]],
  ["prefers-reduced-motion", ["no-preference", "reduce"]],
  ["prefers-reduced-transparency", ["no-preference", "reduce"]],
  ["prefers-reduced-data", ["no-preference", "reduce"]],
  ["prefers-contrast", ["no-preference", "more", "less", "custom"]],
  ["forced-colors", ["none", "active"]],
  ["inverted-colors", ["none", "inverted"]],
  ["update", ["fast", "slow", "none"]],
  ["overflow-block", ["scroll", "none", "paged"]],
  ["overflow-inline", ["scroll", "none"]],
  ["color-gamut", ["srgb", "p3", "rec2020"]],
  ["dynamic-range", ["standard", "high"]],
  ["video-dynamic-range", ["standard", "high"]],
  ["display-mode", ["browser", "fullscreen", "standalone", "minimal-ui", "picture-in-picture"]],
  ["grid", ["0", "1"]],
  ["-webkit-transform-3d", ["1", "0"]],
]);

const MEDIA: Features = { range: RANGE, discrete: DISCRETE };

/** Values of a discrete feature that are false in a boolean context (`(scripting)`, `(prefers-contrast)`). */
const FALSE_IN_BOOLEAN = new Set(["none", "no-preference", "0"]);

const LENGTH_PX = new Map<string, number>([
  ["px", 1],
  ["em", EM_PX],
  ["rem", EM_PX],
  ["pt", 96 / 72],
  ["pc", 16],
  ["in", 96],
  ["cm", 96 / 2.54],
  ["mm", 96 / 25.4],
  ["q", 96 / 101.6],
  ["vw", VIEWPORT_WIDTH / 100],
  ["vh", VIEWPORT_HEIGHT / 100],
  ["vmin", Math.min(VIEWPORT_WIDTH, VIEWPORT_HEIGHT) / 100],
  ["vmax", Math.max(VIEWPORT_WIDTH, VIEWPORT_HEIGHT) / 100],
]);
const RESOLUTION_DPPX = new Map<string, number>([
  ["dppx", 1],
  ["x", 1],
  ["dpi", 1 / 96],
  ["dpcm", 2.54 / 96],
]);

/** Media types: `all` and `screen` are the reader's; print, speech and the deprecated or unknown ones match none. */
const READER_TYPES = new Set(["all", "screen"]);
/** Names that cannot be a media type. */
const NOT_TYPES = new Set(["and", "or", "not", "only", "layer"]);

/** A condition's value: true, false, or null for unknown. */
type Tri = boolean | null;
const and = (a: Tri, b: Tri): Tri => (a === false || b === false ? false : a === null || b === null ? null : true);
const or = (a: Tri, b: Tri): Tri => (a === true || b === true ? true : a === null || b === null ? null : false);
const not = (a: Tri): Tri => (a === null ? null : !a);

/** Thrown where a query does not parse; caught by the brackets around it (unknown) or the query (false). */
const MALFORMED = new Error("malformed media query");

/**
 * Whether the query list `text` (a `@media` prelude without `@media`) matches the reference reader: true when any of
 * its queries does; an empty list matches all.
 */
export function mediaMatches(text: string, work?: Work): boolean {
  const tokens = tokenize(text, work);
  if (!tokens) return false;
  if (tokens.length === 0) return true;
  const parser = new MediaParser(tokens, MEDIA, work);
  return anyListItem(tokens, (from, to) => parser.query(from, to));
}

export class MediaParser {
  constructor(
    private readonly t: readonly Token[],
    private readonly features: Features,
    private readonly work: Work | undefined,
  ) {}

  /** Whether the condition of tokens [from, to) (`(a) and (b)`, `not (a)`, `(a) or (b)`) holds; false when it does
   * not parse or is unknown. */
  condition(from: number, to: number): boolean {
    try {
      return this.#condition(from, to, true) === true;
    } catch (e) {
      if (e !== MALFORMED) throw e;
      return false;
    }
  }

  /** Whether the query of tokens [from, to) matches; false when it does not parse ("not all"). */
  query(from: number, to: number): boolean {
    try {
      return this.#query(from, to) === true;
    } catch (e) {
      if (e !== MALFORMED) throw e;
      return false;
    }
  }

  #query(from: number, to: number): Tri {
    const first = this.#ident(from);
    if (first === null || (first === "not" && this.t[from + 1]?.kind !== "ident"))
      return this.#condition(from, to, true);
    const prefixed = first === "not" || first === "only";
    const type = prefixed ? this.#ident(from + 1) : first;
    if (type === null || NOT_TYPES.has(type)) throw MALFORMED;
    let i = prefixed ? from + 2 : from + 1;
    let matches: Tri = READER_TYPES.has(type);
    if (i < to) {
      if (this.#ident(i) !== "and") throw MALFORMED;
      matches = and(matches, this.#condition(++i, to, false));
    }
    return first === "not" ? not(matches) : matches;
  }

  #ident(i: number): string | null {
    const t = this.t[i];
    return t?.kind === "ident" ? t.text : null;
  }

  /** A condition of tokens [from, to): `not (…)`, or bracketed parts joined by `and` or (where allowed) by `or`. */
  #condition(from: number, to: number, allowOr: boolean): Tri {
    if (this.#ident(from) === "not") {
      const [value, end] = this.#inParens(from + 1, to);
      if (end !== to) throw MALFORMED;
      return not(value);
    }
    let [value, i] = this.#inParens(from, to);
    const op = i < to ? this.#ident(i) : null;
    if (i < to && op !== "and" && !(op === "or" && allowOr)) throw MALFORMED;
    while (i < to) {
      if (this.#ident(i) !== op) throw MALFORMED;
      const [next, end] = this.#inParens(i + 1, to);
      value = op === "and" ? and(value, next) : or(value, next);
      i = end;
    }
    return value;
  }

  /** A bracketed condition or feature at i, unknown when its content does not parse; its value and where it ends. */
  #inParens(i: number, to: number): [Tri, number] {
    if (this.work) this.work.steps++;
    const t = this.t[i];
    if (i >= to || !t || (t.kind !== "(" && t.kind !== "function")) throw MALFORMED;
    if (t.kind === "function") return [null, t.match + 1];
    const inner = this.t[i + 1];
    try {
      const nested = inner?.kind === "(" || (inner?.kind === "ident" && inner.text === "not");
      return [nested ? this.#condition(i + 1, t.match, true) : this.#feature(i + 1, t.match), t.match + 1];
    } catch (e) {
      if (e !== MALFORMED) throw e;
      return [null, t.match + 1];
    }
  }

  /** A feature of tokens [from, to): `(name)`, `(name: value)`, `(name < value)`, `(v1 < name < v2)`. */
  #feature(from: number, to: number): Tri {
    const name = this.#ident(from);
    const f = this.features;
    if (name !== null && to === from + 1) return booleanFeature(f, name);
    if (name !== null && this.t[from + 1]?.kind === ":") return plainFeature(f, name, this.t.slice(from + 2, to));
    const ops: number[] = [];
    for (let i = from; i < to && ops.length < 3; i++) if (this.t[i]!.kind === "compare") ops.push(i);
    const [k1, k2] = ops;
    if (k1 === undefined || ops.length > 2) throw MALFORMED;
    const op1 = this.t[k1]!.text;
    if (k2 === undefined) {
      if (name !== null && k1 === from + 1) return range(f, name, op1, this.t.slice(k1 + 1, to));
      const last = this.#ident(to - 1);
      if (last === null || k1 !== to - 2) throw MALFORMED;
      return range(f, last, flip(op1), this.t.slice(from, k1));
    }
    const middle = this.#ident(k1 + 1);
    const op2 = this.t[k2]!.text;
    if (middle === null || k2 !== k1 + 2 || op1[0] !== op2[0] || op1 === "=") throw MALFORMED;
    const [low, high] = [this.t.slice(from, k1), this.t.slice(k2 + 1, to)];
    return and(range(f, middle, flip(op1), low), range(f, middle, op2, high));
  }
}

/** `a < b` read from b's side: `b > a`. */
const flip = (op: string) => (op[0] === "<" ? ">" : op[0] === ">" ? "<" : "") + op.slice(1);

function booleanFeature(f: Features, name: string): Tri {
  const ranged = f.range.get(name);
  if (ranged) return ranged[1] !== 0;
  const values = f.discrete.get(name);
  if (!values) throw MALFORMED;
  return !FALSE_IN_BOOLEAN.has(values[0]!);
}

function plainFeature(f: Features, name: string, value: readonly Token[]): Tri {
  const values = f.discrete.get(name);
  if (values) {
    const [t] = value;
    const text = t?.kind === "number" ? String(t.value) : t?.kind === "ident" ? t.text : null;
    if (value.length !== 1 || text === null || !values.includes(text)) throw MALFORMED;
    return text === values[0];
  }
  const prefix = name.startsWith("-webkit-") ? "-webkit-" : "";
  const bound = name.slice(prefix.length, prefix.length + 4);
  if (bound === "min-") return range(f, prefix + name.slice(prefix.length + 4), ">=", value);
  if (bound === "max-") return range(f, prefix + name.slice(prefix.length + 4), "<=", value);
  return range(f, name, "=", value);
}

/** Whether the reader's value of a range feature stands in `op` to `value`. */
function range(f: Features, name: string, op: string, value: readonly Token[]): Tri {
  const feature = f.range.get(name);
  if (!feature) throw MALFORMED;
  const given = valueOf(feature[0], value);
  const actual = feature[1];
  const same = Math.abs(actual - given) <= 1e-9 * Math.max(1, Math.abs(actual), Math.abs(given));
  if (op === "=") return same;
  if (op === "<" || op === "<=") return actual < given || (op === "<=" && same);
  if (op === ">" || op === ">=") return actual > given || (op === ">=" && same);
  throw MALFORMED;
}

/** A value in the feature's unit (px, dppx, a number), or MALFORMED when it is not one of its type. */
function valueOf(type: RangeType, value: readonly Token[]): number {
  const [t, slash, d] = value;
  if (type === "ratio" && value.length === 3 && slash?.kind === "/" && t?.kind === "number" && d?.kind === "number") {
    if (t.value < 0 || d.value < 0 || (t.value === 0 && d.value === 0)) throw MALFORMED;
    return t.value / d.value;
  }
  if (value.length !== 1 || !t) throw MALFORMED;
  if (t.kind === "number") {
    if (type === "length" && t.value === 0) return 0;
    if (type === "integer" && Number.isInteger(t.value)) return t.value;
    if ((type === "ratio" && t.value >= 0) || type === "number") return t.value;
  } else if (t.kind === "dimension") {
    const scale = (type === "length" ? LENGTH_PX : type === "resolution" ? RESOLUTION_DPPX : null)?.get(t.text);
    if (scale !== undefined) return t.value * scale;
  }
  throw MALFORMED;
}
