/**
 * Whether a mail client shows an element's text: its visibility, inherited as CSS inherits each property, from the
 * `hidden` attribute, the style attribute, `<font color>`, `bgcolor` and the rules of the document's `<style>` blocks
 * it applies (./css-sheet.ts, ./css-style.ts). Hidden means: display:none, visibility:hidden, opacity near 0, a font
 * size under 5px (`font: 0/0 a`, 2px), a colour a reader cannot make out on the declared background, or on white
 * where none is declared (./css-values.ts, invisibleOn), or transparent, a box of at most 1px that clips its overflow
 * (max-height:0 with overflow:hidden), a position far off the page, a zero clip, a transform, translate, scale,
 * filter opacity, content-visibility or text fill colour that paints it out of sight, a filter's blur a quarter of the
 * font size wide (./css-effects.ts, BLUR_FACTOR); values may come through custom properties and var()
 * (./css-custom-properties.ts) and math functions (./css-calc.ts). The rules and var() cost one budget a document:
 * past it an element's own markup alone restyles it (./css-budget.ts). Pure: no I/O.
 */
import { elementProperties, hasDeferred, substituter, type CustomProperties } from "./css-custom-properties.js";
import { StyleSheet } from "./css-sheet.js";
import type { Ancestors } from "./css-context.js";
import { cascade, emptyDeclarations, parseDeclarations, type Declarations, type StyleDecls } from "./css-style.js";
import { CURRENT_COLOUR } from "./css-colours.js";
import { FONT_EM, lowContrast, nearColour, parseColour, TRANSPARENT, UNKNOWN_BACKGROUND } from "./css-values.js";
import { findTagEnd, rawTextEnd, stylesElement, type TagAttributes } from "./html-tags.js";

/** Classes of one element looked up at most. */
const MAX_CLASSES = 16;
/** Opacity at most this shows nothing. */
const INVISIBLE_OPACITY = 0.05;
/** A relative font size at most this (of any parent) shows nothing readable. */
const TINY_FONT_FACTOR = 0.1;
/** Text under this many px is a row of dots to a reader: salt at 2 px ahead of padding read as text before. */
const TINY_FONT_PX = 5;
/**
 * A filter's blur (the Gaussian's standard deviation) of at least this much of the font size leaves no word readable
 * (FONT_EM where the size is not known). A stroke of text is some 0.1 em wide and the space inside and between
 * letters some 0.25 em: a blur that wide spreads each stroke across the gaps that tell letters apart, and the words
 * become grey smudges (4px on 16px text), while 1–2px on the same text is a soft focus that still reads.
 */
const BLUR_FACTOR = 0.25;

/** The page behind text with no background declared: mail clients show a message on white unless it says otherwise,
 * so near-white salt with no background of its own is as lost to a reader as on a declared white one. */
const CLIENT_BACKGROUND = 0xffffff;

/** The background assumed where none is declared: CLIENT_BACKGROUND, unless the style sheet declares one on elements
 * it cannot tell (then none, as before: text is not hidden on a page colour that may not be the one it stands on). */
export function pageBackground(sheet: StyleSheet): number {
  return sheet.unfollowedBackground ? UNKNOWN_BACKGROUND : CLIENT_BACKGROUND;
}

/** How an element shows its text, inherited as CSS inherits each property. */
export interface Visibility {
  /** Hidden whatever a descendant declares (display:none, opacity, a clipping box, off the page…). */
  gone: boolean;
  visibilityHidden: boolean;
  /** A font of at most 1px, or at most TINY_FONT_FACTOR of its parent's: hidden by every version. */
  fontZero: boolean;
  /** The font size in px where an absolute size set it (relative ones scale it); null when not known. */
  fontPx: number | null;
  /** Text colour, 0xRRGGBB; -1 when unknown; TRANSPARENT. */
  colour: number;
  /** The nearest declared background, 0xRRGGBB; -1 when none; UNKNOWN_BACKGROUND. */
  background: number;
  /** The colour text is painted with (`-webkit-text-fill-color`): CURRENT_COLOUR (`colour`), 0xRRGGBB, TRANSPARENT,
   * or UNKNOWN_BACKGROUND where a background clipped to the text shows through it (gradient text: not judged). */
  fill: number;
  /** The radius, in px, of the blur the filters of it and its ancestors give its text (0: none; blurs nested add up
   * as the variances of Gaussians do). */
  blur: number;
  /** The custom properties it has (./css-custom-properties.ts); null when none is declared around it. */
  customs: CustomProperties | null;
}

