/**
 * HTML to the text a reader sees, for fingerprints: one linear pass over the markup, no DOM. It keeps what the
 * words of a message are made of: text (entities decoded), the text of links followed by their href in brackets
 * (`Click [https://…]`, as html-to-text writes them), image alt text and http(s) image sources, line breaks at
 * block elements, `> ` before the lines of a blockquote (so reply quotes can be stripped), and nothing of
 * `<head>`, `<script>`, `<style>`, `<title>`, `<template>`, comments or declarations.
 *
 * Text a mail client would not show is left out and counted (`HtmlTextStats`): hidden salting puts random words or
 * another message's text in elements styled out of sight, and a message that hides much of its text is itself a
 * signal. Hidden means: the `hidden` attribute; display:none, visibility:hidden, opacity near 0, a font size of at
 * most 1px (`font: 0/0 a`), a colour equal to the declared background or transparent, a box of at most 1px that
 * clips its overflow (max-height:0 with overflow:hidden), a position far off the page, a zero clip or scale; from
 * the style attribute, `<font color>`, `bgcolor`, or the simple rules of the document's `<style>` blocks
 * (./css-style.ts). Which text an element covers follows the browser's open elements (./open-elements.ts).
 *
 * Pure: no I/O. Work is linear in the input: every character is looked at a bounded number of times, the
 * stylesheet is read once up to a cap, and the output is capped as it is written (`maxChars`): once it is full the
 * rest of the document is not read. A quote prefix is written at most MAX_QUOTE_PREFIX levels deep, so nested
 * quotes cost a bounded number of characters per line break, not one per level.
 */
import { decodeHTML } from "entities";
import {
  cascade,
  emptyDeclarations,
  parseColour,
  parseDeclarations,
  sameColour,
  StyleSheet,
  TRANSPARENT,
  UNKNOWN_BACKGROUND,
  type Declarations,
  type StyleDecls,
} from "./css-style.js";
import { OpenElements, VOID } from "./open-elements.js";

/** Elements whose content is raw text, not markup, and not text of the message: skipped to their end tag. */
const RAW_TEXT = new Set(["script", "style", "title", "template", "xml", "noframes"]);
/** Elements that may stand in <head>; any other one ends it. */
const HEAD_CONTENT = new Set(["base", "basefont", "bgsound", "link", "meta", "noscript", "object", "param"]);
const NOT_BLANK = /\S/;
/** Elements that start and end a line (html-to-text's block formats, and the list and table structure). */
const BLOCK = new Set([
  "address", "article", "aside", "blockquote", "br", "center", "dd", "div", "dl", "dt", "footer", "form", "h1",
  "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
  "tbody", "tfoot", "thead", "tr", "ul",
]); // prettier-ignore
/** Table cells: a space between them (html-to-text runs adjacent cells together into one word). */
const CELL = new Set(["td", "th"]);
/** Hrefs and sources kept as `[url]`: the ones that name a host. */
const LINK_SCHEME = /^(?:(?:https?|ftp):\/\/|www\.)/i;
const WHITESPACE = /\s+/g;
/** Attributes read per tag at most; the rest of a tag's attributes are ignored. */
const MAX_ATTRIBUTES = 32;
/** Classes of one element looked up at most. */
const MAX_CLASSES = 16;
/** Opacity at most this shows nothing. */
const INVISIBLE_OPACITY = 0.05;
/** A relative font size at most this (of any parent) shows nothing readable. */
const TINY_FONT_FACTOR = 0.1;

/** Characters of text written at most by default: what fingerprinting reads of a message's text. */
export const MAX_HTML_TEXT_CHARS = 256 * 1024;
/** Quote levels marked at most: a deeper line is still a quoted line (`> > > …`), its prefix stops growing. */
export const MAX_QUOTE_PREFIX = 8;
/** A line break followed by the quote prefix, for each quote depth up to MAX_QUOTE_PREFIX. */
const QUOTE_BREAKS: readonly string[] = Array.from({ length: MAX_QUOTE_PREFIX + 1 }, (_, depth) =>
  "\n".concat("> ".repeat(depth)),
);
/** What `markHidden` writes around text a reader would not see. */
export const HIDDEN_OPEN = "⟦";
export const HIDDEN_CLOSE = "⟧";

