/**
 * HTML to the text a reader sees, for fingerprints: one linear pass over the markup, no DOM. It keeps what the
 * words of a message are made of: text (entities decoded), the text of links followed by their href in brackets
 * (`Click [https://…]`, as html-to-text writes them), image alt text and http(s) image sources, line breaks at
 * block elements, `> ` before the lines of a blockquote (so reply quotes can be stripped), and nothing of
 * `<head>`, `<script>`, `<style>`, `<title>`, `<template>`, comments or declarations.
 *
 * Text a mail client would not show is left out and counted (`HtmlTextStats`): hidden salting puts random words or
 * another message's text in elements styled out of sight, and a message that hides much of its text is itself a
 * signal. Hidden means: the `hidden` attribute; display:none, visibility:hidden, opacity near 0, a font size
 * under 5px (`font: 0/0 a`, 2px), a colour a reader cannot make out on the declared background or transparent, a box
 * of at most 1px that clips its overflow (max-height:0 with overflow:hidden), a position far off the page, a zero
 * clip, a transform, filter, content-visibility or text fill that paints it out of sight; from the style attribute,
 * `<font color>`, `bgcolor`, or the rules of the document's `<style>` blocks it applies, character references and
 * CSS escapes decoded, through custom properties and var() and calc(), min(), max() and clamp() too
 * (./html-visibility.ts, ./css-sheet.ts). Which text an element covers follows the browser's open elements
 * (./open-elements.ts). For a sheet whose selectors need what follows an element (`:last-child`, `:empty`, `:has()`),
 * the reader first runs over the document without writing text, recording that of each element (./css-lookahead.ts).
 * A closed `<details>` and a `<select>`'s other options stay text: a click shows them, and most clients show them.
 *
 * Pure: no I/O. Work is linear in the input: every character is looked at a bounded number of times, the
 * stylesheet is read once up to a cap, and the output is capped as it is written (`maxChars`): once it is full the
 * rest of the document is not read. A quote prefix is written at most MAX_QUOTE_PREFIX levels deep, so nested
 * quotes cost a bounded number of characters per line break, not one per level.
 */
import type { StyleSheet } from "./css-sheet.js";
import { decodeText } from "./html-attribute-entities.js";
import {
  findTagEnd,
  attributes,
  isLetter,
  isNameChar,
  linkTarget,
  rawTextEnd,
  type TagAttributes,
} from "./html-tags.js";
import { TextBuilder, type HtmlTextOptions } from "./html-text-builder.js";
import {
  boxShows,
  classesOf,
  idOf,
  readStyleSheet,
  ROOT,
  rootVisibility,
  pageBackground,
  showedToVersionTwo,
  shows,
  visibilityOf,
  type Visibility,
} from "./html-visibility.js";
import { Ancestors, type ElementTracker, type Lookahead } from "./css-context.js";
import { Survey } from "./css-lookahead.js";
import { OpenElements, VOID } from "./open-elements.js";

export {
  HIDDEN_CLOSE,
  HIDDEN_OPEN,
  MAX_QUOTE_PREFIX,
  type HtmlTextOptions,
  type HtmlTextStats,
} from "./html-text-builder.js";

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

/** Characters of text written at most by default: what fingerprinting reads of a message's text. */
export const MAX_HTML_TEXT_CHARS = 256 * 1024;

/** The text of an HTML document or fragment, at most `maxChars` characters of it. */
export function htmlToText(html: string, maxChars = MAX_HTML_TEXT_CHARS, options: HtmlTextOptions = {}): string {
  const textShows = options.versionTwoRules ? showedToVersionTwo : shows;
  const sheet = readStyleSheet(html);
  // Text kept hidden or not is the same text: what follows the elements changes nothing of it.
  const survey = sheet.needs.lookahead && sheet.hasComplex && !options.keepHidden ? surveyElements(html, sheet) : null;
  const text = new HtmlReader(html, new TextBuilder(maxChars, options), textShows, sheet, { lookahead: survey }).read();
  if (sheet.spent && options.stats) options.stats.styleSpent = true;
  return text;
}

/** The first pass for a sheet whose selectors need what follows an element: the reader over the whole document,
 * writing nothing, telling a Survey of each element and text (./css-lookahead.ts). */
export function surveyElements(html: string, sheet: StyleSheet): Survey {
  const survey = new Survey(sheet.needs);
  new HtmlReader(html, new TextBuilder(Infinity, {}), () => false, sheet, { survey }).read();
  survey.finish();
  return survey;
}

