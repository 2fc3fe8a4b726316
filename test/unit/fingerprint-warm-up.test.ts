/**
 * The built-in mail a fingerprint thread warms up on: the same bytes every time, every shape and charset parsed by
 * the fast extractor to the end (no limit, no fallback to the raw body), each message with text to fingerprint.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultConfig } from "../../src/config/schema.js";
import { taskOptions } from "../../src/fingerprint/pool-messages.js";
import { extract, runFingerprintTask } from "../../src/fingerprint/task.js";
import { warmUpMessage } from "../../src/fingerprint/warm-up-mail.js";

/** Ten charsets and encodings times eight shapes: the first 80 messages hold every pair. */
const EVERY_KIND = 80;

void test("a warm-up message is the same bytes every time, and messages differ", () => {
  for (const index of [0, 1, 79, 999]) assert.ok(warmUpMessage(index).equals(warmUpMessage(index)));
  const distinct = new Set(Array.from({ length: EVERY_KIND }, (_, i) => warmUpMessage(i).toString("latin1")));
  assert.equal(distinct.size, EVERY_KIND);
});

void test("every kind of warm-up message parses to the end and has text to fingerprint", async () => {
  const options = taskOptions(defaultConfig().fingerprint);
  const seen = { html: 0, attachments: 0, nonAscii: 0 };
  for (let index = 0; index < EVERY_KIND; index++) {
    const message = warmUpMessage(index);
    const parts = await extract(message, options.parseBytes, "fast", options.attachmentMinBytes);
    assert.equal(parts.limit, null, `message ${index} stopped at a limit`);
    assert.equal(parts.truncated, false);
    assert.ok(parts.text.trim().length > 0, `message ${index} has no text`);
    if (parts.html !== "") seen.html++;
    if (parts.attachments.length > 0) seen.attachments++;
    if (!/^[\p{ASCII}]*$/u.test(parts.text)) seen.nonAscii++;
    const result = await runFingerprintTask({ ...options, message });
    assert.equal(result.status, "ok", `message ${index}: ${result.status === "ok" ? "" : result.error}`);
  }
  // What the set is for: HTML, attachments and text outside ASCII, not only plain ASCII mail.
  assert.ok(seen.html >= 30 && seen.attachments >= 20 && seen.nonAscii >= 20, JSON.stringify(seen));
});
