/**
 * Version 2's keys beside the current ones (src/fingerprint/version-two.ts): the rules that tell the two versions
 * apart. That they are the keys the build of version 2 computed is checked on the whole corpus by
 * test/integration/fingerprint-version-two.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fingerprintParts } from "../../src/fingerprint/compute.js";
import { minhash } from "../../src/fingerprint/minhash.js";
import { normaliseText } from "../../src/fingerprint/normalise.js";
import { nameSet, recipientNameText, skeletonDigest, skeletonOf } from "../../src/fingerprint/skeleton.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";

const parse = { bytesParsed: 100, truncated: false, limit: null };
const options = { minWords: 64, attachmentMinBytes: 1024, previousVersion: true };

function fingerprintOf(text: string, recipients: string, subject = "Hello"): Fingerprint {
  return fingerprintParts({ text, html: "", subject, attachments: [], recipients }, options, parse);
}

const short = (name: string) =>
  `Hi ${name},\n\nYour parcel is waiting, confirm the address.\nhttp://track.example.net/x`;

void test("a short message: version 2's exact key is its skeleton's under version 2, numbered names not names", () => {
  const text = short("user10");
  const fp = fingerprintOf(text, "user10@example.org", "Parcel ref20261204");
  const keys = fp.version2!;
  // version 2 dropped user10 and ref20261204 (long, mixed): it read the text as if they were not there, and no
  // user# as a name
  const names = nameSet(normaliseText(recipientNameText("user10@example.org")), false);
  assert.deepEqual([...names], ["user"]);
  const read = short("");
  const expected = skeletonDigest(2, skeletonOf(read, normaliseText(read), ["parcel"], names, true));
  assert.equal(keys.direct, expected);
  assert.notEqual(keys.direct, fp.direct);
  assert.equal(keys.minhash, null, "a short message has no values");
  // version 2 gave "Hi user9" and "Hi user10" two keys; the current version one
  const nine = fingerprintOf(short("user9"), "user9@example.org", "Parcel ref20261204");
  assert.notEqual(nine.version2!.direct, keys.direct);
  assert.equal(nine.direct, fp.direct);
  // user9 it read as user#, a word of the greeting's line: no name of version 2's
  const greeting = short("user9");
  const kept = skeletonDigest(2, skeletonOf(greeting, normaliseText(greeting), ["parcel"], names, true));
  assert.equal(nine.version2!.direct, kept);
});

void test("a long message: version 2's values are the current ones where it read the same words", () => {
  const words = Array.from({ length: 90 }, (_, i) => `word${String.fromCharCode(0x61 + (i % 26))}${i % 7}x`);
  const plain = words.map((w) => w.replace(/\d/g, "")).join(" ");
  const same = fingerprintOf(plain, "reader@example.org");
  assert.notEqual(same.minhash, null);
  assert.deepEqual(same.version2!.minhash, same.minhash, "the same words: the current values are version 2's");
  const numbered = `${plain}\nyour code member20481 and order ord99120 ship today`;
  const fp = fingerprintOf(numbered, "reader@example.org");
  const read = normaliseText(numbered).filter((w) => w !== "member#" && w !== "ord#");
  assert.deepEqual(fp.version2!.minhash, minhash(read, 64));
  assert.notDeepEqual(fp.version2!.minhash, fp.minhash);
});

void test("not asked for, not computed", () => {
  const fp = fingerprintParts(
    { text: short("Mary"), html: "", subject: "Hi", attachments: [], recipients: "mary@example.org" },
    { minWords: 64, attachmentMinBytes: 1024 },
    parse,
  );
  assert.equal(fp.version2, undefined);
});
