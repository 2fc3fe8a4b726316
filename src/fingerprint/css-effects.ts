/**
 * Declarations that paint an element out of sight without a box or a colour of their own, for ./css-style.ts: a
 * transform that moves it far off the page or shrinks it to nothing (`translateX(-9999px)`, `translate3d(…)`,
 * `matrix(…)`, `scale(0.01)`, `rotateX(90deg)`), and the standalone `translate` and `scale` properties that do the
 * same (`translate: -9999px`, `scale: 0`); the opacity and the blur a filter gives it (`opacity(0)`, `blur(8px)`,
 * among other functions), `content-visibility: hidden`, and `-webkit-text-fill-color`, which WebKit and Blink paint
 * text with instead of `color` (and through which a background clipped to the text shows: gradient text). The
 * functions of a list are combined without the geometry between them (a rotation does not turn a later translation):
 * translations add up, scales multiply. `translate`, `scale` and `transform` are each judged alone (a browser applies
 * them in turn: one that brings back what another moved away is not modelled). Pure: no I/O; one pass over a value,
 * at most MAX_FUNCTIONS functions or MAX_PARTS parts read.
 */
import { CURRENT_COLOUR } from "./css-colours.js";
import { lengthOrMathPx } from "./css-calc.js";
import type { Work } from "./css-prelude-tokens.js";
import { lengthPx, parseColour } from "./css-values.js";

/** What these declarations of one element say; an absent field was not declared (./css-style.ts, StyleDecls). */
export interface EffectDecls {
  /** A transform that moves it far off the page or shrinks it to nothing. */
  scaledAway?: boolean;
  /** A `translate` far off the page, a `scale` that shrinks it to nothing. */
  translateFar?: boolean;
  scaleTiny?: boolean;
  /** The opacity its filter gives it, 0 to 1. */
  filterOpacity?: number;
  /** The radius, in px, of the blur its filter gives it (the Gaussian's standard deviation; 0 for none). */
  filterBlur?: number;
  contentHidden?: boolean;
  /** The colour text is painted with: 0xRRGGBB, TRANSPARENT, or CURRENT_COLOUR (its `color`). */
  textFill?: number;
  /** `background-clip: text`: the background shows through the text's fill (gradient text). */
  clipText?: boolean;
}

/** Apply one declaration (property and value lowercased and trimmed) of those EffectDecls names to `into`; `farPx`:
 * an offset at least this far to the left or top puts a box off the page. */
export function declareEffect(property: string, value: string, into: EffectDecls, farPx: number): void {
  switch (property) {
    case "transform":
    case "-webkit-transform":
      into.scaledAway = transformHides(value, farPx);
      return;
    case "translate":
      into.translateFar = translateFar(value, farPx);
      return;
    case "scale":
      into.scaleTiny = scaleTiny(value);
      return;
    case "filter":
    case "-webkit-filter":
      [into.filterOpacity, into.filterBlur] = filterEffects(value);
      return;
    case "content-visibility":
      into.contentHidden = value === "hidden";
      return;
    case "background-clip":
    case "-webkit-background-clip":
      into.clipText = value.includes("text");
      return;
    case "-webkit-text-fill-color": {
      const c = value === "currentcolor" || value === "initial" ? CURRENT_COLOUR : parseColour(value);
      if (c !== null) into.textFill = c;
    }
  }
}

/** Functions of one value read at most. */
const MAX_FUNCTIONS = 16;
/** A scale at most this leaves text under a tenth of its size (as ./html-visibility.ts's TINY_FONT_FACTOR). */
const TINY_SCALE = 0.1;

/** The functions of a value (`name(a, b) name(c)`), names lowercase as given, arguments split at commas or spaces. */
function functionsOf(value: string): { name: string; args: string[] }[] {
  const found: { name: string; args: string[] }[] = [];
  let i = 0;
  while (found.length < MAX_FUNCTIONS) {
    const open = value.indexOf("(", i);
    if (open < 0) break;
    const close = value.indexOf(")", open);
    if (close < 0) break;
    let start = open;
    while (start > i && isNameChar(value.charCodeAt(start - 1))) start--;
    const args = value
      .slice(open + 1, close)
      .split(/[\s,]+/)
      .filter((a) => a !== "");
    found.push({ name: value.slice(start, open), args });
    i = close + 1;
  }
  return found;
}

