/**
 * Attribute values as an HTML parser hands them to CSS and to selectors, for ./html-tags.ts: character references
 * decoded (`display&#58;none`, `&colon;`, `s&#97;lt`), by the rules of attribute values (a legacy named reference
 * without `;` before a letter, a digit or `=` stays as written), with the entity decoder the text is read with
 * (`entities`). Pure: no I/O. A value without `&` is returned as it is; decoding only shrinks a value.
 */
import { decodeHTMLAttribute } from "entities";

/** An attribute's raw value with its character references decoded. */
export function attributeValue(raw: string): string {
  return raw.includes("&") ? decodeHTMLAttribute(raw) : raw;
}
