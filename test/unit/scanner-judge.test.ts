/**
 * How far a scan's answer is trusted: spam at the threshold, ham only with the margin and only from a scanner that
 * can say ham, "unsure" in between.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { judgeScan } from "../../src/queue/judge.js";
import type { ScanResult } from "../../src/scanners/types.js";

const result = (score: number, threshold: number | null = 5): ScanResult => ({
  verdict: threshold !== null && score >= threshold ? "spam" : "ham",
  score,
  threshold,
  rules: [],
});
const settings = { spamScore: 5, hamMargin: null };

void describe("judgeScan", () => {
  const rows: Array<[string, ScanResult, boolean, "spam" | "ham" | "unsure"]> = [
    ["at the threshold: spam", result(5), true, "spam"],
    ["far above: spam", result(14.2), true, "spam"],
    ["just under the threshold: unsure", result(4.9), true, "unsure"],
    ["1.0 to 7.3, the issue's scores: 3 is unsure", result(3), true, "unsure"],
    ["at threshold minus half: ham", result(2.5), true, "ham"],
    ["negative: ham", result(-1.2), true, "ham"],
    ["the built-in rules never say ham", result(0, 5), false, "unsure"],
    ["the built-in rules may say spam", result(7, 5), false, "spam"],
    ["rspamd's threshold of 15: 7 is ham", result(7, 15), true, "ham"],
    ["rspamd's threshold of 15: 8 is unsure", result(8, 15), true, "unsure"],
  ];
  for (const [name, scanned, saysHam, expected] of rows) {
    void test(name, () => {
      const s = scanned.threshold === 15 ? { spamScore: 100, hamMargin: null } : settings;
      assert.equal(judgeScan(scanned, saysHam, s), expected);
    });
  }
  void test("a configured margin replaces half the threshold", () => {
    assert.equal(judgeScan(result(3.5), true, { spamScore: 5, hamMargin: 1 }), "ham");
    assert.equal(judgeScan(result(4.5), true, { spamScore: 5, hamMargin: 1 }), "unsure");
    assert.equal(judgeScan(result(0.5), true, { spamScore: 5, hamMargin: 5 }), "unsure");
  });
  void test("no threshold from the scanner: worker.spamScore stands in", () => {
    assert.equal(judgeScan(result(2, null), true, settings), "ham");
    assert.equal(judgeScan(result(6, null), true, settings), "spam");
  });
});
