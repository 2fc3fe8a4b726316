/**
 * Pure parts of the scan queue: the job payload (cap, gzip, base64, bounded inflate), ids, verdict messages,
 * rate-limited shed logging and verdict waiters (with a small fake pub/sub connection).
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import type { Redis } from "ioredis";
import { deduplicationId, jobIdFor, bullPrefix } from "../../src/queue/names.js";
import { decodePayload, encodePayload, SYNC_GZIP_MAX_BYTES } from "../../src/queue/payload.js";
import { createRateLimitedLog } from "../../src/util/rate-limited-log.js";
import { createVerdictWaiters, parseVerdictMessage } from "../../src/queue/verdict-waiters.js";
import { defaultConfig } from "../../src/config/schema.js";
import type { Logger } from "../../src/util/logger.js";

void describe("payload", () => {
  void test("round trip of any message under the cap", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        const message = Buffer.from(bytes);
        const { base64, truncated } = await encodePayload(message, 4096);
        assert.equal(truncated, false);
        assert.deepEqual(await decodePayload(base64, 4096), message);
      }),
      { numRuns: 50 },
    );
  });
  void test("round trip on both sides of the in-place limit, from a SharedArrayBuffer as the capture gives it", async () => {
    for (const size of [SYNC_GZIP_MAX_BYTES, SYNC_GZIP_MAX_BYTES + 1, 300_000]) {
      const message = Buffer.from(new SharedArrayBuffer(size));
      for (let i = 0; i < size; i++) message[i] = (i * 2654435761) >>> 24;
      const copy = Buffer.from(message);
      const { base64, truncated } = await encodePayload(message, 1 << 20);
      assert.equal(truncated, false);
      assert.ok((await decodePayload(base64, 1 << 20)).equals(copy), `${size} bytes`);
      assert.ok(message.equals(copy), "the message is not modified");
    }
  });
  void test("a message over the cap is cut and marked truncated", async () => {
    const message = Buffer.alloc(10_000, 0x61);
    const { base64, truncated } = await encodePayload(message, 1024);
    assert.equal(truncated, true);
    assert.deepEqual(await decodePayload(base64, 1024), message.subarray(0, 1024));
    assert.ok(base64.length < 200, "repetitive text compresses");
  });
  void test("a payload inflating past the cap is refused", async () => {
    const bomb = gzipSync(Buffer.alloc(1_000_000)).toString("base64");
    await assert.rejects(decodePayload(bomb, 1024));
  });
});

void describe("names", () => {
  void test("deduplication ids: the campaign id, or <id>:r<generation> for a re-scan", () => {
    assert.equal(deduplicationId("abc123", "new", 7), "abc123");
    assert.equal(deduplicationId("abc123", "rescan", 7), "abc123:r7");
  });
  void test("job ids carry no ':' (BullMQ refuses them)", () => {
    assert.equal(jobIdFor("abc:r7", "x1"), "abc_r7.x1");
  });
  void test("the BullMQ prefix is a hash tag of the configured prefix", () => {
    assert.equal(bullPrefix(defaultConfig()), "{fg:bull}");
  });
});

void describe("verdict messages", () => {
  void test("a well-formed message", () => {
    const verdict = { verdict: "spam", score: 9, scanner: "spamd", threshold: 5, rules: ["GTUBE"], at: 5 };
    assert.deepEqual(parseVerdictMessage(JSON.stringify({ id: "c1", verdict })), { id: "c1", verdict });
  });
  void test("an unsure verdict; a message without threshold or rules has none", () => {
    const text = JSON.stringify({ id: "c1", verdict: { verdict: "unsure", score: 3, scanner: "spamd", at: 5 } });
    assert.deepEqual(parseVerdictMessage(text), {
      id: "c1",
      verdict: { verdict: "unsure", score: 3, scanner: "spamd", threshold: null, rules: [], at: 5 },
    });
  });
  for (const text of [
    "",
    "nope",
    "{}",
    JSON.stringify({ id: "c1", verdict: { verdict: "maybe", score: 1, scanner: "x", at: 1 } }),
  ]) {
    void test(`${JSON.stringify(text)} is ignored`, () => assert.equal(parseVerdictMessage(text), null));
  }
});

function recordingLogger() {
  const lines: unknown[][] = [];
  const logger = { warn: (...args: unknown[]) => lines.push(args), debug: () => undefined, info: () => undefined };
  return { logger: logger as unknown as Logger, lines };
}

void test("rate-limited log: one line per reason per interval, carrying the suppressed count", () => {
  const { logger, lines } = recordingLogger();
  const log = createRateLimitedLog(logger, "scan job shed", 60_000);
  for (let i = 0; i < 100; i++) log("high-water", { campaignId: `c${i}` });
  log("timeout", { campaignId: "x" });
  assert.equal(lines.length, 2);
});

void describe("verdict waiters", () => {
  function fakeSubscriber() {
    const emitter = new EventEmitter();
    const channels: string[] = [];
    const sub = Object.assign(emitter, {
      subscribe: async (channel: string) => {
        channels.push(channel);
        return 1;
      },
    });
    return { sub: sub as unknown as Redis, emitter, channels };
  }
  const { logger } = recordingLogger();
  const verdict = { verdict: "spam" as const, score: 12, scanner: "spamd", threshold: 5, rules: [], at: 1 };

  void test("resolves waiters of the campaign with its verdict, over one subscription", async () => {
    const { sub, emitter, channels } = fakeSubscriber();
    const waiters = createVerdictWaiters({ subscriber: sub, channel: "fg:verdicts", logger });
    const a = waiters.wait("c1", 10_000);
    const b = waiters.wait("c1", 10_000);
    const other = waiters.wait("c2", 50);
    emitter.emit("message", "fg:verdicts", JSON.stringify({ id: "c1", verdict }));
    assert.deepEqual(await a, verdict);
    assert.deepEqual(await b, verdict);
    assert.equal(await other, null);
    assert.deepEqual(channels, ["fg:verdicts"]);
    waiters.close();
  });
  void test("null at the timeout, on abort, and on close", async () => {
    const { sub } = fakeSubscriber();
    const waiters = createVerdictWaiters({ subscriber: sub, channel: "v", logger });
    assert.equal(await waiters.wait("c1", 20), null);
    const controller = new AbortController();
    const aborted = waiters.wait("c1", 10_000, controller.signal);
    controller.abort();
    assert.equal(await aborted, null);
    const closed = waiters.wait("c1", 10_000);
    waiters.close();
    assert.equal(await closed, null);
  });
});