/** Whether a `transform` moves an element at least `farPx` to the left or top, or shrinks it to nothing. */
function transformHides(value: string, farPx: number): boolean {
  if (!value.includes("(")) return false;
  let [x, y, scaleX, scaleY] = [0, 0, 1, 1];
  for (const { name, args } of functionsOf(value)) {
    const [a, b] = [args[0] ?? "", args[1] ?? ""];
    switch (name) {
      case "translate":
      case "translate3d":
        [x, y] = [x + offset(a), y + offset(b)];
        break;
      case "translatex":
        x += offset(a);
        break;
      case "translatey":
        y += offset(a);
        break;
      case "scale":
      case "scale3d":
        [scaleX, scaleY] = [scaleX * factor(a), scaleY * (args.length > 1 ? factor(b) : factor(a))];
        break;
      case "scalex":
        scaleX *= factor(a);
        break;
      case "scaley":
        scaleY *= factor(a);
        break;
      case "rotatex":
        scaleY *= Math.cos(radians(a));
        break;
      case "rotatey":
        scaleX *= Math.cos(radians(a));
        break;
      case "matrix":
      case "matrix3d": {
        const m = args.map(Number);
        const [tx, ty] = name === "matrix" ? [m[4], m[5]] : [m[12], m[13]];
        const columns = name === "matrix" ? [m[0], m[1], m[2], m[3]] : [m[0], m[1], m[4], m[5]];
        x += Number.isFinite(tx) ? tx! : 0;
        y += Number.isFinite(ty) ? ty! : 0;
        if (columns.every(Number.isFinite)) {
          scaleX *= Math.hypot(columns[0]!, columns[1]!);
          scaleY *= Math.hypot(columns[2]!, columns[3]!);
        }
      }
    }
  }
  return x <= -farPx || y <= -farPx || Math.abs(scaleX) <= TINY_SCALE || Math.abs(scaleY) <= TINY_SCALE;
}

/** The opacity a `filter` gives an element (the product of its `opacity()` functions, 1 by default, 0 to 1) and its
 * blur (the radius of its `blur()` functions together, px: blurs in turn add up as the variances of Gaussians do). */
function filterEffects(value: string): [opacity: number, blur: number] {
  if (!value.includes("(")) return [1, 0];
  let [opacity, variance] = [1, 0];
  for (const { name, args } of functionsOf(value)) {
    if (args[0] === undefined) continue;
    if (name === "blur") {
      const radius = lengthPx(args[0]);
      if (radius !== null && radius > 0 && !/^[\d.]+$/.test(args[0])) variance += radius * radius;
    } else if (name === "opacity") {
      const n = parseFloat(args[0]);
      if (Number.isFinite(n)) opacity *= Math.max(0, Math.min(1, args[0].endsWith("%") ? n / 100 : n));
    }
  }
  return [opacity, Math.sqrt(variance)];
}

/** Parts of a `translate` or `scale` value read at most (x, y, z); a value of more is invalid. */
const MAX_PARTS = 3;

/**
 * The parts of a value split at white space outside brackets (`calc(1px + 2px) 0`), or null when there are more than
 * `max` (or brackets do not close); one pass, each character counted in `work.steps`.
 */
export function valueParts(value: string, max: number, work?: Work): string[] | null {
  const parts: string[] = [];
  let [start, depth, i] = [-1, 0, 0];
  for (; i <= value.length && parts.length <= max; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 0x20;
    if (c === 0x28) depth++;
    else if (c === 0x29) depth--;
    const space = depth === 0 && (c === 0x20 || (c >= 0x09 && c <= 0x0d));
    if (!space) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      parts.push(value.slice(start, i));
      start = -1;
    }
  }
  if (work) work.steps += i;
  return depth === 0 && parts.length <= max ? parts : null;
}

/** Whether a `translate` (`x [y [z]]`) moves an element at least `farPx` to the left or top. A percentage moves by
 * the element's own size, which the reader does not know: 0. */
function translateFar(value: string, farPx: number): boolean {
  const parts = valueParts(value, MAX_PARTS);
  if (parts === null || parts.length === 0 || parts[0] === "none") return false;
  const [x, y] = [translation(parts[0]!), parts[1] === undefined ? 0 : translation(parts[1])];
  return x <= -farPx || y <= -farPx;
}

/** A translation in px, as a length or a math function of lengths; 0 for anything else, a number without a unit
 * among them (invalid in `translate`). */
function translation(part: string): number {
  if (/^[+-]?[\d.]+$/.test(part)) return 0;
  return lengthOrMathPx(part) ?? 0;
}

/** Whether a `scale` (`x [y [z]]`, numbers or percentages; one value scales both axes) shrinks an element to
 * nothing on either axis. */
function scaleTiny(value: string): boolean {
  const parts = valueParts(value, MAX_PARTS);
  if (parts === null || parts.length === 0 || parts[0] === "none") return false;
  const x = factor(parts[0]!);
  const y = parts[1] === undefined ? x : factor(parts[1]);
  return Math.abs(x) <= TINY_SCALE || Math.abs(y) <= TINY_SCALE;
}

/** A translation in px; 0 when it is not a plain length (a percentage moves by the element's own size). */
function offset(arg: string): number {
  return lengthPx(arg) ?? 0;
}

/** A scale factor (`0.5`, `50%`); 1 when it is not one. */
function factor(arg: string): number {
  const n = parseFloat(arg);
  if (!Number.isFinite(n)) return 1;
  return arg.endsWith("%") ? n / 100 : n;
}

/** An angle in radians (deg, grad, rad, turn); 0 when it is not one. */
function radians(arg: string): number {
  const n = parseFloat(arg);
  if (!Number.isFinite(n)) return 0;
  if (arg.endsWith("turn")) return n * 2 * Math.PI;
  if (arg.endsWith("grad")) return (n * Math.PI) / 200;
  if (arg.endsWith("rad")) return n;
  return (n * Math.PI) / 180;
}

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
}
