/**
 * Reading HTML tags without a DOM, for ./html-text.ts: where a tag ends (quotes respected), its attributes (the
 * ones visibility, links and images depend on, and those a style sheet's attribute selectors name, in one scan, no
 * regular expression), where a raw-text element's
 * content ends, and a link's target as html-to-text shows it. Pure: no I/O; each is one pass over the part of the
 * input it is given.
 */
import { attributeValue, decodeText } from "./html-attribute-entities.js";

/** Attributes read per tag at most; the rest of a tag's attributes are ignored. */
const MAX_ATTRIBUTES = 32;
/** Characters of an attribute name kept for a style sheet's attribute selectors (TagAttributes.extra). */
const MAX_EXTRA_NAME = 64;
/** Characters of such an attribute's value kept: what a selector's test reads of it (./css-attributes.ts). */
export const MAX_ATTRIBUTE_VALUE = 256;

/** Where the content of a raw-text element (`<script>`…) that starts at `from` ends: after its end tag, or at
 * the end of the input when it has none. */
export function rawTextEnd(html: string, name: string, from: number): number {
  const end = new RegExp(`</${name}[\\s/>]`, "gi");
  end.lastIndex = from;
  const match = end.exec(html);
  if (!match) return html.length;
  const close = html.indexOf(">", match.index);
  return close < 0 ? html.length : close + 1;
}

/** An href as html-to-text shows it: entities decoded, `mailto:` dropped, in-page anchors (`#x`) left out. */
export function linkTarget(raw: string): string | null {
  const href = decodeText(raw)
    .trim()
    .replace(/^mailto:/i, "");
  return href === "" || href.startsWith("#") ? null : href;
}

/** The index of the `>` that ends a tag whose name ends at `from`, quotes respected; -1 when there is none. */
export function findTagEnd(html: string, from: number): number {
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

/** The attributes of a tag that its visibility, a link or an image depend on (those that style it with their
 * character references decoded, the others raw). */
export interface TagAttributes {
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
  /** Other attributes a style sheet's selectors name (lowercase name, value entity-decoded), only when asked. */
  extra?: ReadonlyMap<string, string>;
}

/** Whether any attribute that styles an element was found. */
export function stylesElement(a: TagAttributes): boolean {
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

/**
 * A tag's attributes with every field present from the start, in one order, so that all of them share one hidden
 * class. Fields added in the order a tag names them (`style` then `class` in one tag, `class` then `id` in another)
 * make a hidden class per order and subset met, and the code reading them (visibilityOf, stylesElement) deoptimises
 * ("wrong map") and is compiled again as distinct mail brings new ones (benchmarks/README.md, "What V8 keeps
 * compiling").
 */
class FoundAttributes implements TagAttributes {
  style: string | undefined = undefined;
  class: string | undefined = undefined;
  id: string | undefined = undefined;
  hidden: boolean | undefined = undefined;
  color: string | undefined = undefined;
  text: string | undefined = undefined;
  bgcolor: string | undefined = undefined;
  background: boolean | undefined = undefined;
  href: string | undefined = undefined;
  alt: string | undefined = undefined;
  src: string | undefined = undefined;
  extra: Map<string, string> | undefined = undefined;
}

/** Every tag without attributes. Shared and not frozen (freezing gives an object a hidden class of its own);
 * Readonly keeps callers from writing to it. */
const NO_ATTRIBUTES: Readonly<TagAttributes> = new FoundAttributes();

/** The attributes of the tag between `from` and `end` that TagAttributes names (the first of a name wins), read
 * in one scan of the tag without a regular expression; at most MAX_ATTRIBUTES attributes are looked at. Those named
 * in `wanted` (lowercase) go to `extra` too: at most its size, each value cut at MAX_ATTRIBUTE_VALUE. */
export function attributes(
  html: string,
  from: number,
  end: number,
  wanted?: ReadonlySet<string> | null,
): Readonly<TagAttributes> {
  if (end - from < 2) return NO_ATTRIBUTES;
  const found = new FoundAttributes();
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
    const known = nameEnd - nameStart <= 10 && assign(found, html.slice(nameStart, nameEnd).toLowerCase(), value ?? "");
    if (wanted && !known && nameEnd - nameStart <= MAX_EXTRA_NAME)
      keep(found, html.slice(nameStart, nameEnd), value, wanted);
  }
  return found;
}

/** An attribute a style sheet's selectors name, kept in `extra` (the first of a name wins). */
function keep(found: FoundAttributes, raw: string, value: string | undefined, wanted: ReadonlySet<string>): void {
  const name = raw.toLowerCase();
  if (!wanted.has(name) || found.extra?.has(name)) return;
  const cut =
    value === undefined ? "" : value.length > MAX_ATTRIBUTE_VALUE ? value.slice(0, MAX_ATTRIBUTE_VALUE) : value;
  (found.extra ??= new Map()).set(name, attributeValue(cut));
}

/** Set a field of TagAttributes from an attribute of its name (the first wins); false when it names none. */
function assign(found: TagAttributes, name: string, value: string): boolean {
  switch (name) {
    case "style":
    case "class":
    case "id":
    case "color":
    case "text":
    case "bgcolor":
      found[name] ??= attributeValue(value);
      return true;
    // Decoded where they are written (./html-text.ts), once.
    case "href":
    case "alt":
    case "src":
      found[name] ??= value;
      return true;
    case "hidden":
    case "background":
      found[name] = true;
      return true;
    default:
      return false;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

function isNameEnd(c: number): boolean {
  return isSpace(c) || c === 0x3d || c === 0x3e || c === 0x2f;
}

export function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

export function isNameChar(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x3a || c === 0x5f;
}
