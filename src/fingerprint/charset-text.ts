/**
 * The text of a text part's bytes in its charset, as libmime's decoder gives it (unknown charsets as UTF-8), for
 * ./extract.ts. Most mail names a latin1 or windows charset and writes only ASCII: such bytes are read as they are,
 * without the decoder, where the charset's decoder is known to read every ASCII byte as itself. Pure: no I/O.
 */
import { isAscii } from "node:buffer";
import { decode as decodeCharset } from "libmime/lib/charset.js";
import { detachedString } from "../util/detached-string.js";

const UTF8 = /^(?:utf-?8|us-?ascii|ascii)$/i;

/** The text of `body` in `charset`. */
export function decodeText(body: Buffer, charset: string): string {
  if (UTF8.test(charset)) return body.toString("utf8");
  if (isAscii(body) && asciiAsItself(charset)) return body.toString("latin1");
  try {
    return decodeCharset(body, charset);
  } catch {
    return body.toString("utf8");
  }
}

/** Charset names whose decoder may read ASCII bytes as something else (escape sequences, shift characters, two or
 * four bytes a character), whatever a probe shows: never taken for ASCII. */
const NOT_ASCII_ITSELF = /jis|2022|jp|hz|utf-?(?:7|16|32)|ucs|unicode|ebcdic|ibm|cp0?[0-9]{3}$/i;
/** Every ASCII byte, in order. */
const ASCII_PROBE = Buffer.from(Array.from({ length: 128 }, (_, i) => i));
/** Whether a charset's decoder reads each ASCII byte as that character (asked of the decoder once per name). */
const asciiCharsets = new Map<string, boolean>();

/** Whether text of only ASCII bytes in `charset` decodes to those characters, as the charset decoder itself
 * gives it: most mail names a latin1 or windows charset and writes ASCII, which is then read without the decoder. */
function asciiAsItself(charset: string): boolean {
  let known = asciiCharsets.get(charset);
  if (known === undefined) {
    known = !NOT_ASCII_ITSELF.test(charset) && probeAscii(charset);
    if (asciiCharsets.size >= 256) asciiCharsets.clear();
    // The name may be a view into the message's head (../util/detached-string.ts), which the entry would keep alive.
    asciiCharsets.set(detachedString(charset), known);
  }
  return known;
}

function probeAscii(charset: string): boolean {
  try {
    return decodeCharset(ASCII_PROBE, charset) === ASCII_PROBE.toString("latin1");
  } catch {
    return false;
  }
}
