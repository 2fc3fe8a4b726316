/**
 * The exact key (the skeleton of a message: its words without the recipient's names) and the previous fingerprint
 * version's keys.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { fingerprintParts } from "../../src/fingerprint/compute.js";
import { wordHashes } from "../../src/fingerprint/minhash.js";
import { normaliseText } from "../../src/fingerprint/normalise.js";
import {
  PREVIOUS_SIZE,
  PREVIOUS_VERSION,
  previousAgreement,
  previousKeys,
  previousWords,
} from "../../src/fingerprint/previous-version.js";
import { recipientNames, skeletonDigest, skeletonOf } from "../../src/fingerprint/skeleton.js";
import { FINGERPRINT_VERSION, type Fingerprint } from "../../src/fingerprint/types.js";

const parse = { bytesParsed: 100, truncated: false, limit: null };
const options = { minWords: 64, attachmentMinBytes: 1024 };
const letter = (i: number) => String.fromCharCode(0x61 + i);

function fingerprintOf(text: string, recipients: string, subject = "Hello"): Fingerprint {
  return fingerprintParts({ text, html: "", subject, attachments: [], recipients }, options, parse);
}

void describe("recipientNames", () => {
  void test("display names and address local parts, not domains", () => {
    const names = recipientNames('"Smith, Mary" <mary.smith4@example.org>, bob@x.test, =?x?= (Jo Lee)');
    const words = ["bob", "jo", "lee", "mary", "smith"];
    assert.deepEqual([...names].sort(), [...words, ...words.map((w) => `${w}#`)].sort());
  });

  void test("bounded: a huge header yields at most 64 names", () => {
    const names = recipientNames(Array.from({ length: 5000 }, (_, i) => `name${"abcdefghij"[i % 10]}x${i}`).join(", "));
    assert.ok(names.size <= 64);
  });
});

void describe("the exact key", () => {
  const short = (name: string) =>
    `Hi ${name},\n\nYour parcel is waiting, confirm the address.\nhttp://track.example.net/x`;

  void test("a short message greeting each recipient by name keeps one key", () => {
    const mary = fingerprintOf(short("Mary"), "Mary Smith <mary.smith@example.org>");
    const ahmed = fingerprintOf(short("Ahmed"), "ahmed.haddad7@example.com");
    assert.equal(mary.minhash, null);
    assert.equal(mary.direct, ahmed.direct);
  });

  void test("a newsletter to numbered accounts greeting each by its name keeps one key", () => {
    const copy = (n: number) => fingerprintOf(short(`user${n}`), `user${n}@example.org`);
    const keys = new Set([9, 10, 11, 5318].map((n) => copy(n).direct));
    assert.equal(keys.size, 1, "Dear user9 and Dear user10 are one campaign");
    // without the address in To, the greeting's words are the same words too
    const unaddressed = new Set([9, 10, 5318].map((n) => fingerprintOf(short(`user${n}`), "list@example.org").direct));
    assert.equal(unaddressed.size, 1);
    const named = fingerprintOf(short("bob7"), "bob7@example.org");
    assert.equal(named.direct, copy(9).direct, "a name with a number is the recipient's name too");
  });

  void test("a name in the subject is left out too", () => {
    const a = fingerprintOf(short("Mary"), "Mary Smith <m@example.org>", "Mary, your parcel");
    const b = fingerprintOf(short("Jo"), "Jo Lee <jo@example.org>", "Jo, your parcel");
    assert.equal(a.direct, b.direct);
  });

  void test("other words, other links or another version change it", () => {
    const base = fingerprintOf(short("Mary"), "Mary <m@example.org>");
    assert.notEqual(
      base.direct,
      fingerprintOf(short("Mary").replace("waiting", "held"), "Mary <m@example.org>").direct,
    );
    assert.notEqual(
      base.direct,
      fingerprintOf(short("Mary").replace("example.net", "example.com"), "Mary <m@x>").direct,
    );
    const words = normaliseText(short("Mary"));
    const names = new Set(["mary"]);
    const skeleton = skeletonOf(short("Mary"), words, [], names, true);
    assert.deepEqual(skeleton.links, ["urlhost_example.net"]);
    assert.ok(!skeleton.words.includes("mary") && !skeleton.words.includes("hi"), "the greeting line is left out");
    assert.notEqual(skeletonDigest(FINGERPRINT_VERSION, skeleton), skeletonDigest(FINGERPRINT_VERSION + 1, skeleton));
  });

  void test("without recipient headers a greeting by name still changes the key", () => {
    assert.notEqual(fingerprintOf(short("Mary"), "").direct, fingerprintOf(short("Ahmed"), "").direct);
  });
});

void describe("the previous version's keys", () => {
  // 80 distinct words of letters only (digits would fold to one word)
  const text = Array.from({ length: 80 }, (_, i) => `w${letter(i % 26)}${letter(Math.floor(i / 26))}`).join(" ");

  void test("32 positional values and the digest of the words and subject, as version 1 computed them", () => {
    const words = normaliseText(text);
    const keys = previousKeys(words, wordHashes(words), ["hello"], 64);
    assert.equal(keys.version, PREVIOUS_VERSION);
    assert.equal(keys.minhash?.length, PREVIOUS_SIZE);
    assert.ok(keys.minhash?.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32));
    const digest = createHash("sha1").update(words.join(" ")).update("\u0000").update("hello").digest("hex");
    assert.equal(keys.direct, digest);
    assert.equal(previousAgreement(keys.minhash ?? [], keys.minhash ?? []), PREVIOUS_SIZE);
    assert.equal(previousKeys(words.slice(0, 10), wordHashes(words.slice(0, 10)), [], 64).minhash, null);
  });

  void test("version 1 left quoted lines out when the rest had 24 words", () => {
    const quoted = `${text}\n> quoted line one\n> quoted line two`;
    const words = normaliseText(quoted);
    assert.ok(words.includes("quoted"));
    const previous = previousWords(quoted, words, wordHashes(words));
    assert.ok(!previous.words.includes("quoted"));
    const onlyQuotes = "> buy now\n> cheap pills here";
    const few = normaliseText(onlyQuotes);
    assert.equal(previousWords(onlyQuotes, few, wordHashes(few)).words, few);
  });

  void test("from the text version 1 read, made canonical as it did outside ASCII", () => {
    const v1 = (text: string, subject: string, previousText?: string) =>
      fingerprintParts(
        { text, previousText, html: "", subject, attachments: [] },
        { ...options, previousVersion: true },
        parse,
      ).previous?.direct;
    const digest = (words: string, subject: string) =>
      createHash("sha1").update(words).update("\u0000").update(subject).digest("hex");
    // version 1 kept accents and folded only its own Cyrillic and Greek letters; this version folds accents too
    assert.equal(v1("Crème brûlée", "Ça"), digest("crème brûlée", "ça"));
    assert.equal(v1("раураl “now” — 50%", "x"), digest("paypal now #", "x"));
    assert.equal(v1("html words", "s", "plain words"), digest("plain words", "s"), "the text/plain alternative");
  });

  void test("computed only when asked for", () => {
    const asked = fingerprintParts(
      { text, html: "", subject: "s", attachments: [] },
      { ...options, previousVersion: true },
      parse,
    );
    assert.equal(asked.previous?.version, PREVIOUS_VERSION);
    assert.equal(fingerprintOf(text, "").previous, undefined);
  });
});
