/**
 * CSS declarations as far as fingerprints need them: those that decide whether a mail client shows an element's
 * text (display, visibility, opacity, font size, colour and background, a zero-size box that clips, an off-screen
 * position, a clip, and ./css-effects.ts's transforms, filters and fill), read from a `style` attribute or a rule of
 * a `<style>` block (./css-sheet.ts) with its CSS escapes decoded (./css-escapes.ts), and the cascade of one
 * element's rules and style attribute (`!important` after all of them). Pure: no I/O. Every step is one pass.
 */
import { CURRENT_COLOUR } from "./css-colours.js";
import { declareEffect, type EffectDecls } from "./css-effects.js";
import { unescapeCss } from "./css-escapes.js";
import { LENGTH, lengthPx, parseColour, shorthandParts, TRANSPARENT, UNKNOWN_BACKGROUND } from "./css-values.js";

/** Lengths at most this many px make a box too small to show text. */
const TINY_PX = 1;
/** An offset at least this far to the left or top puts a box off the page. */
const FAR_PX = 500;

/** What the visibility-related declarations of one element say; an absent field was not declared. */
export interface StyleDecls extends EffectDecls {
  displayNone?: boolean;
  visibilityHidden?: boolean;
  opacity?: number;
  /** Font size: px when `fontAbsolute`, else a factor of the parent's (em, %, smaller…). */
  fontSize?: number;
  fontAbsolute?: boolean;
  /** 0xRRGGBB, or TRANSPARENT. */
  color?: number;
  /** 0xRRGGBB, TRANSPARENT (shows the parent's), CURRENT_COLOUR (the text's colour) or UNKNOWN_BACKGROUND. */
  background?: number;
  overflowHidden?: boolean;
  /** height, max-height, width, max-width at most 1px (each its own property). */
  heightTiny?: boolean;
  maxHeightTiny?: boolean;
  widthTiny?: boolean;
  maxWidthTiny?: boolean;
  /** position absolute or fixed. */
  positioned?: boolean;
  /** left or top far off the page (each its own property). */
  leftFar?: boolean;
  topFar?: boolean;
  /** text-indent or a margin far off the page. */
  indentFar?: boolean;
  marginFar?: boolean;
  clipped?: boolean;
}

/** One element's declarations, normal and `!important`. */
export interface Declarations {
  normal: StyleDecls;
  important: StyleDecls;
}

/** Values that leave an element the background it would have without them: its parent's, or none. */
const CSS_WIDE = new Set(["inherit", "initial", "unset", "revert", "revert-layer"]);

/**
 * The colour of a `background` shorthand: its colour part; UNKNOWN_BACKGROUND for an image, a gradient, or a function
 * this reader does not work out (`var()`, `hsl()`), so that text on it is judged on no colour rather than on the
 * page's white (./html-visibility.ts, CLIENT_BACKGROUND).
 */
function backgroundColour(value: string): number | null {
  if (value === "none") return TRANSPARENT;
  let colour: number | null = null;
  for (const part of shorthandParts(value)) {
    if (part.startsWith("url(") || part.includes("gradient(")) return UNKNOWN_BACKGROUND;
    colour ??= part === "currentcolor" ? CURRENT_COLOUR : parseColour(part);
  }
  return colour ?? (value.includes("(") ? UNKNOWN_BACKGROUND : null);
}

/** A `background-color`: its colour, or UNKNOWN_BACKGROUND for one this reader cannot read (see backgroundColour). */
function backgroundColorValue(value: string): number | null {
  if (value === "currentcolor") return CURRENT_COLOUR;
  return parseColour(value) ?? (CSS_WIDE.has(value) ? null : UNKNOWN_BACKGROUND);
}

/** The size of a `font` shorthand (`font: 0/0 a`, `bold 12px Arial`), as `font-size` reads it. */
function fontShorthandSize(value: string, into: StyleDecls): void {
  for (const part of shorthandParts(value)) {
    const size = part.split("/")[0]!;
    if (/^[+-]?[\d.]/.test(size)) return fontSize(size, into);
  }
}

