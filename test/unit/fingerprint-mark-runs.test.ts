/**
 * Runs of combining marks cut before Unicode normalisation (src/fingerprint/mark-runs.ts): ICU orders a run of
 * non-starters by insertion, so an uncut run of many thousand marks kept a fingerprint thread busy for seconds to
 * minutes. The cut keeps what real text has, reaches every character that can make a run, and is what the canonical
 * texts of both fingerprint versions see.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cutMarkRuns, MAX_MARK_RUN } from "../../src/fingerprint/mark-runs.js";
import { canonicalText } from "../../src/fingerprint/normalise.js";
import { previousCanonicalText } from "../../src/fingerprint/previous-tokens.js";

/** Marks of four combining classes in descending order (230, 220, 103, 10), kept by the canonical text (none is an
 * accent of U+0300–U+036F, which it drops). */
const MIXED = "\u20d0\u1dca\u0e38\u05b0";
const run = (n: number) => MIXED.repeat(Math.ceil(n / MIXED.length)).slice(0, n);

/** Whether a code point, alone, has a canonical combining class other than 0: ICU moves it past a mark of class 230
 * or lets one of class 1 move past it. */
function isNonStarter(cp: string): boolean {
  return (
    ("a\u0301" + cp).normalize("NFD") !== "a\u0301" + cp ||
    ("a" + cp + "\u0334").normalize("NFD") !== "a" + cp + "\u0334"
  );
}

void describe("cutMarkRuns", () => {
  void test("a run of more than 30 marks keeps its first 30; shorter runs and other text are left as they are", () => {
    assert.equal(MAX_MARK_RUN, 30);
    assert.equal(cutMarkRuns(`x a${run(31)} y`), `x a${run(30)} y`);
    assert.equal(cutMarkRuns(`a${run(100_000)}b${run(40)}`), `a${run(30)}b${run(30)}`);
    const ordinary = `a${run(30)} café naïve ${"\u0915\u094d\u0937".repeat(50)} Zalgo: z\u0301\u0316\u0327`;
    assert.equal(cutMarkRuns(ordinary), ordinary);
    assert.equal(cutMarkRuns("plain ascii"), "plain ascii");
  });

  void test("marks beyond the BMP count as one character each, and are never split", () => {
    const astral = "\u{1d167}"; // MUSICAL SYMBOL COMBINING TREMOLO-1, class 1
    assert.equal(cutMarkRuns(`a${astral.repeat(50)}`), `a${astral.repeat(30)}`);
    assert.equal(cutMarkRuns(`a${"\u0301" + astral.repeat(40)}`), `a\u0301${astral.repeat(29)}`);
  });

  void test("the halfwidth voiced sound marks, marks only after NFKC, make runs too", () => {
    assert.equal(cutMarkRuns(`\uff76${"\uff9e\u0301".repeat(50)}`), `\uff76${"\uff9e\u0301".repeat(15)}`);
  });

  void test("every character whose compatibility decomposition starts with a non-starter can make a run (all of Unicode, against ICU)", () => {
    const missed: string[] = [];
    let nonStarters = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const first = String.fromCodePoint(c.normalize("NFKD").codePointAt(0)!);
      if (!isNonStarter(first)) continue;
      nonStarters++;
      if (cutMarkRuns(`a${c.repeat(MAX_MARK_RUN + 1)}`) !== `a${c.repeat(MAX_MARK_RUN)}`) missed.push(cp.toString(16));
    }
    assert.ok(nonStarters > 900, `ICU knows ${nonStarters} such characters`);
    assert.deepEqual(missed, []);
  });

  void test("both versions' canonical texts see a long run as its first 30 marks", () => {
    const long = `offer a${run(20_000)} today`;
    const cut = `offer a${run(30)} today`;
    assert.equal(canonicalText(long), canonicalText(cut));
    assert.equal(previousCanonicalText(long), previousCanonicalText(cut));
    assert.notEqual(canonicalText(cut), canonicalText("offer a today"), "the marks kept are in the text");
  });
});
