/**
 * Look-alike letters: the UTS #39 skeleton of a text, from the Unicode confusables data (confusables.txt, as npm
 * `unhomoglyph` ships it), so "раураl" written with Cyrillic letters, "𝐩𝐚𝐲𝐩𝐚𝐥" or "pаypаl" with one look-alike
 * hash like "paypal". Every non-ASCII character is replaced by the prototype it is confusable with; ASCII is left
 * alone (the data also maps `1` to `l`, `0` to `O` and `m` to `rn`, which would change every number and many words
 * of plain text without stopping any trick: spammers substitute non-ASCII letters). Accents are dropped
 * after decomposition, so accented letters are folded too ("vìagra"). Real text in other scripts changes as well, but the
 * same way in every message, so fingerprints stay comparable. NFKC and lowercasing run after the mapping
 (fullwidth and mathematical letters become ASCII there). Pure: no I/O.
 */
import { createRequire } from "node:module";
import { cutMarkRuns } from "./mark-runs.js";

const prototypes = createRequire(import.meta.url)("unhomoglyph/data.json") as Record<string, string>;

const LETTER = /^\p{L}$/u;

/** Non-ASCII letter → the prototype it is confusable with (UTS #39 `MA` data). Only letters: the data also maps
 * dashes and other punctuation to letters (an em dash to the katakana `ー`), which would add words. */
export const CONFUSABLES: ReadonlyMap<string, string> = new Map(
  Object.entries(prototypes).filter(([from]) => from.codePointAt(0)! > 0x7f && LETTER.test(from)),
);

const NON_ASCII = /[\u0080-\u{10ffff}]/u;
/** The letters CONFUSABLES maps, as one class: the text is walked by the expression, and only the letters it finds
 * are looked up (most non-ASCII text, ideographs and accented letters among it, has none of them). */
const MAPPED = new RegExp(
  `[${[...CONFUSABLES.keys()].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join("")}]`,
  "gu",
);
/** The combining diacritical marks (accents on Latin, Greek and Cyrillic letters), not the marks of other
 * scripts, which are part of their letters (kana voicing, Indic vowel signs). */
const ACCENTS = /[\u0300-\u036f]+/g;

/** The canonical form of a text: look-alikes replaced by their prototype (before NFKC, which would turn some of
 * them into letters the data does not map, such as the lunate sigma into a final sigma), then NFKC, lowercase,
 * accents dropped. Runs of marks are cut first (./mark-runs.ts), so that the normalisations stay linear. */
export function mapConfusables(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  const mapped = cutMarkRuns(text)
    .normalize("NFD")
    .replace(MAPPED, (c) => CONFUSABLES.get(c)!);
  return mapped.normalize("NFKC").toLowerCase().normalize("NFD").replace(ACCENTS, "").normalize("NFC");
}