/** One pass over a document: text between tags goes to the output as its element shows it, tags open and close
 * elements. */
class HtmlReader {
  readonly #sheet: StyleSheet;
  /** The background text with none declared stands on (./html-visibility.ts, pageBackground). */
  readonly #page: number;
  /** The open elements' names, classes and ids, and what they held, kept only when the style sheet's rules ask for
   * them (./css-context.ts). */
  readonly #ancestors: Ancestors | null;
  /** In the first pass, the Survey told of the elements instead (nothing is written); else null. */
  readonly #survey: Survey | null;
  /** Whom elements are told of: the survey or the ancestors. */
  readonly #tracker: ElementTracker | null;
  /** The attributes the style sheet's selectors test, kept of each tag beside the usual ones; null when none. */
  readonly #wanted: ReadonlySet<string> | null;
  readonly #closed = () => this.#tracker?.pop();
  #open = new OpenElements<Visibility>(ROOT, this.#closed);
  /** Whether a `<body>` or `<html>` met inside other elements already restyled them (a browser moves its attributes
   * to the document's body, once). */
  #lateBodyStyled = false;
  /** Inside <head>, which ends at </head>, at <body> or at the first element or text of the body. */
  #inHead = false;
  /** The href of the open link, whether its text shows, and the output's size when it opened. */
  #href: string | null = null;
  #hrefShown = true;
  #hrefTextStart = 0;

