/**
 * CSS as far as fingerprints need it: the declarations that decide whether a mail client shows an element's text
 * (display, visibility, opacity, font size, colour and background, a zero-size box that clips, an off-screen
 * position, a clip, a scale of zero), read from a `style` attribute or from the simple rules of a `<style>` block
 * (`tag`, `.class`, `#id`, `tag.class`, `tag#id`, at top level or under `@media screen|all`). No cascade engine:
 * rules apply by specificity tier (tag, class, id, then the style attribute; `!important` after all of them) and
 * in stylesheet order inside a tier. Pure: no I/O. Every step is one pass over its input; a stylesheet is read up
 * to MAX_CSS_CHARS and MAX_RULES rules, the rest ignored.
 */
import colourNames from "color-name";

/** A colour that shows nothing (`transparent`, an alpha of zero). */
export const TRANSPARENT = -2;
/** A background that is declared but not a plain colour (an image, a gradient): text on it is not compared. */
export const UNKNOWN_BACKGROUND = -3;

/** What the visibility-related declarations of one element say; an absent field was not declared. */
export interface StyleDecls {
  displayNone?: boolean;
  visibilityHidden?: boolean;
  opacity?: number;
  /** Font size: px when `fontAbsolute`, else a factor of the parent's (em, %, smaller…). */
  fontSize?: number;
  fontAbsolute?: boolean;
  /** 0xRRGGBB, or TRANSPARENT. */
  color?: number;
  /** 0xRRGGBB, TRANSPARENT (shows the parent's) or UNKNOWN_BACKGROUND. */
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
  scaledAway?: boolean;
}

/** One element's declarations, normal and `!important`. */
export interface Declarations {
  normal: StyleDecls;
  important: StyleDecls;
}

/** Characters of `<style>` text read at most per document. */
export const MAX_CSS_CHARS = 64 * 1024;
/** Rules kept at most per document. */
export const MAX_RULES = 1024;
/** Lengths at most this many px make a box too small to show text. */
const TINY_PX = 1;
/** An offset at least this far to the left or top puts a box off the page. */
const FAR_PX = 500;
const PX_PER: Record<string, number> = { px: 1, pt: 4 / 3, pc: 16, in: 96, cm: 37.8, mm: 3.78, q: 0.945 };
const FONT_EM = 16;
const LENGTH = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([a-z%]*)$/;

/** A CSS length in px (em and rem at 16px); null when it is not a plain length. Percentages give null. */
function lengthPx(value: string): number | null {
  const m = LENGTH.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? "";
  if (unit === "" || unit in PX_PER) return unit === "" ? n : n * PX_PER[unit]!;
  if (unit === "em" || unit === "rem" || unit === "ex" || unit === "ch") return n * FONT_EM;
  if (unit === "vw" || unit === "vh" || unit === "vmin" || unit === "vmax") return n * 10;
  return null;
}

/** A colour: 0xRRGGBB, TRANSPARENT, or null when it is not one this reads (hsl, currentcolor, inherit…). */
export function parseColour(raw: string): number | null {
  const value = raw.trim().toLowerCase();
  if (value.startsWith("#")) return hexColour(value.slice(1));
  if (value === "transparent") return TRANSPARENT;
  if (value.startsWith("rgb")) return rgbColour(value);
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

/** Whether two colours look the same to a reader: every channel within a few steps. */
export function sameColour(a: number, b: number): boolean {
  if (a < 0 || b < 0) return false;
  const near = (shift: number) => Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) <= 12;
  return near(16) && near(8) && near(0);
}

/** The values of a shorthand, split at spaces outside parentheses. */
function shorthandParts(value: string): string[] {
  return value.match(/[^\s(]+(?:\([^)]*\))?[^\s(]*/g) ?? [];
}

/** The colour of a `background` shorthand: its colour part, UNKNOWN_BACKGROUND for an image or gradient. */
function backgroundColour(value: string): number | null {
  if (value === "none") return TRANSPARENT;
  let colour: number | null = null;
  for (const part of shorthandParts(value)) {
    if (part.startsWith("url(") || part.includes("gradient(")) return UNKNOWN_BACKGROUND;
    colour ??= parseColour(part);
  }
  return colour;
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
      const c = property === "background-color" ? parseColour(value) : backgroundColour(value);
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
    case "transform":
      into.scaledAway = /scale[xy]?\(\s*0(?:\.0*)?\s*[,)]/.test(value);
      return;
  }
}

