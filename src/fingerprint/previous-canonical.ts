/**
 * How the previous fingerprint version (1) made text outside ASCII canonical before tokenising it: invisible
 * characters removed, NFKC, lowercase, then a hand-picked map of Cyrillic and Greek lowercase look-alikes to the
 * Latin letter each imitates. Version 2 folds look-alikes by the Unicode confusables data instead
 * (./confusables.ts), which gives other words for many texts in other scripts and for accented letters; the
 * previous version's keys must be the words version 1 read, so its map is kept here, unchanged, for as long as
 * they are computed (./previous-version.ts). Pure: no I/O.
 */

// Position i of FROM is drawn like position i of TO.
const CYRILLIC_FROM = "авсԁеёһіїјкӏмнорԛѕтуԝхүьɡ";
const CYRILLIC_TO = "abcdeehiijklmhopqstywxybg";
const GREEK_FROM = "αβεηικνορτυχγωϲϳ";
const GREEK_TO = "abeniknoptuxywcj";

function table(from: string, to: string): [string, string][] {
  const f = [...from];
  const t = [...to];
  if (f.length !== t.length) throw new Error("previous confusables table: FROM and TO differ in length");
  return f.map((c, i) => [c, t[i] ?? c]);
}

const MAP: ReadonlyMap<string, string> = new Map([
  ...table(CYRILLIC_FROM, CYRILLIC_TO),
  ...table(GREEK_FROM, GREEK_TO),
]);
const LOOK_ALIKE = new RegExp(`[${[...MAP.keys()].join("")}]`, "gu");
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/** A piece of text as version 1 made it canonical before tokenising. */
export function previousCanonicalText(text: string): string {
  const folded = text.replace(INVISIBLE, "").normalize("NFKC").toLowerCase();
  return folded.replace(LOOK_ALIKE, (c) => MAP.get(c) ?? c);
}
