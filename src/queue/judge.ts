/**
 * How much a scan's answer is trusted: "spam" from any scanner at or above its threshold; "ham" only from a scanner
 * that weighs the whole message (`Scanner.saysHam`) and only with a margin below its threshold; anything else is
 * "unsure", which judges nothing (the campaign stays unjudged: bulk holds apply and it is re-scanned on schedule).
 * A scanner without network tests or a trained Bayes scores much spam a little under its threshold: calling that
 * ham would exempt the campaign from every hold.
 */
import type { ScanVerdict } from "../reputation/types.js";
import type { ScanResult } from "../scanners/types.js";

/** The settings the judgement reads. */
export interface JudgeSettings {
  /** A score at or above this is spam whatever the scanner says (`worker.spamScore`). */
  spamScore: number;
  /** How far under the scanner's threshold a score must be for ham; null: half the threshold (`verdicts.hamMargin`). */
  hamMargin: number | null;
}

/** The verdict a scan's answer gives. */
export function judgeScan(result: ScanResult, saysHam: boolean, settings: JudgeSettings): ScanVerdict["verdict"] {
  const threshold = result.threshold ?? settings.spamScore;
  if (result.verdict === "spam" || result.score >= settings.spamScore || result.score >= threshold) return "spam";
  if (!saysHam) return "unsure";
  const margin = settings.hamMargin ?? threshold / 2;
  return result.score <= threshold - margin ? "ham" : "unsure";
}
