/**
 * Character references decoded as an HTML parser decodes them, for ./html-tags.ts and ./html-text.ts: in text, in
 * an image's alt and source and a link's target, and in attribute values as CSS and selectors read them
 * (`display&#58;none`, `&colon;`, `s&#97;lt`; by the rules of attribute values, a legacy named reference without
 * `;` before a letter, a digit or `=` stays as written). With the `entities` package, after a guard that no
 * reference can get past: its decoder (4.x) turns a numeric reference of more than about 300 digits (256 in hex),
 * leading zeros too, into NaN and throws, which would cost the reader the whole document. Pure: no I/O. A value
 * without `&` is returned as it is; decoding only shrinks a value.
 */
import { decodeHTML, decodeHTMLAttribute } from "entities";

/** A numeric character reference: `&#` and decimal digits, or `&#x` and hex digits, and its `;` if it has one. */
const NUMERIC_REFERENCE = /&#(?:([xX])([0-9a-fA-F]+)|(\d+))(;?)/g;
/** Digits of the largest code point, U+10FFFF (1114111): a reference of more, past leading zeros, is out of range. */
const MAX_DECIMAL_DIGITS = 7;
const MAX_HEX_DIGITS = 6;
/** What the HTML standard makes of a numeric reference out of Unicode's range. */
const REPLACEMENT = "\uFFFD";

/** Text (a text run, an alt, a source, an href) with its character references decoded. */
export function decodeText(raw: string): string {
  return guardedDecode(raw, decodeHTML);
}

/** An attribute's raw value with its character references decoded. */
export function attributeValue(raw: string): string {
  return guardedDecode(raw, decodeHTMLAttribute);
}

/**
 * `raw` decoded by `decode` with its numeric references made safe (shortReference); should the decoder fail on
 * something else, `raw` with its references as written: one text, never the document, loses them.
 */
export function guardedDecode(raw: string, decode: (text: string) => string): string {
  if (!raw.includes("&")) return raw;
  const guarded = raw.includes("&#") ? raw.replace(NUMERIC_REFERENCE, shortReference) : raw;
  try {
    return decode(guarded);
  } catch {
    // The decoder (4.x) keeps the text before the reference that failed and puts it in front of the next text it
    // decodes, another message's in this thread: decoding nothing hands it over, and it is dropped.
    decode("");
    return guarded;
  }
}

/** A numeric reference without its leading zeros, or U+FFFD for one out of range (its `;` with it): the character
 * the HTML standard gives it, written so that the decoder reads it at any length. */
function shortReference(reference: string, x?: string, hex?: string, decimal?: string, semicolon = ""): string {
  const digits = hex ?? decimal ?? "";
  let first = 0;
  while (first < digits.length - 1 && digits.charCodeAt(first) === 0x30) first++;
  if (digits.length - first > (x === undefined ? MAX_DECIMAL_DIGITS : MAX_HEX_DIGITS)) return REPLACEMENT;
  return first === 0 ? reference : `&#${x ?? ""}${digits.slice(first)}${semicolon}`;
}
