/**
 * The tokens of text in other scripts (src/fingerprint/unicode-tokens.ts): the expression runs without its address
 * alternative where no address can start, and the tokens must be exactly the expression's own matches, one after
 * the other. Compared on generated text that mixes ideographs, kana, letters of other scripts, astral letters, lone
 * surrogates, digits, the local part's punctuation, "@", links and long runs of each (runs longer than an address's
 * local part, at its bound and past it), and on the cases that bound the address.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { eachUnicodeToken, MAX_LOCAL_PART, TOKEN } from "../../src/fingerprint/unicode-tokens.js";

/** The expression's matches, one after the other, as `index:token`. */
function expressionTokens(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) out.push(`${m.index}:${m[0]}`);
  return out;
}

function scannedTokens(text: string): string[] {
  const out: string[] = [];
  eachUnicodeToken(text, (token, index) => {
    out.push(`${index}:${token}`);
    return true;
  });
  return out;
}

const PIECES = ["中", "文", "カ", "ひ", "a", "Z", "é", "\u0301", "ß", "я", "٣", "1", "9", ".", "-", "_", "%", "+"];
const MORE = ["@", "@", " ", "\n", ",", "!", "𠀀", "\ud800", "\udc00", "http://", "www.", "x.y", "b.example"];
const ALPHABET = [...PIECES, ...MORE];

/** A deterministic generator (the same text on every run). */
function generator(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function generatedText(random: () => number): string {
  let text = "";
  const length = Math.floor(random() * 240);
  for (let i = 0; i < length; i++) {
    const piece = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    // now and then a run around the local part's bound
    text += random() < 0.04 ? piece.repeat(MAX_LOCAL_PART - 4 + Math.floor(random() * 10)) : piece;
  }
  return text;
}

void describe("eachUnicodeToken", () => {
  test("gives the expression's own tokens on 20,000 generated texts", () => {
    const random = generator(20261206);
    let addresses = 0;
    let ideographs = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = generatedText(random);
      const expected = expressionTokens(text);
      assert.deepEqual(scannedTokens(text), expected, JSON.stringify(text));
      if (expected.some((t) => t.includes("@"))) addresses++;
      if (expected.some((t) => /^\d+:[中文カひ]$/u.test(t))) ideographs++;
    }
    // the comparison means something only where both kinds of token occur
    assert.ok(addresses > 5_000, `texts with an address: ${addresses}`);
    assert.ok(ideographs > 5_000, `texts with an ideograph: ${ideographs}`);
  });

  const cases: [string, string][] = [
    ["ideographs, then an address they start", "日本語abc@example.jp です"],
    ["an address of exactly the longest local part", `${"文".repeat(MAX_LOCAL_PART)}@example.com`],
    ["a local part one longer: its first ideograph is a token", `${"文".repeat(MAX_LOCAL_PART + 1)}@example.com`],
    ["astral letters count as one character each", `${"𠀀".repeat(MAX_LOCAL_PART)}@x.example`],
    ["astral letters one too many", `${"𠀀".repeat(MAX_LOCAL_PART + 1)}@x.example`],
    ["no domain after the @", "文文文@ 文文 @@ 文@.example"],
    ["a domain without a dot", "文文@localhost 文"],
    ["the @ first and last", "@example.com 文字 文字@"],
    ["a lone surrogate before the @", "文\ud800@example.com"],
    ["a mark breaks the local part", "e\u0301e@example.com"],
    ["a link that holds an @", "www.文字@example.com/x 文"],
    ["a word followed by an address's punctuation", "naïve.word-again_ok 文"],
  ];
  for (const [name, text] of cases) {
    test(name, () => assert.deepEqual(scannedTokens(text), expressionTokens(text)));
  }

  test("stops when emit says so", () => {
    const seen: string[] = [];
    eachUnicodeToken("文 字 abc@example.com 語", (token) => {
      seen.push(token);
      return seen.length < 3;
    });
    assert.deepEqual(seen, ["文", "字", "abc@example.com"]);
  });

  test("an ideograph run with no @ is one token a character", () => {
    assert.deepEqual(scannedTokens("日本語です"), ["0:日", "1:本", "2:語", "3:で", "4:す"]);
  });
});
