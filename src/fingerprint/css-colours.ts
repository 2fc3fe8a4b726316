/**
 * Colour notations beyond hex, `rgb()` and names, for ./css-values.ts (parseColour) and ./css-style.ts: `hsl()` and
 * `hsla()` (comma and space syntax, `/ alpha`, hues in deg, grad, rad or turn), `hwb()`, and `currentcolor` where a
 * background takes it (the element's own text colour: text on it is lost). Pure: no I/O; each is one pass over a
 * short value.
 */

/** A colour that shows nothing (`transparent`, an alpha of zero). */
export const TRANSPARENT = -2;
/** A background of `currentcolor`: the colour of the element's text, worked out where that colour is known
 * (./html-visibility.ts). */
export const CURRENT_COLOUR = -4;
/** An alpha at most this shows nothing. */
export const INVISIBLE_ALPHA = 0.05;
/** Arguments a colour function has at most (three channels and an alpha). */
const MAX_ARGUMENTS = 4;

/** An `hsl()`/`hsla()` or `hwb()` colour (lowercase): 0xRRGGBB, TRANSPARENT, or null when it is not one. */
export function colourFunction(value: string): number | null {
  const hsl = value.startsWith("hsl");
  if (!hsl && !value.startsWith("hwb")) return null;
  const args = argumentsOf(value);
  if (args === null || args.length < 3) return null;
  const hue = hueDegrees(args[0]!);
  const [a, b] = [fraction(args[1]!), fraction(args[2]!)];
  if (Number.isNaN(hue) || Number.isNaN(a) || Number.isNaN(b)) return null;
  if (args[3] !== undefined && alpha(args[3]) <= INVISIBLE_ALPHA) return TRANSPARENT;
  return hsl ? hslRgb(hue, a, b) : hwbRgb(hue, a, b);
}

/** The arguments of a function (`f(a, b, c / d)`, `f(a b c)`), or null when there is no `(…)` or more than `max`. */
export function argumentsOf(value: string, max = MAX_ARGUMENTS): string[] | null {
  const open = value.indexOf("(");
  const close = value.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const args: string[] = [];
  let start = -1;
  for (let i = open + 1; i <= close; i++) {
    const c = value.charCodeAt(i);
    const separator = i === close || c === 0x2c || c === 0x2f || c === 0x20 || (c >= 0x09 && c <= 0x0d);
    if (!separator) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    if (args.length === max) return null;
    args.push(value.slice(start, i));
    start = -1;
  }
  return args;
}

/** A hue in degrees (a plain number is degrees; `none` is 0); NaN when it is not one. */
export function hueDegrees(arg: string): number {
  if (arg === "none") return 0;
  const n = parseFloat(arg);
  if (arg.endsWith("turn")) return n * 360;
  if (arg.endsWith("grad")) return n * 0.9;
  if (arg.endsWith("rad")) return (n * 180) / Math.PI;
  return arg.endsWith("deg") || /^[+-]?[\d.]/.test(arg) ? n : NaN;
}

/** A saturation, lightness, whiteness or blackness as 0 to 1 (`50%`, or `50` as modern syntax allows). */
function fraction(arg: string): number {
  if (arg === "none") return 0;
  const n = parseFloat(arg);
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) / 100 : NaN;
}

/** An alpha as 0 to 1 (`0.5`, `50%`); 1 when it is not one. */
export function alpha(arg: string): number {
  const n = parseFloat(arg);
  if (!Number.isFinite(n)) return 1;
  return arg.endsWith("%") ? n / 100 : n;
}

/** CSS Color 4's hsl-to-rgb. */
function hslRgb(hue: number, saturation: number, lightness: number): number {
  const h = ((hue % 360) + 360) % 360;
  const chroma = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    return lightness - chroma * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return rgb(channel(0), channel(8), channel(4));
}

/** CSS Color 4's hwb-to-rgb: the pure hue, mixed with white and black. */
function hwbRgb(hue: number, white: number, black: number): number {
  if (white + black >= 1) {
    const grey = white / (white + black);
    return rgb(grey, grey, grey);
  }
  const pure = hslRgb(hue, 1, 0.5);
  const mix = (shift: number) => (((pure >> shift) & 0xff) / 255) * (1 - white - black) + white;
  return rgb(mix(16), mix(8), mix(0));
}

/** 0xRRGGBB of sRGB channels 0 to 1 (each clipped to that range). */
export function rgb(r: number, g: number, b: number): number {
  const byte = (x: number) => Math.max(0, Math.min(255, Math.round(x * 255)));
  return (byte(r) << 16) | (byte(g) << 8) | byte(b);
}
