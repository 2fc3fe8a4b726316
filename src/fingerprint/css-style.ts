/**
 * CSS declarations as far as fingerprints need them: those that decide whether a mail client shows an element's
 * text (display, visibility, opacity, font size, colour and background, a zero-size box that clips, an off-screen
 * position, a clip, and ./css-effects.ts's transforms, translations, scales, filters and fill), read from a `style`
 * attribute or a rule of a `<style>` block (./css-sheet.ts) with its CSS escapes decoded (./css-escapes.ts), and the
 * cascade of one element's rules and style attribute (`!important` after all of them). Pure: no I/O. Every step is
 * one pass.
 */
import { fontSizeOf, lengthOrMathPx, opacityOf, startsNumeric } from "./css-calc.js";
import { CURRENT_COLOUR } from "./css-colours.js";
import { DeclaredStyle, overlay, type Declarations, type StyleDecls } from "./css-decls.js";
import { DeferredLevel } from "./css-deferred.js";
import { declareEffect } from "./css-effects.js";
import { unescapeCss } from "./css-escapes.js";
import type { Work } from "./css-prelude-tokens.js";
import { parseColour, shorthandParts, TRANSPARENT, UNKNOWN_BACKGROUND } from "./css-values.js";

export { emptyDeclarations, type Declarations, type StyleDecls } from "./css-decls.js";

/** Lengths at most this many px make a box too small to show text. */
const TINY_PX = 1;
/** An offset at least this far to the left or top puts a box off the page. */
const FAR_PX = 500;
/** Characters of a declaration's value with var() kept for its element at most; a longer one is read as written. */
const MAX_DEFERRED_CHARS = 1024;
const IMPORTANT = /^\s*important\s*$/i;

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
    if (startsNumeric(size)) return fontSize(size, into);
  }
}

function fontSize(value: string, into: StyleDecls): void {
  const font = fontSizeOf(value);
  if (font !== null) [into.fontSize, into.fontAbsolute] = [font.size, font.absolute];
}

const isTiny = (value: string) => {
  const px = lengthOrMathPx(value);
  return px !== null && px <= TINY_PX;
};
const isFar = (value: string) => {
  const px = lengthOrMathPx(value);
  return px !== null && px <= -FAR_PX;
};

/** The StyleDecls fields each property the reader reads sets (`declare`): a declaration whose value has var() stands
 * for them all until its element resolves it (./css-custom-properties.ts). */
const FIELDS = new Map<string, readonly (keyof StyleDecls)[]>([
  ["display", ["displayNone"]],
  ["visibility", ["visibilityHidden"]],
  ["opacity", ["opacity"]],
  ...(["font-size", "font"] as const).map((p) => [p, ["fontSize", "fontAbsolute"]] as const),
  ["color", ["color"]],
  ...(["background", "background-color", "background-image"] as const).map((p) => [p, ["background"]] as const),
  ...(["overflow", "overflow-x", "overflow-y"] as const).map((p) => [p, ["overflowHidden"]] as const),
  ["height", ["heightTiny"]],
  ["max-height", ["maxHeightTiny"]],
  ["width", ["widthTiny"]],
  ["max-width", ["maxWidthTiny"]],
  ["position", ["positioned"]],
  ["left", ["leftFar"]],
  ["top", ["topFar"]],
  ["text-indent", ["indentFar"]],
  ...(["margin-left", "margin-top", "margin"] as const).map((p) => [p, ["marginFar"]] as const),
  ...(["clip", "clip-path"] as const).map((p) => [p, ["clipped"]] as const),
  ...(["transform", "-webkit-transform"] as const).map((p) => [p, ["scaledAway"]] as const),
  ["translate", ["translateFar"]],
  ["scale", ["scaleTiny"]],
  ...(["filter", "-webkit-filter"] as const).map((p) => [p, ["filterOpacity", "filterBlur"]] as const),
  ["content-visibility", ["contentHidden"]],
  ...(["background-clip", "-webkit-background-clip"] as const).map((p) => [p, ["clipText"]] as const),
  ["-webkit-text-fill-color", ["textFill"]],
]);

/** The fields `declare` sets for a property (lowercase), or undefined for a property it does not read. */
export function fieldsOf(property: string): readonly (keyof StyleDecls)[] | undefined {
  return FIELDS.get(property);
}

