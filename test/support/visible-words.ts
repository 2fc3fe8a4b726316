/**
 * The visibility tests' shared reading (test/unit/fingerprint-html-visible, -css-properties, -css-variables): the
 * words a reader sees of some HTML, the check that salt a reader does not see is left out and counted as hidden, and
 * the check that what a reader sees stays.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { htmlToText, type HtmlTextStats } from "../../src/fingerprint/html-text.js";

/** The words of the text a reader sees, one space between each. */
export const visibleWords = (html: string): string => htmlToText(html).split(/\s+/).filter(Boolean).join(" ");

/** A test per case: `html` between two visible paragraphs leaves only their words, and its text counts as hidden. */
export function testHiddenCases(cases: readonly (readonly [name: string, html: string])[]): void {
  for (const [name, html] of cases) {
    void test(name, () => {
      const stats: HtmlTextStats = { visibleChars: 0, hiddenChars: 0, hiddenSinceVersionTwo: 0 };
      const text = htmlToText(`<p>seen before</p>${html}<p>seen after</p>`, undefined, { stats });
      assert.equal(visibleWords(text), "seen before seen after");
      assert.ok(stats.hiddenChars >= 4, `hidden text counted (${stats.hiddenChars})`);
    });
  }
}

/** A test per case: a reader sees exactly `expected` of `html`. */
export function testShownCases(cases: readonly (readonly [name: string, html: string, expected: string])[]): void {
  for (const [name, html, expected] of cases) {
    void test(name, () => assert.equal(visibleWords(html), expected));
  }
}