  /** `pass`: the first pass's Survey to tell of the elements, or, in the second, what it recorded (null: none). */
  constructor(
    readonly html: string,
    readonly out: TextBuilder,
    readonly shows: (v: Visibility, page: number) => boolean,
    sheet: StyleSheet,
    pass: { survey: Survey } | { lookahead: Lookahead | null },
  ) {
    this.#sheet = sheet;
    this.#page = pageBackground(this.#sheet);
    const root = rootVisibility(this.#sheet);
    if (root !== ROOT) this.#open = new OpenElements<Visibility>(root, this.#closed);
    this.#survey = "survey" in pass ? pass.survey : null;
    this.#ancestors =
      this.#sheet.hasComplex && "lookahead" in pass ? new Ancestors(this.#sheet.needs, pass.lookahead) : null;
    this.#tracker = this.#survey ?? this.#ancestors;
    this.#wanted = this.#sheet.attributeNames;
  }

  read(): string {
    const { html, out } = this;
    let i = 0;
    while (i < html.length && !out.full) {
      const lt = html.indexOf("<", i);
      const textEnd = lt < 0 ? html.length : lt;
      if (textEnd > i) this.#text(html.slice(i, textEnd));
      if (lt < 0) break;
      const next = this.#markup(lt);
      if (next < 0) break;
      i = next;
    }
    return out.toString();
  }

  #text(text: string): void {
    // Text in <head> opens the body, as in a browser: a missing <body> does not hide the message.
    if (this.#inHead && NOT_BLANK.test(text)) this.#inHead = false;
    if (!this.#inHead) this.#write(text);
  }

  #write(text: string): void {
    if (this.#survey) return this.#survey.text();
    const shown = this.shows(this.#open.top, this.#page);
    if (!shown && showedToVersionTwo(this.#open.top)) this.out.hiddenSinceVersionTwo(text.length);
    this.out.text(text, shown);
  }

  /** Read the markup at `lt` (a "<"); where reading goes on, or -1 when the rest of the input is swallowed. */
  #markup(lt: number): number {
    const html = this.html;
    const next = html.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      // comment, doctype, CDATA or processing instruction
      const comment = html.startsWith("<!--", lt);
      const close = comment ? html.indexOf("-->", lt + 4) : html.indexOf(">", lt + 2);
      return close < 0 ? -1 : close + (comment ? 3 : 1);
    }
    const closing = next === 0x2f; /* / */
    const nameStart = lt + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < html.length && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === nameStart || !isLetter(html.charCodeAt(nameStart))) {
      // not a tag: "<" is text
      if (!this.#inHead) this.#write("<");
      return lt + 1;
    }
    const tagEnd = findTagEnd(html, nameEnd);
    if (tagEnd < 0) return -1; // an unterminated tag swallows the rest, as in a browser
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    if (!closing && RAW_TEXT.has(name)) {
      // In the body it is an element among its siblings all the same (`:first-child`, `+`).
      if (this.#tracker && !this.#inHead)
        this.#opened(this.#tracker, name, attributes(html, nameEnd, tagEnd, this.#wanted));
      const selfClosing = html.charCodeAt(tagEnd - 1) === 0x2f;
      if (this.#survey && !this.#inHead && !selfClosing && holdsRawText(html, name, tagEnd + 1))
        this.#survey.holdsText();
      return selfClosing ? tagEnd + 1 : rawTextEnd(html, name, tagEnd + 1);
    }
    if (this.#document(name, closing, nameEnd, tagEnd)) return tagEnd + 1;
    if (closing) this.#end(name);
    else this.#start(name, nameEnd, tagEnd);
    return tagEnd + 1;
  }

  /** `<html>`, `<head>` and `<body>`, and what stands in the head; true when the tag was one of them. */
  #document(name: string, closing: boolean, nameEnd: number, tagEnd: number): boolean {
    if (name === "head" || name === "body" || name === "html") {
      if (name !== "html") this.#inHead = name === "head" && !closing;
      // the body's and the document's colours and styles are the root of every other element's
      if (!closing && name !== "head" && this.#open.depth === 0) {
        const attrs = attributes(this.html, nameEnd, tagEnd, this.#wanted);
        this.#open = new OpenElements(visibilityOf(this.#open.root, name, attrs, this.#sheet), this.#closed);
      } else if (!closing && name !== "head" && !this.#lateBodyStyled) {
        // `<pre><body bgcolor=black>`: a browser styles the whole body with it, so what is open inherits it too.
        const root = visibilityOf(
          this.#open.root,
          name,
          attributes(this.html, nameEnd, tagEnd, this.#wanted),
          this.#sheet,
        );
        if (root !== this.#open.root) {
          this.#open = this.#open.rebased(root);
          this.#lateBodyStyled = true;
        }
      }
      return true;
    }
    if (!this.#inHead) return false;
    if (closing || HEAD_CONTENT.has(name)) return true;
    this.#inHead = false; // an element that belongs in the body opens it
    return false;
  }

  /** Tell the elements around that an element opened (void: it holds nothing and closes at once). */
  #opened(ancestors: ElementTracker, name: string, attrs: TagAttributes, isVoid = true): void {
    ancestors.opened(ancestors.facts(name, classesOf(attrs.class), idOf(attrs), attrs), isVoid);
  }

  #end(name: string): void {
    const out = this.out;
    if (!VOID.has(name)) this.#open.end(name);
    if (this.#survey) return;
    if (name === "a" && this.#href !== null) {
      out.inline(out.size > this.#hrefTextStart ? ` [${this.#href}]` : this.#href, this.#hrefShown);
      this.#href = null;
    } else if (name === "blockquote") out.closeQuote();
    else if (BLOCK.has(name)) out.lineBreak();
    else if (CELL.has(name)) out.text(" ", true);
  }

  #start(name: string, nameEnd: number, tagEnd: number): void {
    const out = this.out;
    this.#open.beforeStart(name);
    const attrs = attributes(this.html, nameEnd, tagEnd, this.#wanted);
    const ancestors = this.#ancestors ?? undefined;
    // The first pass needs the elements' structure only: no visibility, nothing written.
    const visibility = this.#survey ? ROOT : visibilityOf(this.#open.top, name, attrs, this.#sheet, ancestors);
    const isVoid = VOID.has(name);
    // A void element is a sibling too (:nth-child, `+`), never an ancestor.
    if (this.#tracker) this.#opened(this.#tracker, name, attrs, isVoid);
    if (!isVoid) this.#open.push(name, visibility);
    if (this.#survey) return;
    const shown = boxShows(visibility);
    if (name === "a") {
      const target = attrs.href;
      this.#href = target === undefined ? null : linkTarget(target);
      this.#hrefShown = shown;
      this.#hrefTextStart = out.size;
    } else if (name === "img") {
      const { alt, src } = attrs;
      if (alt) out.text(` ${decodeText(alt)} `, shown);
      if (src && LINK_SCHEME.test(src.trim())) out.inline(` [${decodeText(src).trim()}] `, shown);
    } else if (name === "blockquote") out.openQuote();
    else if (BLOCK.has(name)) out.lineBreak();
    else if (CELL.has(name)) out.text(" ", true);
  }
}

/** Whether a raw-text element whose content starts at `from` holds any (its end tag does not follow at once). */
function holdsRawText(html: string, name: string, from: number): boolean {
  return (
    from < html.length &&
    !(html.startsWith("</", from) && html.slice(from + 2, from + 2 + name.length).toLowerCase() === name)
  );
}
