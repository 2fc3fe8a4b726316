/**
 * Text normalisation for fingerprints: URLs to domain tokens, numbers, tracking ids, invisible and look-alike
 * characters, addresses, quoted lines; and the link-domain set.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { CONFUSABLES, mapConfusables } from "../../src/fingerprint/confusables.js";
import { linkDomains, urlDomain } from "../../src/fingerprint/links.js";
import { normaliseSubject, normaliseText } from "../../src/fingerprint/normalise.js";

void describe("normaliseText", () => {
  const table: [string, string, string][] = [
    ["lowercase and punctuation", "Hello, WORLD!  How are you?", "hello world how are you"],
    [
      "URL → registrable domain",
      "see https://www.shop.example.co.uk/a/b?id=42&u=9f8e7d now",
      "see urlhost_example.co.uk now",
    ],
    ["bare www URL", "visit www.cheap-meds.example.com/x today", "visit urlhost_example.com today"],
    ["URL on an IP address", "go http://192.0.2.7/offer now", "go urlhost_192.0.2.7 now"],
    ["tracking path and query do not matter", "http://t.example.net/c/9f8e7d6c5b4a/x?uid=abc", "urlhost_example.net"],
    [
      "the same link twice in a row (HTML as text)",
      "click http://a.example.org/x [http://a.example.org/x]",
      "click urlhost_example.org",
    ],
    ["words that start like a scheme stay words", "httpd ftpd wwwhat", "httpd ftpd wwwhat"],
    ["e-mail addresses dropped", "write to john.doe+x@mail.example.org today", "write to today"],
    ["numbers → #", "call 555-1234 or 1 800 555 0199, save 70%", "call # # or # # # # save #"],
    ["short mixed tokens keep letters", "the 2nd and 3rd mp3", "the #nd and #rd mp#"],
    ["mixed letter+digit tokens of 6+ dropped", "order ID A1B2C3 ref x9y8z7w6 ok", "order id ref ok"],
    [
      "a word and a number side by side keep the word, whatever the number's length",
      "Dear user9 user10 user5318 REF20261204 1000mg 12345abcdef",
      "dear user# user# user# ref# #mg #abcdef",
    ],
    ["tokens over 20 characters dropped", "a supercalifragilisticexpialidocious word", "a word"],
    ["a token of exactly 20 characters kept", "x abcdefghijklmnopqrst y", "x abcdefghijklmnopqrst y"],
    ["soft hyphen and zero-width space removed", "Vi\u00ADa\u200Bgra now", "viagra now"],
    [
      "bidi marks and zero-width joiners removed",
      "\u202Efree\u202C \u200Dmoney\u200C \u200Eoffer\u200F \u2060x\uFEFF",
      "free money offer x",
    ],
    ["Cyrillic look-alikes → Latin", "раураl ассоunt", "paypal account"],
    ["Greek look-alikes → Latin", "ορen nοw", "open now"],
    ["NFKC: full-width and ligatures", "ＦＲＥＥ ﬁnance", "free finance"],
    ["accents folded like look-alikes", "cafe\u0301 déjà vu", "cafe deja vu"],
    ["CJK split per character", "日本語です", "日 本 語 で す"],
    ["empty text", "", ""],
  ];
  for (const [name, input, expected] of table) {
    void test(name, () => assert.equal(normaliseText(input).join(" "), expected));
  }

  void test("quoted lines are words like any other: quote marks cannot hide a campaign's text", () => {
    const own = Array.from({ length: 40 }, (_, i) => `salt${"abcdefghijklmnopqrstuvwxyz"[i % 26]}`).join(" ");
    const words = normaliseText(`${own}\n> buy cheap pills\n  > at http://pills.example.com/x`);
    assert.deepEqual(words.slice(-5), ["buy", "cheap", "pills", "at", "urlhost_example.com"]);
  });

  void test("hostile text stays linear: long dotted runs and @ runs", () => {
    const words = normaliseText("a.".repeat(50_000) + " " + "@a".repeat(50_000));
    assert.ok(Array.isArray(words));
  });

  void test("a long line of another script is cut at spaces: its words are those read one by one", () => {
    // Word lengths that walk the spaces across the 4,096-character cuts (a space at a cut, just before, just after).
    for (let shift = 0; shift < 7; shift++) {
      const words = Array.from({ length: 1_700 }, (_, i) => "ж".repeat(1 + ((i + shift) % 5)) + "é");
      const line = words.join(" ");
      assert.deepEqual(
        normaliseText(line),
        words.flatMap((w) => normaliseText(w)),
        `shift ${shift}`,
      );
    }
  });
});

void describe("normaliseSubject", () => {
  void test("words joined by single spaces", () => {
    assert.equal(normaliseSubject("  Re: Your Order #12345 — SHIPPED!! "), "re your order # shipped");
  });
});

void describe("look-alikes", () => {
  void test("mapConfusables leaves Latin text alone", () => {
    assert.equal(mapConfusables("plain latin text"), "plain latin text");
  });

  // Look-alikes from several scripts and blocks: Cyrillic, Greek, Armenian, Cherokee, Latin extensions,
  // mathematical and fullwidth letters (NFKC), accented letters, zero-width characters inside the word.
  const spellings = [
    "\u0440\u0430\u0443\u0440\u0430l", // раураl (Cyrillic)
    "p\u03b1yp\u03b1l", // Greek alpha
    "p\u0251yp\u0251l", // Latin alpha
    "\u{1d429}\u{1d41a}\u{1d432}\u{1d429}\u{1d41a}\u{1d425}", // mathematical bold
    "\uff30\uff41\uff59\uff50\uff41\uff4c", // fullwidth
    "p\u00e0yp\u00e4l", // accents
    "pa\u200byp\u00adal", // zero-width space, soft hyphen
    "p\u0561yp\u0561l".replace(/\u0561/g, "\u0251"),
    "\u13e2aypal".replace("\u13e2", "\u0440"), // Cherokee/Cyrillic mix
  ];
  for (const spelling of spellings) {
    void test(`${JSON.stringify(spelling)} reads as paypal`, () => {
      assert.deepEqual(normaliseText(`Log in to ${spelling} now`), ["log", "in", "to", "paypal", "now"]);
    });
  }

  void test("the skeleton comes from the Unicode data, not a hand-picked table", () => {
    assert.ok(CONFUSABLES.size > 4000, `${CONFUSABLES.size} mappings`);
    for (const [from, to] of [
      ["\u0585", "o"],
      ["\u13aa", "A"],
      ["\ua4ee", "A"],
      ["\u0455", "s"],
    ]) {
      assert.equal(CONFUSABLES.get(from!), to, `${from} maps to ${to}`);
    }
  });

  void test("every code point is mapped as a lookup of each character in the table maps it", () => {
    // The definition: each non-ASCII character of the decomposed text looked up in the table, between the same
    // normalisations (the code finds the table's letters with one expression instead of looking up each character).
    // Every code point stands alone in the blocks, so no run of marks is there to cut.
    const lookedUp = (text: string) =>
      text
        .normalize("NFD")
        .replace(/[\u0080-\u{10ffff}]/gu, (c) => CONFUSABLES.get(c) ?? c)
        .normalize("NFKC")
        .toLowerCase()
        .normalize("NFD")
        .replace(/[\u0300-\u036f]+/g, "")
        .normalize("NFC");
    for (let from = 0x80; from <= 0x10ffff; from += 0x1000) {
      let block = "";
      for (let c = from; c < Math.min(from + 0x1000, 0x110000); c++) {
        if (c < 0xd800 || c > 0xdfff) block += `${String.fromCodePoint(c)} `;
      }
      assert.equal(mapConfusables(block), lookedUp(block), `the block from U+${from.toString(16)}`);
    }
  });
});

void describe("link domains", () => {
  void test("urlDomain gives the registrable domain, or the host when there is none", () => {
    assert.equal(urlDomain("https://a.b.example.co.uk/x"), "example.co.uk");
    assert.equal(urlDomain("http://localhost:8080/"), "localhost");
    assert.equal(urlDomain("http://198.51.100.4/"), "198.51.100.4");
  });

  void test("from text and HTML hrefs, sorted and unique, mailto and relative links left out", () => {
    const text = "see http://x.example.com/a and https://www.other.example.org/?q=1";
    const html = `<a href="https://track.example.com/c/1">a</a> <a href='mailto:x@example.net'>m</a>
      <a href=http://promo.example.biz/x>b</a> <a href="/relative">r</a> <A HREF="HTTP://Y.Example.COM/">c</A>`;
    assert.deepEqual(linkDomains(text, html), ["example.biz", "example.com", "example.org"]);
  });
});
