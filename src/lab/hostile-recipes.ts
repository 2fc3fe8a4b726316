/**
 * The shapes of hostile mail, as fast-check arbitraries of small recipes (./hostile-mail.ts builds the message a
 * recipe describes, so generating 100,000 of them costs little): MIME trees of any depth and width, header floods,
 * long and folded headers, deeply nested HTML of every element kind, entity and markup floods, broken transfer
 * encodings, unknown charsets, NUL bytes, huge envelopes, and the inputs that once made a regular expression
 * quadratic. Every recipe also forges Floodgate's own headers. Sizes are mostly small, sometimes past every limit.
 */
import fc from "fast-check";

/** A size: usually within `common`; about one time in 31, within `rare`, past the limits. */
function size(common: [number, number], rare: [number, number]): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: common[0], max: common[1] }), weight: 30 },
    { arbitrary: fc.integer({ min: rare[0], max: rare[1] }), weight: 1 },
  );
}

/** Every element kind a mail client's HTML parser treats specially, and some it does not know. */
export const ELEMENTS = [
  "a", "abbr", "address", "article", "aside", "b", "bdo", "big", "blockquote", "body", "br", "button", "caption",
  "center", "cite", "code", "col", "dd", "del", "details", "dfn", "dir", "div", "dl", "dt", "em", "embed", "fieldset",
  "font", "footer", "form", "frame", "frameset", "h1", "h6", "head", "header", "hr", "html", "i", "iframe", "img",
  "input", "ins", "kbd", "label", "li", "main", "map", "marquee", "math", "menu", "meta", "nav", "nobr", "noembed",
  "noframes", "noscript", "object", "ol", "optgroup", "option", "p", "param", "plaintext", "pre", "q", "rp", "rt",
  "ruby", "s", "samp", "script", "section", "select", "small", "span", "strike", "strong", "style", "sub", "summary",
  "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "title", "tr", "tt", "u", "ul",
  "var", "wbr", "xmp", "x-unknown", "o:p", "v:shape",
]; // prettier-ignore

export const ENCODINGS = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus"] as const;
export const CHARSETS = [
  "utf-8", "us-ascii", "iso-8859-1", "koi8-r", "windows-1251", "gb18030", "iso-2022-jp", "utf-7", "utf-16", "utf-32",
  "x-unknown-zz", "", "\"\"", "utf-8; charset=koi8-r", "a".repeat(300),
]; // prettier-ignore
export const MARKUP_UNITS = [
  "<", "<a ", '<a href="', "<!--", "<![CDATA[", "&amp;", "&#x1F600;", "&#99999999;", "&nosuchentity;", "&", "<br>",
  "</p>", "<style>", "<font ", "]]>", "-->", "<table><tr><td>", "<p><b>", '<span style="display:none">', "<o:p>",
  "<a href=http://x.example/", "\u202e", "\u200b", "=\r\n", "<img alt=", "<td>", "<li>",
]; // prettier-ignore
export const REGEX_TRAPS = [
  "digits", "newlines", "spaces", "font-flood", "color-white", "auth-results-token", "list-id-lt", "dear-lines",
  "dots", "email-runs", "url-runs",
] as const; // prettier-ignore

/** Text that makes Unicode normalisation work hard: long runs of combining marks of mixed classes, in the body, as
 * HTML character references, as halfwidth voiced sound marks (marks only after NFKC) and in the subject. */
export const UNICODE_TRAPS = ["mark-run", "mark-references", "halfwidth-voiced", "subject-marks"] as const;

const FORGED_NAMES = ["X-Floodgate-Campaign", "X-Floodgate-Status", "x-floodgate-status", "X-FLOODGATE-Verdict"];

/** Forged Floodgate headers: which names, and whether they come after a thousand ordinary ones. */
const forged = fc.record({
  names: fc.subarray(FORGED_NAMES, { minLength: 0, maxLength: 4 }),
  copies: fc.integer({ min: 1, max: 3 }),
  afterPadding: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

const common = { forged, seed: fc.integer({ min: 0, max: 0x7fffffff }) };

/** One hostile message, described. */
export const hostileRecipe = fc.oneof(
  fc.record({
    family: fc.constant("mime-tree" as const),
    depth: size([0, 8], [60, 300]),
    width: size([0, 6], [900, 1600]),
    leaf: fc.constantFrom("text/plain", "text/html", "application/octet-stream", "message/rfc822"),
    encoding: fc.constantFrom(...ENCODINGS),
    charset: fc.constantFrom(...CHARSETS),
    closed: fc.boolean(),
    ...common,
  }),
  fc.record({ family: fc.constant("header-flood" as const), count: size([50, 2000], [20_000, 60_000]), ...common }),
  fc.record({
    family: fc.constant("long-header" as const),
    name: fc.constantFrom("Subject", "X-Long", "Content-Type", "Authentication-Results", "List-Id", "Received"),
    length: size([200, 20_000], [100_000, 250_000]),
    foldEvery: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })),
    ...common,
  }),
  fc.record({
    family: fc.constant("html-nest" as const),
    element: fc.constantFrom(...ELEMENTS),
    depth: size([1, 500], [5_000, 20_000]),
    closing: fc.constantFrom("none", "all", "mismatched"),
    attributes: fc.constantFrom("", ' style="display:none"', ' class="x"', ' href="http://a.example/"', " hidden"),
    tail: fc.constantFrom("<br>", "text ", "&amp;", "<p>"),
    tailCount: size([0, 500], [5_000, 20_000]),
    ...common,
  }),
  fc.record({
    family: fc.constant("markup-flood" as const),
    unit: fc.constantFrom(...MARKUP_UNITS),
    count: size([10, 5_000], [30_000, 100_000]),
    ...common,
  }),
  fc.record({
    family: fc.constant("broken-encoding" as const),
    encoding: fc.constantFrom(...ENCODINGS),
    kind: fc.constantFrom("junk", "equals", "invalid-utf8", "spaces", "truncated"),
    bytes: size([10, 10_000], [100_000, 400_000]),
    ...common,
  }),
  fc.record({
    family: fc.constant("charset" as const),
    charset: fc.constantFrom(...CHARSETS),
    bytes: size([10, 10_000], [100_000, 300_000]),
    ...common,
  }),
  fc.record({ family: fc.constant("nul" as const), bytes: size([1, 5_000], [100_000, 300_000]), ...common }),
  fc.record({
    family: fc.constant("envelope" as const),
    recipients: size([1, 200], [8_000, 20_000]),
    distinct: fc.boolean(),
    ...common,
  }),
  fc.record({
    family: fc.constant("regex-trap" as const),
    trap: fc.constantFrom(...REGEX_TRAPS),
    length: size([1_000, 50_000], [200_000, 400_000]),
    ...common,
  }),
  fc.record({
    family: fc.constant("unicode-trap" as const),
    trap: fc.constantFrom(...UNICODE_TRAPS),
    marks: size([100, 20_000], [100_000, 250_000]),
    ...common,
  }),
);

export type HostileRecipe = typeof hostileRecipe extends fc.Arbitrary<infer R> ? R : never;
export type HostileFamily = HostileRecipe["family"];