/** Characters of text shown and left out; added to by each call, so one object can sum several parts. */
export interface HtmlTextStats {
  visibleChars: number;
  hiddenChars: number;
}

export interface HtmlTextOptions {
  /** Sums of the text kept and left out. */
  stats?: HtmlTextStats;
  /** Write hidden text too, between HIDDEN_OPEN and HIDDEN_CLOSE (for a person reading it, never a fingerprint). */
  markHidden?: boolean;
}

/** How an element shows its text, inherited as CSS inherits each property. */
interface Visibility {
  /** Hidden whatever a descendant declares (display:none, opacity, a clipping box, off the page…). */
  gone: boolean;
  visibilityHidden: boolean;
  fontZero: boolean;
  /** Text colour, 0xRRGGBB; -1 when unknown; TRANSPARENT. */
  colour: number;
  /** The nearest declared background, 0xRRGGBB; -1 when none; UNKNOWN_BACKGROUND. */
  background: number;
}

const ROOT: Visibility = { gone: false, visibilityHidden: false, fontZero: false, colour: -1, background: -1 };

/** Whether text in an element with this visibility shows. */
function shows(v: Visibility): boolean {
  if (v.gone || v.visibilityHidden || v.fontZero || v.colour === TRANSPARENT) return false;
  return !sameColour(v.colour, v.background);
}

/** Whether an image or a link target shows: its box is there (text colour and size do not hide a picture). */
function boxShows(v: Visibility): boolean {
  return !v.gone && !v.visibilityHidden;
}

/** The text of an HTML document or fragment, at most `maxChars` characters of it. */
export function htmlToText(html: string, maxChars = MAX_HTML_TEXT_CHARS, options: HtmlTextOptions = {}): string {
  const out = new TextBuilder(maxChars, options);
  const sheet = readStyleSheet(html);
  let open = new OpenElements<Visibility>(ROOT);
  const length = html.length;
  let inHead = false; // inside <head>, which ends at </head> or at <body>
  let href: string | null = null; // the href of the open link
  let hrefShown = true; // whether the open link's text shows
  let hrefTextStart = 0; // out.size when the link opened
  let i = 0;
  while (i < length && !out.full) {
    const lt = html.indexOf("<", i);
    const textEnd = lt < 0 ? length : lt;
    if (textEnd > i) {
      const text = html.slice(i, textEnd);
      // Text in <head> opens the body, as in a browser: a missing <body> does not hide the message.
      if (inHead && NOT_BLANK.test(text)) inHead = false;
      if (!inHead) out.text(text, shows(open.top));
    }
    if (lt < 0) break;
    const next = html.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      // comment, doctype, CDATA or processing instruction
      const close = html.startsWith("<!--", lt) ? html.indexOf("-->", lt + 4) : html.indexOf(">", lt + 2);
      if (close < 0) break;
      i = close + (html.startsWith("<!--", lt) ? 3 : 1);
      continue;
    }
    const closing = next === 0x2f; /* / */
    const nameStart = lt + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < length && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === nameStart || !isLetter(html.charCodeAt(nameStart))) {
      // not a tag: "<" is text
      if (!inHead) out.text("<", shows(open.top));
      i = lt + 1;
      continue;
    }
    const tagEnd = findTagEnd(html, nameEnd);
    if (tagEnd < 0) break; // an unterminated tag swallows the rest, as in a browser
    i = tagEnd + 1;
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    if (!closing && RAW_TEXT.has(name)) {
      if (html.charCodeAt(tagEnd - 1) !== 0x2f /* self-closing */) i = rawTextEnd(html, name, i);
      continue;
    }
    if (name === "head" || name === "body" || name === "html") {
      if (name !== "html") inHead = name === "head" && !closing;
      // the body's and the document's colours and styles are the root of every other element's
      if (!closing && name !== "head" && open.depth === 0) {
        open = new OpenElements(visibilityOf(open.root, name, attributes(html, nameEnd, tagEnd), sheet));
      }
      continue;
    }
    if (inHead) {
      if (closing || HEAD_CONTENT.has(name)) continue;
      inHead = false; // an element that belongs in the body opens it
    }
    if (closing) {
      if (!VOID.has(name)) open.end(name);
      if (name === "a" && href !== null) {
        out.inline(out.size > hrefTextStart ? ` [${href}]` : href, hrefShown);
        href = null;
      } else if (name === "blockquote") out.closeQuote();
      else if (BLOCK.has(name)) out.lineBreak();
      else if (CELL.has(name)) out.text(" ", true);
      continue;
    }
    open.beforeStart(name);
    const attrs = attributes(html, nameEnd, tagEnd);
    const visibility = visibilityOf(open.top, name, attrs, sheet);
    if (!VOID.has(name)) open.push(name, visibility);
    const shown = boxShows(visibility);
    if (name === "a") {
      const target = attrs.href;
      href = target === undefined ? null : linkTarget(target);
      hrefShown = shown;
      hrefTextStart = out.size;
    } else if (name === "img") {
      const alt = attrs.alt;
      const src = attrs.src;
      if (alt) out.text(` ${decodeHTML(alt)} `, shown);
      if (src && LINK_SCHEME.test(src.trim())) out.inline(` [${decodeHTML(src).trim()}] `, shown);
    } else if (name === "blockquote") out.openQuote();
    else if (BLOCK.has(name)) out.lineBreak();
    else if (CELL.has(name)) out.text(" ", true);
  }
  return out.toString();
}

