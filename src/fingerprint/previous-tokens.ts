/**
 * Where the previous fingerprint version (1) tokenised otherwise, kept here unchanged for as long as its keys are
 * computed (./previous-version.ts): they must be made of the words version 1 read.
 * - Text outside ASCII: invisible characters removed, NFKC, lowercase, then a hand-picked map of Cyrillic and Greek
 *   lowercase look-alikes to the Latin letter each imitates. The current version folds look-alikes by the Unicode
 *   confusables data (./confusables.ts), which gives other words for many texts in other scripts and for accents.
 * - A token mixing letters and digits in 6 characters or more was dropped; the current version keeps a word and a
 *   number side by side (`user10`: ./token-rules.ts), and its tokeniser traces which words those are.
 * Pure: no I/O.
 */
import type { WordTrace } from "./normalise.js";
import { URL_TOKEN_PREFIX } from "./token-rules.js";
import { cutMarkRuns } from "./mark-runs.js";

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

/** A piece of text as version 1 made it canonical before tokenising (runs of marks cut first, as version 3 does:
 * ./mark-runs.ts). */
export function previousCanonicalText(text: string): string {
  const folded = cutMarkRuns(text.replace(INVISIBLE, "")).normalize("NFKC").toLowerCase();
  return folded.replace(LOOK_ALIKE, (c) => MAP.get(c) ?? c);
}

/** Words and their trace without the words versions 1 and 2 dropped as long mixed tokens (`WordTrace.longMixed`):
 * a link then next to the same link is a repeat, as they left it out. The same objects when there are none. */
export function withoutLongMixed(
  words: readonly string[],
  trace: WordTrace,
): { words: readonly string[]; trace: WordTrace } {
  if (trace.longMixed.length === 0) return { words, trace };
  const drop = new Set(trace.longMixed);
  const kept: string[] = [];
  const out: WordTrace = { offsets: [], repeats: [], longMixed: [] };
  let r = 0;
  for (let i = 0; i <= words.length; i++) {
    for (; r < trace.repeats.length && trace.repeats[r]!.before === i; r++) {
      out.repeats.push({ ...trace.repeats[r]!, before: kept.length });
    }
    if (i === words.length) break;
    if (drop.has(i)) continue;
    const word = words[i]!;
    const offset = trace.offsets[i]!;
    if (kept[kept.length - 1] === word && word.startsWith(URL_TOKEN_PREFIX)) {
      out.repeats.push({ before: kept.length, word, offset });
      continue;
    }
    kept.push(word);
    out.offsets.push(offset);
  }
  return { words: kept, trace: out };
}
