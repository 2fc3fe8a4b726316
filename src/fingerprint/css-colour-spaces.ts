/**
 * The colour functions of CSS Color 4 beyond the sRGB notations, for ./css-values.ts (parseColour): `lab()`, `lch()`,
 * `oklab()`, `oklch()`, and `color()` in the srgb, srgb-linear and display-p3 spaces, each converted to sRGB as CSS
 * Color 4's sample code does, so that ./css-values.ts's invisibleOn judges white-on-white in them as in hex. A colour
 * outside sRGB is clipped channel by channel (as Chrome paints one: CSS Color 4's gamut mapping would keep its hue, not
 * its lightness, which is what decides whether text shows). Pure: no I/O; each is one pass over at most
 * MAX_COLOR_ARGUMENTS arguments.
 */
import { alpha, argumentsOf, hueDegrees, INVISIBLE_ALPHA, rgb, TRANSPARENT } from "./css-colours.js";

/** Arguments of `color()` at most: its space, three channels and an alpha. */
const MAX_COLOR_ARGUMENTS = 5;

/** What 1% stands for in each argument of a Lab-like function (CSS Color 4: 100% is L 100, a and b 125, C 150 in
 * Lab and LCH; L 1, a and b 0.4, C 0.4 in OKLab and OKLCH); the hue takes no percentage. */
const PERCENT = {
  lab: [1, 1.25, 1.25],
  lch: [1, 1.5, 0],
  oklab: [0.01, 0.004, 0.004],
  oklch: [0.01, 0.004, 0],
} as const;

/** A `lab()`, `lch()`, `oklab()`, `oklch()` or `color()` colour (lowercase): 0xRRGGBB, TRANSPARENT, or null when it
 * is not one this reads (another colour space, `calc()`, a relative colour `from …`) or not valid (commas). */
export function spaceColour(value: string): number | null {
  const open = value.indexOf("(");
  if (open < 0 || value.includes(",")) return null; // they have no comma syntax: a browser drops the colour
  const name = value.slice(0, open);
  if (name === "color") return colorFunction(value);
  if (name !== "lab" && name !== "lch" && name !== "oklab" && name !== "oklch") return null;
  const args = argumentsOf(value);
  if (args === null || args.length < 3) return null;
  const scale = PERCENT[name];
  const lightness = channel(args[0]!, scale[0]);
  const [second, third] = [
    channel(args[1]!, scale[1]),
    name.endsWith("ch") ? hueDegrees(args[2]!) : channel(args[2]!, scale[2]),
  ];
  if (Number.isNaN(lightness) || Number.isNaN(second) || Number.isNaN(third)) return null;
  if (args[3] !== undefined && alpha(args[3]) <= INVISIBLE_ALPHA) return TRANSPARENT;
  const chroma = Math.max(0, second);
  const [a, b] = name.endsWith("ch") ? polar(chroma, third) : [second, third];
  if (name.startsWith("ok")) return oklabRgb(Math.max(0, Math.min(1, lightness)), a, b);
  return labRgb(Math.max(0, Math.min(100, lightness)), a, b);
}

/** `color(space r g b / alpha)` in srgb, srgb-linear or display-p3; null in the other spaces. */
function colorFunction(value: string): number | null {
  const args = argumentsOf(value, MAX_COLOR_ARGUMENTS);
  if (args === null || args.length < 4) return null;
  const [space, ...rest] = args;
  if (space !== "srgb" && space !== "srgb-linear" && space !== "display-p3") return null;
  const [r, g, b] = rest.slice(0, 3).map((arg) => channel(arg, 0.01)) as [number, number, number];
  if (Number.isNaN(r) || Number.isNaN(g) || Number.isNaN(b)) return null;
  if (rest[3] !== undefined && alpha(rest[3]) <= INVISIBLE_ALPHA) return TRANSPARENT;
  if (space === "srgb") return rgb(r, g, b);
  if (space === "srgb-linear") return linearRgb(r, g, b);
  const [lr, lg, lb] = [linear(r), linear(g), linear(b)];
  return linearRgb(
    1.2249401 * lr - 0.2249404 * lg,
    -0.0420569 * lr + 1.0420571 * lg,
    -0.0196376 * lr - 0.0786361 * lg + 1.0982735 * lb,
  );
}

/** A number, or a percentage times `percent` (what 1% stands for); `none` is 0; NaN for anything else (a unit,
 * `calc()`, a keyword). */
function channel(arg: string, percent: number): number {
  if (arg === "none") return 0;
  const percentage = arg.endsWith("%");
  const text = percentage ? arg.slice(0, -1) : arg;
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/.test(text)) return NaN;
  return percentage ? Number(text) * percent : Number(text);
}

/** The a and b axes of a chroma and hue (LCH to Lab, OKLCH to OKLab). */
function polar(chroma: number, degrees: number): [number, number] {
  const radians = (degrees * Math.PI) / 180;
  return [chroma * Math.cos(radians), chroma * Math.sin(radians)];
}

/** CIE Lab (D50) to sRGB: Lab to XYZ, Bradford-adapted to D65 and on to linear sRGB in one matrix. */
function labRgb(lightness: number, a: number, b: number): number {
  const [kappa, epsilon] = [24389 / 27, 216 / 24389];
  const fy = (lightness + 16) / 116;
  const [fx, fz] = [fy + a / 500, fy - b / 200];
  const axis = (f: number) => (f ** 3 > epsilon ? f ** 3 : (116 * f - 16) / kappa);
  const x = axis(fx) * 0.3457 / 0.3585; // prettier-ignore
  const y = lightness > kappa * epsilon ? fy ** 3 : lightness / kappa;
  const z = axis(fz) * (1 - 0.3457 - 0.3585) / 0.3585; // prettier-ignore
  return linearRgb(
    3.1341359569958707 * x - 1.6173863321612538 * y - 0.4906619460083532 * z,
    -0.978795502912089 * x + 1.916254567259524 * y + 0.03344273116131949 * z,
    0.07195537988411677 * x - 0.2289768264158322 * y + 1.405386058324125 * z,
  );
}

/** OKLab to sRGB (Björn Ottosson's matrices, as CSS Color 4 gives them). */
function oklabRgb(lightness: number, a: number, b: number): number {
  const l = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (lightness - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return linearRgb(
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  );
}

/** 0xRRGGBB of linear-light sRGB channels, gamma-encoded, then clipped. */
function linearRgb(r: number, g: number, b: number): number {
  return rgb(gamma(r), gamma(g), gamma(b));
}

/** sRGB's transfer function, linear light to the encoded value (negative values mirrored, as CSS Color 4 does). */
function gamma(c: number): number {
  const x = Math.abs(c);
  const encoded = x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
  return Math.sign(c) * encoded;
}

/** sRGB's (and display-p3's) encoded value to linear light. */
function linear(c: number): number {
  const x = Math.abs(c);
  return Math.sign(c) * (x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
}