/** Parse a declaration block (`a: b; c: d !important`) into `out`; later declarations win. */
export function parseDeclarations(block: string, out: Declarations): Declarations {
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
  return { normal: {}, important: {} };
}

/** One rule of a stylesheet for one simple selector. */
interface Rule {
  /** The element name the selector requires, or "" for any. */
  tag: string;
  order: number;
  decls: Declarations;
}

const SIMPLE_SELECTOR = /^([a-z][a-z0-9]*)?(?:([.#])([a-z0-9_-]+))?$/i;
/** At-rules whose content is applied: media that every mail client matches. */
const ALWAYS_MEDIA = /^@media(?:\s+(?:all|screen|only\s+screen))?\s*$/i;

/** The simple rules of a document's `<style>` blocks: by element name, class and id. */
export class StyleSheet {
  readonly #tags = new Map<string, Rule[]>();
  readonly #classes = new Map<string, Rule[]>();
  readonly #ids = new Map<string, Rule[]>();
  #rules = 0;
  #chars = 0;

  /** Whether any rule was kept. */
  get empty(): boolean {
    return this.#rules === 0;
  }

  /** Read the rules of one `<style>` block's text. */
  add(css: string): void {
    const room = MAX_CSS_CHARS - this.#chars;
    if (room <= 0) return;
    const text = (css.length > room ? css.slice(0, room) : css).replace(/\/\*[\s\S]*?(?:\*\/|$)/g, " ");
    this.#chars += Math.min(css.length, room);
    let i = 0;
    let skipDepth = 0; // inside an at-rule block whose content is not applied
    let mediaDepth = 0; // inside applied @media blocks
    while (i < text.length && this.#rules < MAX_RULES) {
      const open = text.indexOf("{", i);
      const close = text.indexOf("}", i);
      if (close >= 0 && (open < 0 || close < open)) {
        if (skipDepth > 0) skipDepth--;
        else if (mediaDepth > 0) mediaDepth--;
        i = close + 1;
        continue;
      }
      if (open < 0) break;
      const prelude = text.slice(i, open).trim();
      if (skipDepth > 0 || prelude.startsWith("@")) {
        if (skipDepth === 0 && ALWAYS_MEDIA.test(prelude)) mediaDepth++;
        else skipDepth++;
        i = open + 1;
        continue;
      }
      const end = close < 0 ? text.length : close;
      const decls = parseDeclarations(text.slice(open + 1, end), emptyDeclarations());
      if (Object.keys(decls.normal).length > 0 || Object.keys(decls.important).length > 0) {
        for (const selector of prelude.split(",")) this.#addRule(selector.trim().toLowerCase(), decls);
      }
      i = end + 1;
    }
  }

  #addRule(selector: string, decls: Declarations): void {
    const m = SIMPLE_SELECTOR.exec(selector);
    if (!m || this.#rules >= MAX_RULES) return;
    const [, tag = "", kind, name] = m;
    const rule: Rule = { tag, order: this.#rules++, decls };
    const map = kind === "." ? this.#classes : kind === "#" ? this.#ids : this.#tags;
    const key = kind ? name! : tag;
    if (!key) return;
    const list = map.get(key);
    if (list) list.push(rule);
    else map.set(key, [rule]);
  }

  /** The declarations of the rules matching an element, in the order they apply (lowest precedence first). */
  matching(tag: string, classes: readonly string[], id: string | null): Declarations[] {
    const tiers: Rule[][] = [this.#tags.get(tag) ?? [], [], id ? (this.#ids.get(id) ?? []) : []];
    for (const name of classes) tiers[1]!.push(...(this.#classes.get(name) ?? []));
    const out: Declarations[] = [];
    for (const tier of tiers) {
      if (tier.length > 1) tier.sort((a, b) => a.order - b.order);
      for (const rule of tier) if (rule.tag === "" || rule.tag === tag) out.push(rule.decls);
    }
    return out;
  }
}

/** The declarations that apply to an element: its rules, then its style attribute, `!important` after both. */
export function cascade(rules: readonly Declarations[], inline: Declarations | null): StyleDecls {
  const out: StyleDecls = {};
  for (const rule of rules) Object.assign(out, rule.normal);
  if (inline) Object.assign(out, inline.normal);
  for (const rule of rules) Object.assign(out, rule.important);
  if (inline) Object.assign(out, inline.important);
  return out;
}