export const ROOT: Visibility = {
  gone: false,
  visibilityHidden: false,
  fontZero: false,
  fontPx: null,
  colour: -1,
  background: -1,
  fill: CURRENT_COLOUR,
  blur: 0,
  customs: null,
};

/** The root's visibility: ROOT with the custom properties of the rules for `html` (and `:root`), which a browser
 * applies whether or not the document writes the tag. */
export function rootVisibility(sheet: StyleSheet): Visibility {
  const rules = sheet.empty ? null : sheet.matching("html", [], null);
  return hasDeferred(rules) ? { ...ROOT, customs: elementProperties(null, rules, null, sheet.budget) } : ROOT;
}

/** Whether text in an element with this visibility shows: as it showed to version 2, unless its font is under
 * TINY_FONT_PX, blurred by BLUR_FACTOR of its size or more, or the colour it is painted with (its fill, else its
 * colour) transparent or of too low a contrast on the background, `page` where none is declared (pageBackground;
 * ./css-values.ts, lowContrast). A fill that contrasts does not show text whose colour version 2 hid: the re-read
 * by version 2's rules must cover what these hide (a blur, not read by version 2, is not hidden by them). */
export function shows(v: Visibility, page: number): boolean {
  if (!showedToVersionTwo(v)) return false;
  const paint = v.fill === CURRENT_COLOUR ? v.colour : v.fill;
  const background = v.background === ROOT.background ? page : v.background;
  if (paint === TRANSPARENT || (v.fontPx !== null && v.fontPx < TINY_FONT_PX)) return false;
  if (v.blur >= BLUR_FACTOR * (v.fontPx ?? FONT_EM)) return false;
  return !lowContrast(paint, background);
}

/** Whether text showed to fingerprint version 2 (./version-two.ts), which hid fonts of at most 1px only and colours
 * only within a few steps of the background's: its keys are made from the text it read. */
export function showedToVersionTwo(v: Visibility): boolean {
  if (v.gone || v.visibilityHidden || v.fontZero || v.colour === TRANSPARENT) return false;
  return !nearColour(v.colour, v.background);
}

/** Whether an image or a link target shows: its box is there (text colour and size do not hide a picture). */
export function boxShows(v: Visibility): boolean {
  return !v.gone && !v.visibilityHidden;
}

/** How an element shows its text: its parent's visibility with the element's own declarations applied. */
export function visibilityOf(
  parent: Visibility,
  name: string,
  attrs: TagAttributes,
  sheet: StyleSheet,
  ancestors?: Ancestors,
): Visibility {
  if (sheet.empty && !stylesElement(attrs)) return parent;
  const inline = presentationalHints(
    name,
    attrs,
    attrs.style ? parseDeclarations(attrs.style, emptyDeclarations()) : null,
  );
  let rules = sheet.empty ? null : sheet.matching(name, classesOf(attrs.class), idOf(attrs), ancestors, attrs);
  // Past the cascade's budget (./css-budget.ts) no rule and no var() applies: the element is read by its own markup.
  if (sheet.spent) rules = null;
  if (rules === null && inline === null && !attrs.hidden) return parent;
  let customs = parent.customs;
  let d: StyleDecls;
  if (!sheet.spent && (hasDeferred(rules) || hasDeferred(inline))) {
    customs = elementProperties(customs, rules, inline, sheet.budget);
    d = cascade(rules, inline, substituter(customs, sheet.budget));
    if (sheet.spent) [customs, d] = [parent.customs, cascade(null, inline)];
  } else d = cascade(rules, inline);
  const colour = d.color ?? parent.colour;
  return {
    gone: parent.gone || attrs.hidden === true || isGone(d),
    visibilityHidden: d.visibilityHidden ?? parent.visibilityHidden,
    fontZero: fontZero(d, parent.fontZero),
    fontPx: fontPx(d, parent.fontPx),
    colour,
    background: backgroundOf(d.background, colour, parent.background),
    fill: d.clipText ? UNKNOWN_BACKGROUND : (d.textFill ?? parent.fill),
    blur: d.filterBlur ? Math.hypot(parent.blur, d.filterBlur) : parent.blur,
    customs,
  };
}

/** The background an element's text stands on: its own, its parent's where it declares none or a transparent one;
 * `currentcolor` is its text colour where that is known (an unknown one is not compared, as a colour not declared). */
