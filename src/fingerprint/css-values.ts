/**
 * CSS values as fingerprints read them: lengths in px and colours (hex, rgb(a), named, transparent; hsl() and hwb()
 * by ./css-colours.ts; lab(), lch(), oklab(), oklch() and color() by ./css-colour-spaces.ts), and the parts of a
 * shorthand. Pure: no I/O; each is one pass over a short value.
 */
import colourNames from "color-name";
import { spaceColour } from "./css-colour-spaces.js";
import { colourFunction, TRANSPARENT } from "./css-colours.js";
import type { Work } from "./css-prelude-tokens.js";

export { TRANSPARENT };
/** A background that is declared but not a plain colour (an image, a gradient): text on it is not compared. */
export const UNKNOWN_BACKGROUND = -3;

export const PX_PER: Record<string, number> = { px: 1, pt: 4 / 3, pc: 16, in: 96, cm: 37.8, mm: 3.78, q: 0.945 };
export const FONT_EM = 16;
export const LENGTH = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([a-z%]*)$/;

/** A CSS length in px (em and rem at 16px); null when it is not a plain length. Percentages give null. */
export function lengthPx(value: string): number | null {
  const m = LENGTH.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? "";
  if (unit === "" || unit in PX_PER) return unit === "" ? n : n * PX_PER[unit]!;
  if (unit === "em" || unit === "rem" || unit === "ex" || unit === "ch") return n * FONT_EM;
  if (unit === "vw" || unit === "vh" || unit === "vmin" || unit === "vmax") return n * 10;
  return null;
}

/** A colour: 0xRRGGBB, TRANSPARENT, or null when it is not one this reads (currentcolor, inherit, color-mix()…). */
export function parseColour(raw: string): number | null {
  const value = raw.trim().toLowerCase();
  if (value.startsWith("#")) return hexColour(value.slice(1));
  if (value === "transparent") return TRANSPARENT;
  if (value.startsWith("rgb")) return rgbColour(value);
  if (value.startsWith("hsl") || value.startsWith("hwb")) return colourFunction(value);
  if (value.startsWith("lab") || value.startsWith("lch") || value.startsWith("ok") || value.startsWith("color("))
    return spaceColour(value);
  const named = (colourNames as Record<string, readonly number[] | undefined>)[value];
  return named ? (named[0]! << 16) | (named[1]! << 8) | named[2]! : null;
}

function hexColour(hex: string): number | null {
  if (!/^[0-9a-f]+$/.test(hex)) return null;
  if (hex.length === 3 || hex.length === 4) {
    if (hex.length === 4 && hex[3] === "0") return TRANSPARENT;
    return parseInt(hex[0]! + hex[0]! + hex[1]! + hex[1]! + hex[2]! + hex[2]!, 16);
  }
  if (hex.length === 6 || hex.length === 8) {
    if (hex.length === 8 && hex.slice(6) === "00") return TRANSPARENT;
    return parseInt(hex.slice(0, 6), 16);
  }
  return null;
}

function rgbColour(value: string): number | null {
  const open = value.indexOf("(");
  const close = value.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const parts = value
    .slice(open + 1, close)
    .split(/[\s,/]+/)
    .filter((p) => p !== "");
  if (parts.length < 3) return null;
  const channel = (p: string) => {
    const n = parseFloat(p);
    if (!Number.isFinite(n)) return NaN;
    return Math.max(0, Math.min(255, Math.round(p.endsWith("%") ? n * 2.55 : n)));
  };
  const [r, g, b] = [channel(parts[0]!), channel(parts[1]!), channel(parts[2]!)];
  if (Number.isNaN(r) || Number.isNaN(g) || Number.isNaN(b)) return null;
  if (parts[3] !== undefined) {
    const a = parseFloat(parts[3]);
    if (Number.isFinite(a) && (parts[3].endsWith("%") ? a / 100 : a) <= 0.05) return TRANSPARENT;
  }
  return (r << 16) | (g << 8) | b;
}