/** Apply one declaration (property and value already lowercased and trimmed) to `into`. */
export function declare(property: string, value: string, into: StyleDecls): void {
  switch (property) {
    case "display":
      into.displayNone = value === "none";
      return;
    case "visibility":
      into.visibilityHidden = value === "hidden" || value === "collapse";
      return;
    case "opacity": {
      const n = opacityOf(value);
      if (n !== null) into.opacity = n;
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

/**
 * Parse a declaration block (`a: b; c: d !important`) into `out`; later declarations win. Custom properties, and
 * declarations of a property `declare` reads whose value has var(), are also kept as written (`deferred*`), for the
 * element to resolve; the latter are read as written too, which stands where a var() cannot be resolved. One pass:
 * each character searched counted in `work.steps`.
 */
export function parseDeclarations(escaped: string, out: Declarations, work?: Work): Declarations {
  const block = unescapeCss(escaped);
  let start = 0;
  // The first `:` at or after `start`, looked for again only once `start` has passed it: a block of many
  // declarations without one (`;;;…;a:b`) would otherwise be read to its first `:` once per declaration.
  let colon = block.indexOf(":");
  if (work) work.steps += colon < 0 ? block.length : colon + 1;
  while (start < block.length) {
    let end = block.indexOf(";", start);
    if (end < 0) end = block.length;
    if (colon >= 0 && colon < start) {
      colon = block.indexOf(":", start);
      if (work) work.steps += (colon < 0 ? block.length : colon + 1) - start;
    }
    if (work) work.steps += end + 1 - start;
    if (colon > start && colon < end) {
      const name = block.slice(start, colon).trim();
      let raw = block.slice(colon + 1, end).trim();
      let important = false;
      const bang = raw.lastIndexOf("!");
      if (bang >= 0 && IMPORTANT.test(raw.slice(bang + 1))) {
        raw = raw.slice(0, bang).trim();
        important = true;
      }
      if (name.startsWith("--")) deferredLevel(out, important).setCustom({ property: name, value: raw }, 0);
      else declareOne(name.toLowerCase(), raw, important, out);
    }
    start = end + 1;
  }
  return out;
}

/** One declaration of a property other than a custom one (`property` lowercase, `raw` as written). */
function declareOne(property: string, raw: string, important: boolean, out: Declarations): void {
  const value = raw.toLowerCase();
  declare(property, value, important ? out.important : out.normal);
  const fields = FIELDS.get(property);
  if (fields === undefined) return;
  const group = fields[0]!;
  if (value.includes("var(") && raw.length <= MAX_DEFERRED_CHARS)
    deferredLevel(out, important).setPending(group, { property, value: raw }, 0);
  else (important ? out.deferredImportant : out.deferredNormal)?.deletePending(group);
}

function deferredLevel(out: Declarations, important: boolean): DeferredLevel {
  if (important) return (out.deferredImportant ??= new DeferredLevel());
  return (out.deferredNormal ??= new DeferredLevel());
}

/**
 * What a var() in a declaration's value gives at its element (./css-custom-properties.ts): the value with it
 * substituted; null when the declaration is invalid at computed-value time (the property then takes its inherited or
 * initial value, as `unset`); undefined when the reader cannot tell (the value is read as written, as before).
 */
export type Substitute = (value: string) => string | null | undefined;

/**
 * The declarations that apply to an element: its rules (combined into one by ./css-sheet.ts), then its style
 * attribute, `!important` after both; in each, the declarations with var() that won their field group, resolved by
 * `substitute` (none: read as written).
 */
export function cascade(rules: Declarations | null, inline: Declarations | null, substitute?: Substitute): StyleDecls {
  const out = new DeclaredStyle();
  if (rules) layer(out, rules.normal, rules.deferredNormal, substitute);
  if (inline) layer(out, inline.normal, inline.deferredNormal, substitute);
  if (rules) layer(out, rules.important, rules.deferredImportant, substitute);
  if (inline) layer(out, inline.important, inline.deferredImportant, substitute);
  return out;
}

function layer(out: StyleDecls, style: StyleDecls, deferred: DeferredLevel | null, substitute?: Substitute): void {
  overlay(out, style);
  if (deferred === null || substitute === undefined) return;
  for (const { property, value } of deferred.pending.values()) {
    const resolved = substitute(value);
    if (resolved === undefined) continue;
    for (const field of FIELDS.get(property)!) (out as Record<keyof StyleDecls, unknown>)[field] = undefined;
    if (resolved !== null) declare(property, resolved.trim().toLowerCase(), out);
  }
}
