/**
 * The words of some lines picked from the words of the whole text (./line-words.ts) against tokenising those lines
 * again: the previous version's words without quoted lines, and the exact key's lines that name no recipient.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { wordHashes } from "../../src/fingerprint/minhash.js";
import { normaliseText, tokenise, wordTrace } from "../../src/fingerprint/normalise.js";
import { previousCanonicalText } from "../../src/fingerprint/previous-tokens.js";
import { previousWords } from "../../src/fingerprint/previous-version.js";
import { skeletonOf } from "../../src/fingerprint/skeleton.js";

const QUOTED_LINE = /^[ \t]*>.*$/gm;

/** What version 1 read: the text without its quoted lines tokenised again (as version 1 tokenised), when that
 * leaves 24 words. */
function referencePreviousWords(text: string, words: readonly string[]): readonly string[] {
  const own = tokenise(text.replace(QUOTED_LINE, ""), undefined, previousCanonicalText);
  return own.length >= 24 ? own : words;
}

/** The words of the lines that name no recipient, each line tokenised alone. */
function referenceUnnamedLines(text: string, names: ReadonlySet<string>): string[] {
  return text.split("\n").flatMap((line) => {
    const words = tokenise(line);
    return words.some((w) => names.has(w)) ? [] : words;
  });
}

// Lines that put link repeats, quotes and names next to each other, across line breaks too.
const piece = fc.constantFrom(
  "http://a.example.com/x", "[http://a.example.com/y]", "www.b.example.org", "mary", "hello", "buy", "now", "42",
  "café", "раураl", "日本", " ", "  ", ">", "> ", " >", "\t>", "x@y.example", "a.b", "\u200b", "\r", "\u2028",
); // prettier-ignore
const line = fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join(" "));
const text = fc
  .tuple(fc.array(line, { minLength: 1, maxLength: 14 }), fc.constantFrom("\n", "\r\n"))
  .map(([lines, eol]) => lines.join(eol));
// 24 words and more in front, so quoted lines are left out when the rest keeps enough
const filler = Array.from({ length: 30 }, (_, i) => `w${String.fromCharCode(0x61 + (i % 26))}x`).join(" ");

void describe("the words of some lines, from the trace", () => {
  void test("the previous version's words without quoted lines, as tokenising the rest again gives", () => {
    fc.assert(
      fc.property(text, fc.boolean(), (body, long) => {
        const whole = long ? `${filler}\n${body}` : body;
        const trace = wordTrace();
        const words = tokenise(whole, trace, previousCanonicalText);
        const hashes = wordHashes(words);
        const picked = previousWords(whole, words, hashes, trace);
        assert.deepEqual(picked.words, referencePreviousWords(whole, words));
        assert.deepEqual(picked.hashes, wordHashes(picked.words));
      }),
      { numRuns: 3000 },
    );
  });

  void test("the exact key's lines without a name, as tokenising each line alone gives", () => {
    const names = new Set(["mary", "hello"]);
    fc.assert(
      fc.property(text, (body) => {
        const trace = wordTrace();
        const words = normaliseText(body, trace);
        const skeleton = skeletonOf(body, words, [], names, true, trace);
        const expected = referenceUnnamedLines(body, names).filter((w) => !w.startsWith("urlhost_") && !names.has(w));
        assert.deepEqual(skeleton.words, expected);
        assert.deepEqual(skeleton, skeletonOf(body, words, [], names, true));
      }),
      { numRuns: 3000 },
    );
  });

  void test("line breaks the trace does not see (a lone CR, U+2028) fall back to tokenising again", () => {
    const whole = `${filler}\r> quoted here\u2028> and here\nhttp://a.example.com/x\n> http://a.example.com/y`;
    const trace = wordTrace();
    const words = normaliseText(whole, trace);
    assert.deepEqual(previousWords(whole, words, wordHashes(words), trace).words, referencePreviousWords(whole, words));
  });
});
