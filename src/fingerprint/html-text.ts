/**
 * HTML to text for fingerprints: one linear pass over the markup, no DOM. It keeps what the words of a message
 * are made of and drops the rest: text (entities decoded), the text of links followed by their href in brackets
 * (`Click [https://…]`, as html-to-text writes them), image alt text and http(s) image sources, line breaks at
 * block elements, `> ` before the lines of a blockquote (so reply quotes can be stripped), and nothing of
 * `<head>`, `<script>`, `<style>`, `<title>`, `<template>`, comments or declarations. It is a replacement for
 * html-to-text (mailparser's converter, about ten times slower) where only the words matter, not the layout.
 * Pure: no I/O. Work is linear in the input: every character is looked at a bounded number of times, and the
 * output is capped as it is written (`maxChars`): once it is full the rest of the document is not read. A quote
 * prefix is written at most MAX_QUOTE_PREFIX levels deep, so nested quotes cost a bounded number of characters
 * per line break, not one per level.
 */
import { decodeHTML } from "entities";

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
const ATTRIBUTE = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

/** Characters of text written at most by default: what fingerprinting reads of a message's text. */
export const MAX_HTML_TEXT_CHARS = 256 * 1024;
/** Quote levels marked at most: a deeper line is still a quoted line (`> > > …`), its prefix stops growing. */
export const MAX_QUOTE_PREFIX = 8;
/** A line break followed by the quote prefix, for each quote depth up to MAX_QUOTE_PREFIX. */
const QUOTE_BREAKS: readonly string[] = Array.from({ length: MAX_QUOTE_PREFIX + 1 }, (_, depth) =>
  "\n".concat("> ".repeat(depth)),
);

/** The text of an HTML document or fragment, at most `maxChars` characters of it. */
export function htmlToText(html: string, maxChars = MAX_HTML_TEXT_CHARS): string {
  const out = new TextBuilder(maxChars);
  const length = html.length;
  let inHead = false; // inside <head>, which ends at </head> or at <body>
  let href: string | null = null; // the href of the open link
  let hrefTextStart = 0; // out.size when the link opened
  let i = 0;
  while (i < length && !out.full) {
    const lt = html.indexOf("<", i);
    const textEnd = lt < 0 ? length : lt;
    if (textEnd > i) {
      const text = html.slice(i, textEnd);
      // Text in <head> opens the body, as in a browser: a missing <body> does not hide the message.
      if (inHead && NOT_BLANK.test(text)) inHead = false;
      if (!inHead) out.text(text);
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
      if (!inHead) out.text("<");
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
    if (name === "head" || name === "body") {
      inHead = name === "head" && !closing;
      continue;
    }
    if (inHead) {
      if (closing || HEAD_CONTENT.has(name)) continue;
      inHead = false; // an element that belongs in the body opens it
    }
    if (closing) {
      if (name === "a" && href !== null) {
        out.inline(out.size > hrefTextStart ? ` [${href}]` : href);
        href = null;
      } else if (name === "blockquote") out.closeQuote();
      else if (BLOCK.has(name)) out.lineBreak();
      else if (CELL.has(name)) out.text(" ");
      continue;
    }
    if (name === "a") {
      const target = attribute(html, nameEnd, tagEnd, "href");
      href = target === null ? null : linkTarget(target);
      hrefTextStart = out.size;
    } else if (name === "img") {
      const alt = attribute(html, nameEnd, tagEnd, "alt");
      const src = attribute(html, nameEnd, tagEnd, "src");
      if (alt) out.text(` ${decodeHTML(alt)} `);
      if (src && LINK_SCHEME.test(src.trim())) out.inline(` [${decodeHTML(src).trim()}] `);
    } else if (name === "blockquote") out.openQuote();
    else if (BLOCK.has(name)) out.lineBreak();
    else if (CELL.has(name)) out.text(" ");
  }
  return out.toString();
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

/** The output: text with whitespace collapsed, line breaks, and `> ` prefixes inside blockquotes, cut at a cap. */
class TextBuilder {
  readonly #parts: string[] = [];
  #quoteDepth = 0;
  /** Characters written, line breaks and prefixes included; never more than the cap. */
  #written = 0;
  /** Characters of text written so far (to know whether a link had text). */
  size = 0;

  constructor(readonly maxChars: number) {}

  /** Whether the cap is reached: nothing more is written. */
  get full(): boolean {
    return this.#written >= this.maxChars;
  }

  text(raw: string): void {
    // Decoding and collapsing only shrink the text: what they allocate is bounded by the input.
    const decoded = raw.includes("&") ? decodeHTML(raw) : raw;
    const text = decoded.replace(WHITESPACE, " ");
    if (text === "" || text === " ") {
      if (text === " ") this.#push(" ");
      return;
    }
    this.size += this.#push(text);
  }

  /** Text written as is (an href or a source: no entity decoding again). */
  inline(text: string): void {
    this.size += this.#push(text);
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

/** The raw value of one attribute of the tag between `from` and `end`, or null when absent. */
function attribute(html: string, from: number, end: number, wanted: string): string | null {
  const source = html.slice(from, end);
  for (const match of source.matchAll(ATTRIBUTE)) {
    if (match[1]?.toLowerCase() === wanted) return match[2] ?? match[3] ?? match[4] ?? "";
  }
  return null;
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isNameChar(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x3a || c === 0x5f;
}
