/**
 * Attribute selectors of `<style>` rules (`[a]`, `[a=v]`, `[a~=v]`, `[a|=v]`, `[a^=v]`, `[a$=v]`, `[a*=v]`, quoted
 * or not, with an optional ` i` flag), for ./css-compound.ts: read from the text between the brackets, and tested
 * against an element's attribute as ./html-tags.ts read it. Values compare case-sensitively unless the flag says
 * otherwise (HTML makes a few attributes insensitive; not applying a rule there shows text, never hides more). A
 * value a selector names is at most MAX_SELECTOR_VALUE long and one an element carries is read to MAX_ATTRIBUTE_VALUE
 * (html-tags.ts; an href or a style attribute cut there too), lowercased and split into words once an element
 * (AttributeRead), so a test costs a bounded number of characters however many tests read the value. Pure: no I/O.
 */
import { MAX_ATTRIBUTE_VALUE, type TagAttributes } from "./html-tags.js";

/** Characters of a value a selector may name; a longer one is not applied (a test's cost stays bounded). */
const MAX_SELECTOR_VALUE = 64;

/** One attribute test: the attribute's name (lowercase), how its value is compared, and to what. */
export interface AttributeTest {
  kind: "attribute";
  name: string;
  /** "" for presence, else the operator's first character ("=" for `=`, "~" for `~=`…). */
  op: "" | "=" | "~" | "|" | "^" | "$" | "*";
  value: string;
  insensitive: boolean;
}

const NAME = /^[a-z_][a-z0-9_:-]*$/;
const OPERATORS = new Set(["~", "|", "^", "$", "*"]);
const UNQUOTED = /^[A-Za-z0-9_-]+$/;

/** The test between `[` and `]` (the brackets left out), or null when it is not one this reader applies. */
export function parseAttributeTest(inner: string): AttributeTest | null {
  const eq = inner.indexOf("=");
  if (eq < 0) {
    const name = inner.trim().toLowerCase();
    return NAME.test(name) ? { kind: "attribute", name, op: "", value: "", insensitive: false } : null;
  }
  const before = inner[eq - 1] ?? "";
  const op = OPERATORS.has(before) ? (before as AttributeTest["op"]) : "=";
  const name = inner
    .slice(0, op === "=" ? eq : eq - 1)
    .trim()
    .toLowerCase();
  if (!NAME.test(name)) return null;
  let rest = inner.slice(eq + 1).trim();
  // A trailing ` i` (or ` s`) after the value is a flag: an unquoted value has no white space in it.
  const flag = rest.length > 2 && /\s/.test(rest[rest.length - 2]!) ? rest[rest.length - 1]!.toLowerCase() : "";
  const insensitive = flag === "i";
  if (flag === "i" || flag === "s") rest = rest.slice(0, -1).trimEnd();
  const quote = rest[0];
  let value: string;
  if (quote === '"' || quote === "'") {
    if (rest.length < 2 || rest[rest.length - 1] !== quote) return null;
    value = rest.slice(1, -1);
    if (value.includes(quote) || value.includes("\\")) return null;
  } else if (UNQUOTED.test(rest)) value = rest;
  else return null;
  if (value.length > MAX_SELECTOR_VALUE) return null;
  return { kind: "attribute", name, op, value: insensitive ? value.toLowerCase() : value, insensitive };
}

/** An element's attribute as a selector reads it: its value, "" for one kept without a value, undefined if absent. */
export function attributeValue(attrs: Readonly<TagAttributes>, name: string): string | undefined {
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
      return attrs[name];
    case "hidden":
    case "background":
      return attrs[name] ? "" : undefined;
    default:
      return attrs.extra?.get(name);
  }
}

/** An element's attribute as its tests read it: cut at MAX_ATTRIBUTE_VALUE, lowercased and split into words once,
 * whichever test first needs it (an element may be tried on hundreds of tests of one attribute). */
export class AttributeRead {
  readonly value: string;
  #lower: string | null = null;
  readonly #words: (Set<string> | null)[] = [null, null];

  constructor(found: string) {
    this.value = found.length > MAX_ATTRIBUTE_VALUE ? found.slice(0, MAX_ATTRIBUTE_VALUE) : found;
  }

  text(insensitive: boolean): string {
    return insensitive ? (this.#lower ??= this.value.toLowerCase()) : this.value;
  }

  words(insensitive: boolean): Set<string> {
    const i = insensitive ? 1 : 0;
    return (this.#words[i] ??= new Set(this.text(insensitive).split(/[ \t\n\r\f]+/)));
  }
}

/** An element's attributes as tests read them, each made on the first test of its name (ElementFacts.read). */
export function readAttribute(
  e: { attrs: Readonly<TagAttributes>; read?: Map<string, AttributeRead | undefined> },
  name: string,
): AttributeRead | undefined {
  const read = (e.read ??= new Map<string, AttributeRead | undefined>());
  if (read.has(name)) return read.get(name);
  const found = attributeValue(e.attrs, name);
  const made = found === undefined ? undefined : new AttributeRead(found);
  read.set(name, made);
  return made;
}

/** Whether an attribute read as `found` (undefined: absent) passes the test. */
export function attributeMatches(test: AttributeTest, found: AttributeRead | undefined): boolean {
  if (found === undefined) return false;
  if (test.op === "") return true;
  const value = found.text(test.insensitive);
  const want = test.value;
  switch (test.op) {
    case "=":
      return value === want;
    case "~":
      return want !== "" && !/\s/.test(want) && found.words(test.insensitive).has(want);
    case "|":
      return value === want || value.startsWith(`${want}-`);
    case "^":
      return want !== "" && value.startsWith(want);
    case "$":
      return want !== "" && value.endsWith(want);
    case "*":
      return want !== "" && value.includes(want);
  }
}
