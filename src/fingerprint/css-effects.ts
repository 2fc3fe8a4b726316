/**
 * Declarations that paint an element out of sight without a box or a colour of their own, for ./css-style.ts: a
 * transform that moves it far off the page or shrinks it to nothing (`translateX(-9999px)`, `translate3d(…)`,
 * `matrix(…)`, `scale(0.01)`, `rotateX(90deg)`), the opacity a filter gives it (`opacity(0)`, among other functions),
 * `content-visibility: hidden`, and `-webkit-text-fill-color`, which WebKit and Blink paint text with instead of
 * `color` (and through which a background clipped to the text shows: gradient text). The functions of a list are combined without the geometry between them (a rotation does not turn a later
 * translation): translations add up, scales multiply. Pure: no I/O; one pass over a value, at most MAX_FUNCTIONS
 * functions read.
 */
import { CURRENT_COLOUR } from "./css-colours.js";
import { lengthPx, parseColour } from "./css-values.js";

/** What these declarations of one element say; an absent field was not declared (./css-style.ts, StyleDecls). */
export interface EffectDecls {
  /** A transform that moves it far off the page or shrinks it to nothing. */
  scaledAway?: boolean;
  /** The opacity its filter gives it, 0 to 1. */
  filterOpacity?: number;
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
    case "filter":
    case "-webkit-filter":
      into.filterOpacity = filterOpacity(value);
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

/** The opacity a `filter` gives an element: the product of its `opacity()` functions (1 by default), 0 to 1. */
function filterOpacity(value: string): number {
  if (!value.includes("(")) return 1;
  let opacity = 1;
  for (const { name, args } of functionsOf(value)) {
    if (name !== "opacity" || args[0] === undefined) continue;
    const n = parseFloat(args[0]);
    if (Number.isFinite(n)) opacity *= Math.max(0, Math.min(1, args[0].endsWith("%") ? n / 100 : n));
  }
  return opacity;
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
