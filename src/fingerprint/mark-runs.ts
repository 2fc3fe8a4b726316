/**
 * Long runs of combining marks cut before Unicode normalisation. ICU puts each run of non-starters (characters of
 * combining class other than 0) in canonical order by insertion, so normalising a run costs the square of its
 * length: 64,000 marks after one letter took 1.5 s per `normalize` call here, and a fingerprint calls it four times.
 * No real text needs more than 30 in a row (the limit of UAX #15's Stream-Safe Text Format), so a run is cut to
 * its first MAX_MARK_RUN characters and every normalisation after it stays linear. Pure: no I/O.
 */

/** Characters of one run kept: UAX #15's Stream-Safe limit of non-starters in a row. */
export const MAX_MARK_RUN = 30;

/**
 * What may make a run: the combining marks, and the two characters whose compatibility decomposition is a
 * non-starter although they are not marks themselves (the halfwidth katakana voiced sound marks U+FF9E and U+FF9F,
 * which NFKC turns into U+3099 and U+309A). Marks of class 0 (spacing and enclosing marks) are included: no real text
 * has 30 of those in a row either. A unit test checks every code point against ICU, so a new Unicode version that
 * adds another such character fails it.
 */
const RUN_CHARACTER = String.raw`[\p{M}\uFF9E\uFF9F]`;
/** A run longer than MAX_MARK_RUN, its first MAX_MARK_RUN characters captured (the `u` flag counts code points, so a
 * mark beyond the BMP is one and never split). */
const LONG_RUN = new RegExp(`(${RUN_CHARACTER}{${MAX_MARK_RUN}})${RUN_CHARACTER}+`, "gu");

/** `text` with every run of more than MAX_MARK_RUN marks cut to its first MAX_MARK_RUN; the same string when it has
 * none. The scan is linear: a failed match gives up after at most MAX_MARK_RUN + 1 characters. */
export function cutMarkRuns(text: string): string {
  return text.replace(LONG_RUN, "$1");
}
