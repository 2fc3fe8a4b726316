/**
 * Look-alike letters: the Cyrillic and Greek lowercase letters spammers swap in for Latin ones ("раураl"),
 * mapped back to the Latin letter they imitate (a subset of Unicode confusables.txt, lowercase only: it runs
 * after lowercasing). Real Cyrillic or Greek text is changed too, but the same way in every message, so
 * fingerprints stay comparable.
 */

// Position i of FROM is drawn like position i of TO.
const CYRILLIC_FROM = "авсԁеёһіїјкӏмнорԛѕтуԝхүьɡ";
const CYRILLIC_TO = "abcdeehiijklmhopqstywxybg";
const GREEK_FROM = "αβεηικνορτυχγωϲϳ";
const GREEK_TO = "abeniknoptuxywcj";

function table(from: string, to: string): [string, string][] {
  const f = [...from];
  const t = [...to];
  if (f.length !== t.length) throw new Error("confusables table: FROM and TO differ in length");
  return f.map((c, i) => [c, t[i] ?? c]);
}

/** Cyrillic or Greek lowercase letter → the Latin letter it is drawn like. */
export const CONFUSABLES: ReadonlyMap<string, string> = new Map([
  ...table(CYRILLIC_FROM, CYRILLIC_TO),
  ...table(GREEK_FROM, GREEK_TO),
]);

const PATTERN = new RegExp(`[${[...CONFUSABLES.keys()].join("")}]`, "gu");

/** Replace every look-alike letter of `text` by its Latin model; other characters are kept. */
export function mapConfusables(text: string): string {
  return text.replace(PATTERN, (c) => CONFUSABLES.get(c) ?? c);
}