/**
 * Whether text of one colour on another is lost to a reader: every channel within a few steps, or a luminance
 * contrast under MIN_CONTRAST (WCAG's ratio) that no difference of hue makes up for (the channels' differences
 * summed under MIN_HUE_DIFFERENCE): yellow or cyan on white, a pale grey on white, white on pale cyan. A band on each
 * channel alone let saturated colours through: pure yellow on white differs by 255 in blue, yet reads at 1.07 to 1.
 * Red on grey, as dim by luminance, stays text: its hue shows it.
 */
export function invisibleOn(a: number, b: number): boolean {
  return nearColour(a, b) || lowContrast(a, b);
}

/** A luminance contrast under MIN_CONTRAST that no difference of hue makes up for (see invisibleOn). */
export function lowContrast(a: number, b: number): boolean {
  if (a < 0 || b < 0) return false;
  const difference = (shift: number) => Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff));
  if (difference(16) + difference(8) + difference(0) >= MIN_HUE_DIFFERENCE) return false;
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05) < MIN_CONTRAST;
}

/** Text whose every channel is within this many steps of its background's is lost. */
const NEAR_STEPS = 12;

/** The rule fingerprint version 2 hid text by (./version-two.ts): every channel within NEAR_STEPS. */
export function nearColour(a: number, b: number): boolean {
  if (a < 0 || b < 0) return false;
  const near = (shift: number) => Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) <= NEAR_STEPS;
  return near(16) && near(8) && near(0);
}

/** Contrast ratios under this show no text (WCAG asks 4.5 of body text, 3 of large text). */
const MIN_CONTRAST = 1.3;
/** Channels' differences summed from this up make text visible by its hue whatever its luminance (W3C's older
 * colour-visibility measure asks 500 for good legibility; red on grey sums 383). */
const MIN_HUE_DIFFERENCE = 300;

/** WCAG 2's relative luminance of 0xRRGGBB, 0 (black) to 1 (white). */
function luminance(colour: number): number {
  const linear = (shift: number) => {
    const c = ((colour >> shift) & 0xff) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(16) + 0.7152 * linear(8) + 0.0722 * linear(0);
}

const OPEN = 0x28;
/** White space beyond ASCII's, as a regular expression's `\s` has it. */
const OTHER_SPACE = /\s/;

/**
 * The values of a shorthand, split at spaces outside parentheses: a part runs to white space or a `(`; a `(` with a
 * `)` after it takes the part on to that `)`, white space and `(` included, and on to the next white space or `(`;
 * a `(` with none ends the part and starts no other (`a(b c` is `a`, `b`, `c`). One pass: each character looked at
 * once, and each searched for a `)` once, counted in `work.steps`.
 */
export function shorthandParts(value: string, work?: Work): string[] {
  const parts: string[] = [];
  // The first `)` after the last `(` looked at; -1 when none follows it, so that none follows a later one either.
  let close = -2;
  let i = 0;
  while (i < value.length) {
    const c = value.charCodeAt(i);
    if (c === OPEN || isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    i = partEnd(value, i);
    if (value.charCodeAt(i) === OPEN) {
      if (close !== -1 && close <= i) {
        close = value.indexOf(")", i + 1);
        if (work) work.steps += (close < 0 ? value.length : close + 1) - i;
      }
      if (close > i) i = partEnd(value, close + 1);
    }
    parts.push(value.slice(start, i));
  }
  if (work) work.steps += value.length;
  return parts;
}

/** Where a run of characters other than white space and `(` that starts at `from` ends. */
function partEnd(value: string, from: number): number {
  let i = from;
  while (i < value.length && value.charCodeAt(i) !== OPEN && !isSpace(value.charCodeAt(i))) i++;
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0xa0 && OTHER_SPACE.test(String.fromCharCode(c)));
}