function fontSize(value: string, into: StyleDecls): void {
  if (value.endsWith("%")) {
    const n = parseFloat(value);
    if (Number.isFinite(n)) [into.fontSize, into.fontAbsolute] = [n / 100, false];
    return;
  }
  const m = LENGTH.exec(value);
  if (m && (m[2] === "em" || m[2] === "ex" || m[2] === "ch")) {
    [into.fontSize, into.fontAbsolute] = [Number(m[1]), false];
    return;
  }
  const px = lengthPx(value);
  if (px !== null) [into.fontSize, into.fontAbsolute] = [px, true];
  else if (/^(?:xx?-small|small|medium|x{0,3}-?large|larger)$/.test(value))
    [into.fontSize, into.fontAbsolute] = [16, true];
}

const isTiny = (value: string) => {
  const px = lengthPx(value);
  return px !== null && px <= TINY_PX;
};
const isFar = (value: string) => {
  const px = lengthPx(value);
  return px !== null && px <= -FAR_PX;
};

/** Apply one declaration (property and value already lowercased and trimmed) to `into`. */
function declare(property: string, value: string, into: StyleDecls): void {
  switch (property) {
    case "display":
      into.displayNone = value === "none";
      return;
    case "visibility":
      into.visibilityHidden = value === "hidden" || value === "collapse";
      return;
    case "opacity": {
      const n = parseFloat(value);
      if (Number.isFinite(n)) into.opacity = value.endsWith("%") ? n / 100 : n;
      return;
    }
    case "font-size":
      return fontSize(value, into);
    case "font":
      return fontShorthandSize(value, into);
    case "color": {
      const c = parseColour(value);
      if (c !== null) into.color = c;
      return;
    }
    case "background":
    case "background-color":
    case "background-image": {
      const c = property === "background-color" ? backgroundColorValue(value) : backgroundColour(value);
      if (c !== null) into.background = c;
      return;
    }
    case "overflow":
    case "overflow-x":
    case "overflow-y":
      if (value === "hidden" || value === "clip") into.overflowHidden = true;
      else if (property === "overflow") into.overflowHidden = false;
      return;
    case "height":
      into.heightTiny = isTiny(value);
      return;
    case "max-height":
      into.maxHeightTiny = isTiny(value);
      return;
    case "width":
      into.widthTiny = isTiny(value);
      return;
    case "max-width":
      into.maxWidthTiny = isTiny(value);
      return;
    case "position":
      into.positioned = value === "absolute" || value === "fixed";
      return;
    case "left":
      into.leftFar = isFar(value);
      return;
    case "top":
      into.topFar = isFar(value);
      return;
    case "text-indent":
      into.indentFar = isFar(value);
      return;
    case "margin-left":
    case "margin-top":
    case "margin":
      into.marginFar = shorthandParts(value).some(isFar);
      return;
    case "clip":
      into.clipped = /^rect\(\s*0[a-z]*[\s,]+0[a-z]*[\s,]+0[a-z]*[\s,]+0[a-z]*\s*\)$/.test(value);
      return;
    case "clip-path":
      into.clipped = /inset\(\s*(?:50|[6-9]\d|100)%/.test(value) || /circle\(\s*0/.test(value);
      return;
    default:
      return declareEffect(property, value, into, FAR_PX);
  }
}

/** Parse a declaration block (`a: b; c: d !important`) into `out`; later declarations win. */
export function parseDeclarations(escaped: string, out: Declarations): Declarations {
  const block = unescapeCss(escaped);
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf(";", start);
    if (end < 0) end = block.length;
    const colon = block.indexOf(":", start);
    if (colon > start && colon < end) {
      const property = block.slice(start, colon).trim().toLowerCase();
      let value = block
        .slice(colon + 1, end)
        .trim()
        .toLowerCase();
      let into = out.normal;
      const bang = value.lastIndexOf("!");
      if (bang >= 0 && value.slice(bang + 1).trim() === "important") {
        value = value.slice(0, bang).trim();
        into = out.important;
      }
      declare(property, value, into);
    }
    start = end + 1;
  }
  return out;
}

export function emptyDeclarations(): Declarations {
  return { normal: new DeclaredStyle(), important: new DeclaredStyle() };
}

/**
 * StyleDecls with every field present from the start (undefined: not declared), in one order, so that all of them
 * share one hidden class. Fields added in the order a style names them make a hidden class per order and subset of
 * properties met, and the code reading them (visibilityOf, isGone) deoptimises ("wrong map") and is compiled again
 * as distinct mail brings new ones (benchmarks/README.md, "What V8 keeps compiling").
 */
class DeclaredStyle implements StyleDecls {
  displayNone: boolean | undefined = undefined;
  visibilityHidden: boolean | undefined = undefined;
  opacity: number | undefined = undefined;
  fontSize: number | undefined = undefined;
  fontAbsolute: boolean | undefined = undefined;
  color: number | undefined = undefined;
  background: number | undefined = undefined;
  overflowHidden: boolean | undefined = undefined;
  heightTiny: boolean | undefined = undefined;
  maxHeightTiny: boolean | undefined = undefined;
  widthTiny: boolean | undefined = undefined;
  maxWidthTiny: boolean | undefined = undefined;
  positioned: boolean | undefined = undefined;
  leftFar: boolean | undefined = undefined;
  topFar: boolean | undefined = undefined;
  indentFar: boolean | undefined = undefined;
  marginFar: boolean | undefined = undefined;
  clipped: boolean | undefined = undefined;
  scaledAway: boolean | undefined = undefined;
  filterOpacity: number | undefined = undefined;
  contentHidden: boolean | undefined = undefined;
  textFill: number | undefined = undefined;
  clipText: boolean | undefined = undefined;
}

/** `from`'s declared fields over `out`'s (what Object.assign did when an undeclared field was absent). */
function overlay(out: StyleDecls, from: StyleDecls): void {
  if (from.displayNone !== undefined) out.displayNone = from.displayNone;
  if (from.visibilityHidden !== undefined) out.visibilityHidden = from.visibilityHidden;
  if (from.opacity !== undefined) out.opacity = from.opacity;
  if (from.fontSize !== undefined) out.fontSize = from.fontSize;
  if (from.fontAbsolute !== undefined) out.fontAbsolute = from.fontAbsolute;
  if (from.color !== undefined) out.color = from.color;
  if (from.background !== undefined) out.background = from.background;
  if (from.overflowHidden !== undefined) out.overflowHidden = from.overflowHidden;
  if (from.heightTiny !== undefined) out.heightTiny = from.heightTiny;
  if (from.maxHeightTiny !== undefined) out.maxHeightTiny = from.maxHeightTiny;
  if (from.widthTiny !== undefined) out.widthTiny = from.widthTiny;
  if (from.maxWidthTiny !== undefined) out.maxWidthTiny = from.maxWidthTiny;
  if (from.positioned !== undefined) out.positioned = from.positioned;
  if (from.leftFar !== undefined) out.leftFar = from.leftFar;
  if (from.topFar !== undefined) out.topFar = from.topFar;
  if (from.indentFar !== undefined) out.indentFar = from.indentFar;
  if (from.marginFar !== undefined) out.marginFar = from.marginFar;
  if (from.clipped !== undefined) out.clipped = from.clipped;
  if (from.scaledAway !== undefined) out.scaledAway = from.scaledAway;
  if (from.filterOpacity !== undefined) out.filterOpacity = from.filterOpacity;
  if (from.contentHidden !== undefined) out.contentHidden = from.contentHidden;
  if (from.textFill !== undefined) out.textFill = from.textFill;
  if (from.clipText !== undefined) out.clipText = from.clipText;
}

/**
 * The declarations that apply to an element: its rules (combined into one by ./css-sheet.ts), then its style
 * attribute, `!important` after both.
 */
export function cascade(rules: Declarations | null, inline: Declarations | null): StyleDecls {
  const out = new DeclaredStyle();
  if (rules) overlay(out, rules.normal);
  if (inline) overlay(out, inline.normal);
  if (rules) overlay(out, rules.important);
  if (inline) overlay(out, inline.important);
  return out;
}
