/**
 * The further look: a window cut short that was mostly not text is read again, up to FURTHER_LOOK_FACTOR windows,
 * so that copies a sender pads with its own salt ahead of the text (hidden text, a comment, a style block, an
 * attachment) are still one campaign; the attachments stay those of the first window; the text a person is shown
 * (`--explain`) is what the fingerprint read; and past the further look nothing more is read. An 8 KiB window keeps
 * the messages small; the rule is relative to the window.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/schema.js";
import { markedText } from "../../src/fingerprint/explain.js";
import { FURTHER_LOOK_FACTOR, runFingerprintTask } from "../../src/fingerprint/task.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";
import { seededRandom } from "../../src/util/seeded-random.js";
import { randomWords } from "../support/random-words.js";

const WINDOW = 8 * 1024;
const options = {
  parseBytes: WINDOW,
  minWords: defaultConfig().fingerprint.minWords,
  attachmentMinBytes: 64,
  parser: "fast" as const,
};
const OFFER =
  "Our exclusive pharmacy offers discounted medication without a prescription. Order today and receive free " +
  "overnight shipping to your door. Visit the store for savings on every order you place this month. Limited " +
  "stock: act now, before the offer expires and the prices go back up for everyone on the list. Every parcel is " +
  "packed without a label that says what is inside, and our pharmacists answer questions by mail within a day. " +
  "Returning customers get a further tenth off, and a friend you bring gets the same welcome discount as you.";

type Padding = "hidden text" | "a comment" | "a style block" | "an attachment";

/** A copy of the offer with `bytes` of the copy's own salt ahead of it, in the way `padding` says, and its own
 * subject. */
function paddedCopy(padding: Padding, seed: number, bytes: number): Buffer {
  const random = seededRandom(seed);
  const pad = randomWords(random, bytes);
  const head = `From: a${seed}@sender.example\r\nTo: b@example.org\r\nSubject: ${randomWords(random, 20)}\r\nMIME-Version: 1.0\r\n`;
  const html = (before: string, inHead = "") =>
    `${head}Content-Type: text/html; charset=utf-8\r\n\r\n<html><head>${inHead}</head><body>${before}<p>${OFFER}</p></body></html>\r\n`;
  if (padding === "hidden text") return Buffer.from(html(`<div style="display:none">${pad}</div>`));
  if (padding === "a comment") return Buffer.from(html(`<!-- ${pad} -->`));
  if (padding === "a style block") return Buffer.from(html("", `<style>/* ${pad} */</style>`));
  const attachment = Buffer.from(pad).toString("base64").replace(/.{76}/g, "$&\r\n");
  return Buffer.from(
    `${head}Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Disposition: attachment; filename=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n` +
      `--b\r\nContent-Type: text/plain\r\n\r\n${OFFER}\r\n--b--\r\n`,
  );
}

async function fingerprintOf(message: Buffer): Promise<Fingerprint> {
  const result = await runFingerprintTask({ ...options, message });
  assert.equal(result.status, "ok");
  return (result as { fingerprint: Fingerprint }).fingerprint;
}

void describe("the further look past a window that was mostly not text", () => {
  for (const padding of ["hidden text", "a comment", "a style block", "an attachment"] as const) {
    void test(`copies padded with their own salt in ${padding} ahead of the text are one campaign`, async () => {
      const [a, b] = await Promise.all([1, 2].map((seed) => fingerprintOf(paddedCopy(padding, seed, 2 * WINDOW))));
      assert.ok(a!.bytesParsed > WINDOW, `read past the window: ${a!.bytesParsed} bytes`);
      assert.ok(a!.words > 80, `the offer's words were read: ${a!.words}`);
      assert.ok(a!.minhash, "a MinHash (the subject, salted too, only changes the exact key)");
      assert.deepEqual(a!.minhash, b!.minhash, "the same MinHash");
    });
  }

  void test("padding past the further look is not read: it costs the sender that much a copy", async () => {
    const far = await fingerprintOf(paddedCopy("hidden text", 1, (FURTHER_LOOK_FACTOR + 1) * WINDOW));
    assert.ok(far.bytesParsed <= FURTHER_LOOK_FACTOR * WINDOW + 1024, `${far.bytesParsed} bytes read`);
    assert.equal(far.words, 0);
    assert.equal(far.truncated, true);
  });

  void test("a window that gave text is not read further", async () => {
    const text = `${"From: a@x.example\r\nSubject: news\r\n\r\n"}${randomWords(seededRandom(3), 3 * WINDOW)}\r\n`;
    const fingerprint = await fingerprintOf(Buffer.from(text));
    assert.ok(fingerprint.bytesParsed <= WINDOW + 1024, `${fingerprint.bytesParsed} bytes read`);
    assert.equal(fingerprint.truncated, true);
  });

  void test("the attachments stay those of the first window (the one cut there is left out)", async () => {
    const fingerprint = await fingerprintOf(paddedCopy("an attachment", 1, 2 * WINDOW));
    assert.deepEqual(fingerprint.attachments, []);
  });

  void test("the text shown to a person (--explain) is the text the fingerprint read", async () => {
    const marked = await markedText(paddedCopy("hidden text", 1, 2 * WINDOW), options);
    assert.ok(marked.includes("Our exclusive pharmacy offers"), "the offer past the window is shown");
  });
});