/** How an element shows its text: its parent's visibility with the element's own declarations applied. */
function visibilityOf(parent: Visibility, name: string, attrs: TagAttributes, sheet: StyleSheet): Visibility {
  if (sheet.empty && !styles(attrs)) return parent;
  const inline = presentationalHints(
    name,
    attrs,
    attrs.style ? parseDeclarations(attrs.style, emptyDeclarations()) : null,
  );
  const rules = sheet.empty ? [] : sheet.matching(name, classesOf(attrs.class), attrs.id?.trim().toLowerCase() ?? null);
  if (rules.length === 0 && inline === null && !attrs.hidden) return parent;
  const d = cascade(rules, inline);
  return {
    gone: parent.gone || attrs.hidden === true || isGone(d),
    visibilityHidden: d.visibilityHidden ?? parent.visibilityHidden,
    fontZero: fontZero(d, parent.fontZero),
    colour: d.color ?? parent.colour,
    background: d.background === undefined || d.background === TRANSPARENT ? parent.background : d.background,
  };
}

/** Whether declarations hide an element and all it holds, whatever its descendants declare. */
function isGone(d: StyleDecls): boolean {
  if (d.displayNone || d.clipped || d.scaledAway || d.indentFar || d.marginFar) return true;
  if (d.opacity !== undefined && d.opacity <= INVISIBLE_OPACITY) return true;
  if (d.overflowHidden && (d.heightTiny || d.maxHeightTiny || d.widthTiny || d.maxWidthTiny)) return true;
  return d.positioned === true && (d.leftFar === true || d.topFar === true);
}