function backgroundOf(declared: number | undefined, colour: number, parent: number): number {
  if (declared === undefined || declared === TRANSPARENT) return parent;
  if (declared !== CURRENT_COLOUR) return declared;
  return colour >= 0 ? colour : colour === TRANSPARENT ? parent : UNKNOWN_BACKGROUND;
}

/** Whether declarations hide an element and all it holds, whatever its descendants declare. */
function isGone(d: StyleDecls): boolean {
  if (d.displayNone || d.clipped || d.scaledAway || d.indentFar || d.marginFar || d.contentHidden) return true;
  if (d.translateFar || d.scaleTiny) return true;
  if (Math.min(d.opacity ?? 1, 1) * (d.filterOpacity ?? 1) <= INVISIBLE_OPACITY) return true;
  if (d.overflowHidden && (d.heightTiny || d.maxHeightTiny || d.widthTiny || d.maxWidthTiny)) return true;
  return d.positioned === true && (d.leftFar === true || d.topFar === true);
}

function fontZero(d: StyleDecls, parentZero: boolean): boolean {
  if (d.fontSize === undefined) return parentZero;
  if (d.fontAbsolute) return d.fontSize <= 1;
  return parentZero || d.fontSize <= TINY_FONT_FACTOR;
}

function fontPx(d: StyleDecls, parentPx: number | null): number | null {
  if (d.fontSize === undefined) return parentPx;
  if (d.fontAbsolute) return d.fontSize;
  return parentPx === null ? null : parentPx * d.fontSize;
}

/** Old attributes that style an element (`<font color>`, `bgcolor`, `<body text>`), weaker than any CSS. */
function presentationalHints(name: string, attrs: TagAttributes, inline: Declarations | null): Declarations | null {
  const colour = name === "body" ? attrs.text : attrs.color;
  if (colour === undefined && attrs.bgcolor === undefined && !attrs.background) return inline;
  const hinted = inline ?? emptyDeclarations();
  if (colour !== undefined && hinted.normal.color === undefined) {
    const c = parseColour(colour);
    if (c !== null) hinted.normal.color = c;
  }
  if ((attrs.bgcolor !== undefined || attrs.background) && hinted.normal.background === undefined) {
    hinted.normal.background = attrs.background
      ? UNKNOWN_BACKGROUND
      : (parseColour(attrs.bgcolor!) ?? UNKNOWN_BACKGROUND);
  }
  return hinted;
}

/** The first MAX_CLASSES class names of an element, each once (a repeated name adds nothing to the cascade). */
export function classesOf(value: string | undefined): string[] {
  if (!value) return [];
  const classes = value
    .toLowerCase()
    .split(/\s+/)
    .filter((c) => c !== "");
  return [...new Set(classes.length > MAX_CLASSES ? classes.slice(0, MAX_CLASSES) : classes)];
}

/** An element's id as style rules name it (lowercase), or null. */
export function idOf(attrs: TagAttributes): string | null {
  return attrs.id?.trim().toLowerCase() ?? null;
}

/**
 * The rules of every `<style>` block of the document (outside comments, scripts and other tags), in order. Every tag
 * is stepped over whole, its quoted values with it: `<a title="<style>p{display:none}</style>">` is a link whose
 * title a reader shows as text, not a style sheet that hides the paragraphs after it.
 */
export function readStyleSheet(html: string): StyleSheet {
  const sheet = new StyleSheet();
  const find = /<!--|<([a-z][^\s>/]*)/gi;
  for (let m = find.exec(html); m !== null; m = find.exec(html)) {
    if (m[0] === "<!--") {
      const end = html.indexOf("-->", m.index + 4);
      if (end < 0) break;
      find.lastIndex = end + 3;
      continue;
    }
    const name = m[1]!.toLowerCase();
    const tagEnd = findTagEnd(html, m.index + 1 + m[1]!.length);
    if (tagEnd < 0) break;
    if (name !== "style" && name !== "script") {
      find.lastIndex = tagEnd + 1;
      continue;
    }
    const end = rawTextEnd(html, name, tagEnd + 1);
    if (name === "style") {
      const close = html.lastIndexOf("</", end);
      sheet.add(html.slice(tagEnd + 1, close > tagEnd ? close : end));
    }
    find.lastIndex = end;
  }
  return sheet;
}