function fontZero(d: StyleDecls, parentZero: boolean): boolean {
  if (d.fontSize === undefined) return parentZero;
  if (d.fontAbsolute) return d.fontSize <= 1;
  return parentZero || d.fontSize <= TINY_FONT_FACTOR;
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

function classesOf(value: string | undefined): string[] {
  if (!value) return [];
  const classes = value
    .toLowerCase()
    .split(/\s+/)
    .filter((c) => c !== "");
  return classes.length > MAX_CLASSES ? classes.slice(0, MAX_CLASSES) : classes;
}

/** The rules of every `<style>` block of the document (outside comments and scripts), in order. */
function readStyleSheet(html: string): StyleSheet {
  const sheet = new StyleSheet();
  const find = /<!--|<(style|script)[\s>/]/gi;
  for (let m = find.exec(html); m !== null; m = find.exec(html)) {
    if (m[0] === "<!--") {
      const end = html.indexOf("-->", m.index + 4);
      if (end < 0) break;
      find.lastIndex = end + 3;
      continue;
    }
    const tagEnd = findTagEnd(html, m.index + 1 + m[1]!.length);
    if (tagEnd < 0) break;
    const end = rawTextEnd(html, m[1]!.toLowerCase(), tagEnd + 1);
    if (m[1]!.toLowerCase() === "style") {
      const close = html.lastIndexOf("</", end);
      sheet.add(html.slice(tagEnd + 1, close > tagEnd ? close : end));
    }
    find.lastIndex = end;
  }
  return sheet;
}

/** Where the content of a raw-text element (`<script>`…) that starts at `from` ends: after its end tag, or at
 * the end of the input when it has none. */
function rawTextEnd(html: string, name: string, from: number): number {
  const end = new RegExp(`</${name}[\\s/>]`, "gi");
  end.lastIndex = from;
  const match = end.exec(html);
  if (!match) return html.length;
  const close = html.indexOf(">", match.index);
  return close < 0 ? html.length : close + 1;
}

/** An href as html-to-text shows it: entities decoded, `mailto:` dropped, in-page anchors (`#x`) left out. */
function linkTarget(raw: string): string | null {
  const href = decodeHTML(raw)
    .trim()
    .replace(/^mailto:/i, "");
  return href === "" || href.startsWith("#") ? null : href;
}

/** The output: shown text with whitespace collapsed, line breaks, and `> ` prefixes inside blockquotes, cut at a
 * cap; hidden text counted (and written between markers when asked). */
class TextBuilder {
  readonly #parts: string[] = [];
  readonly #stats: HtmlTextStats;
  readonly #markHidden: boolean;
  #quoteDepth = 0;
  /** Characters written, line breaks and prefixes included; never more than the cap. */
  #written = 0;
  /** Characters of text written so far (to know whether a link had text). */
  size = 0;

  constructor(
    readonly maxChars: number,
    options: HtmlTextOptions,
  ) {
    this.#stats = options.stats ?? { visibleChars: 0, hiddenChars: 0 };
    this.#markHidden = options.markHidden ?? false;
  }

  /** Whether the cap is reached: nothing more is written. */
  get full(): boolean {
    return this.#written >= this.maxChars;
  }

  text(raw: string, shown: boolean): void {
    // Decoding and collapsing only shrink the text: what they allocate is bounded by the input.
    const decoded = raw.includes("&") ? decodeHTML(raw) : raw;
    const text = decoded.replace(WHITESPACE, " ");
    if (text === "" || text === " ") {
      if (text === " ") this.#push(" ");
      return;
    }
    this.#add(text, shown);
  }

  /** Text written as is (an href or a source: no entity decoding again). */
  inline(text: string, shown: boolean): void {
    this.#add(text, shown);
  }

  lineBreak(): void {
    const depth = Math.min(this.#quoteDepth, MAX_QUOTE_PREFIX);
    this.#push(QUOTE_BREAKS[depth]!);
  }

  openQuote(): void {
    this.#quoteDepth++;
    this.lineBreak();
  }

  closeQuote(): void {
    if (this.#quoteDepth > 0) this.#quoteDepth--;
    this.lineBreak();
  }

  toString(): string {
    return this.#parts.join("");
  }

  #add(text: string, shown: boolean): void {
    if (shown) {
      const written = this.#push(text);
      this.size += written;
      this.#stats.visibleChars += written;
      return;
    }
    this.#stats.hiddenChars += text.length;
    if (this.#markHidden) this.#push(HIDDEN_OPEN + text + HIDDEN_CLOSE);
  }

  /** Append what fits under the cap; the number of characters appended. */
  #push(text: string): number {
    const room = this.maxChars - this.#written;
    if (room <= 0) return 0;
    const kept = text.length <= room ? text : text.slice(0, room);
    this.#parts.push(kept);
    this.#written += kept.length;
    return kept.length;
  }
}

/** The index of the `>` that ends a tag whose name ends at `from`, quotes respected; -1 when there is none. */
function findTagEnd(html: string, from: number): number {
  let quote = 0;
  for (let i = from; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x3e /* > */) return i;
    else if ((c === 0x22 || c === 0x27) && isAttributeValueStart(html, i)) quote = c;
  }
  return -1;
}

/** Whether a quote at `i` opens an attribute value (`=` before it, spaces allowed), not a stray one. */
function isAttributeValueStart(html: string, i: number): boolean {
  let j = i - 1;
  while (j > 0 && (html.charCodeAt(j) === 0x20 || html.charCodeAt(j) === 0x09)) j--;
  return html.charCodeAt(j) === 0x3d; /* = */
}

/** The attributes of a tag that its visibility, a link or an image depend on (raw values). */
interface TagAttributes {
  style?: string;
  class?: string;
  id?: string;
  hidden?: boolean;
  color?: string;
  /** `<body text>` */
  text?: string;
  bgcolor?: string;
  background?: boolean;
  href?: string;
  alt?: string;
  src?: string;
}

/** Whether any attribute that styles an element was found. */
function styles(a: TagAttributes): boolean {
  return (
    a.style !== undefined ||
    a.class !== undefined ||
    a.id !== undefined ||
    a.hidden !== undefined ||
    a.color !== undefined ||
    a.text !== undefined ||
    a.bgcolor !== undefined ||
    a.background !== undefined
  );
}

const NO_ATTRIBUTES: TagAttributes = Object.freeze({});

/** The attributes of the tag between `from` and `end` that TagAttributes names (the first of a name wins), read
 * in one scan of the tag without a regular expression; at most MAX_ATTRIBUTES attributes are looked at. */
function attributes(html: string, from: number, end: number): TagAttributes {
  if (end - from < 2) return NO_ATTRIBUTES;
  const found: TagAttributes = {};
  let i = from;
  for (let seen = 0; i < end && seen < MAX_ATTRIBUTES; seen++) {
    while (i < end && (isSpace(html.charCodeAt(i)) || html.charCodeAt(i) === 0x2f)) i++;
    const nameStart = i;
    while (i < end && !isNameEnd(html.charCodeAt(i))) i++;
    if (i === nameStart) {
      i++;
      continue;
    }
    const nameEnd = i;
    while (i < end && isSpace(html.charCodeAt(i))) i++;
    let value: string | undefined;
    if (html.charCodeAt(i) === 0x3d /* = */) {
      i++;
      while (i < end && isSpace(html.charCodeAt(i))) i++;
      const quote = html.charCodeAt(i);
      if (quote === 0x22 || quote === 0x27) {
        const close = html.indexOf(quote === 0x22 ? '"' : "'", i + 1);
        const valueEnd = close < 0 || close > end ? end : close;
        value = html.slice(i + 1, valueEnd);
        i = valueEnd + 1;
      } else {
        const valueStart = i;
        while (i < end && !isSpace(html.charCodeAt(i))) i++;
        value = html.slice(valueStart, i);
      }
    }
    if (nameEnd - nameStart <= 10) assign(found, html.slice(nameStart, nameEnd).toLowerCase(), value ?? "");
  }
  return found;
}

function assign(found: TagAttributes, name: string, value: string): void {
  switch (name) {
    case "style":
    case "class":
    case "id":
    case "color":
    case "text":
    case "bgcolor":
    case "href":
    case "alt":
    case "src":
      found[name] ??= value;
      return;
    case "hidden":
    case "background":
      found[name] = true;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

function isNameEnd(c: number): boolean {
  return isSpace(c) || c === 0x3d || c === 0x3e || c === 0x2f;
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isNameChar(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x3a || c === 0x5f;
}
