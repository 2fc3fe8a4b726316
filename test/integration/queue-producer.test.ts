/**
 * The scan producer against a real Redis and the real campaign store: 5,000 enqueues of one campaign make one scan
 * job; its verdict reaches the store and the waiters; a re-scan is one more job; the high-water mark sheds; a stalled
 * Redis leaves a bounded number of adds unanswered; a Redis outage sheds without throwing or blocking.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Queue } from "bullmq";
import { configSchema, type Config } from "../../src/config/schema.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { startScanWorker } from "../../src/queue/scan-processor.js";
import { queueStats } from "../../src/queue/stats.js";
import { arrivalsKey } from "../../src/queue/names.js";
import { GTUBE } from "../../src/scanners/builtin-rules.js";
import { ScannerError, type Scanner } from "../../src/scanners/types.js";
import { createLogger } from "../../src/util/logger.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";
import { newCampaign } from "../../src/lab/synthetic-campaigns.js";
import { pollUntil } from "../support/poll.js";
import { connectScanProducer } from "../../src/lab/scan-queue.js";
import { MAX_UNANSWERED_ADDS } from "../../src/queue/producer.js";

/** The queue holds `count` jobs in all, whatever their state. */
async function assertJobsInQueue(producer: { queue: Queue }, count: number): Promise<void> {
  const counts = await producer.queue.getJobCounts(
    "waiting",
    "active",
    "delayed",
    "prioritized",
    "completed",
    "failed",
  );
  assert.equal(
    Object.values(counts).reduce((a, b) => a + b, 0),
    count,
    JSON.stringify(counts),
  );
}

const logger = createLogger(process.env["TEST_LOG_LEVEL"] ?? "silent");
const metrics = createMetrics();
const gtubeMessage = Buffer.from(`From: a@example.com\r\nSubject: offer\r\nMessage-ID: <x@y>\r\n\r\n${GTUBE}\r\n`);

function testConfig(redisUrl: string, overrides: { queue?: object; worker?: object } = {}): Config {
  return configSchema.parse({
    redis: { url: redisUrl, prefix: uniquePrefix("scan") },
    queue: { enqueueTimeoutMs: 10_000, ...overrides.queue },
    scanWorker: { scanners: [{ type: "builtin" }], lockDurationMs: 5000, stalledIntervalMs: 2000, ...overrides.worker },
  });
}

async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((sum, v) => sum + v.value, 0);
}

void describe("scan producer", () => {
  let redis: TestRedis;
  const closers: (() => Promise<unknown>)[] = [];
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await redis?.stop();
  });

  function setup(config: Config) {
    const client = connectScanProducer(config, redis.url, logger, metrics);
    closers.push(() => client.close());
    return client;
  }

  void test("a verdict recorded before the wait starts is found in the store, not waited for", async () => {
    const config = testConfig(redis.url);
    const { producer, store } = setup(config);
    const id = await pollUntil("the store's connection", () => newCampaign(store).catch(() => null));
    const verdict = {
      verdict: "spam" as const,
      score: 7,
      scanner: "builtin",
      threshold: 5,
      rules: ["X"],
      at: Date.now(),
    };
    await store.recordVerdict(id, verdict);
    // Its publication is long gone; a waiter that only listened would wait out a budget longer than the test's
    // own timeout, and the test would fail.
    assert.deepEqual(await producer.waitForVerdict(id, 3_600_000), verdict);
  });

  // Finding (memory): completed and failed scan jobs kept their payloads, up to 10,000 of each.
  void test("finished jobs are kept by count (queue.keepCompleted, queue.keepFailed), their payloads with them", async () => {
    const config = testConfig(redis.url, {
      queue: { keepCompleted: { count: 2 }, keepFailed: { count: 3 } },
      worker: { attempts: 1 },
    });
    const { producer, store, connection } = setup(config);
    await pollUntil("the producer's Redis connection", async () => connection.status === "ready");
    const scanner: Scanner = {
      name: "test",
      saysHam: true,
      scan: async (message) => {
        if (message.includes("FAIL")) throw new ScannerError("test", "protocol", "this one fails");
        return { verdict: "ham", score: 0, threshold: 5, rules: [] };
      },
    };
    const worker = await startScanWorker({ config, redisUrl: redis.url, logger, store, scanners: [scanner] });
    closers.push(() => worker.close());
    for (let i = 0; i < 8; i++) {
      const id = await newCampaign(store);
      const message = Buffer.from(`Subject: ${i}\r\n\r\n${i % 2 === 0 ? "FAIL" : "fine"}\r\n`);
      assert.equal(await producer.enqueue({ campaignId: id, message, truncated: false, reason: "new" }), "queued");
    }
    const queue = producer.queue;
    await pollUntil("every job finished", async () => {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      return Object.values(counts).every((n) => n === 0);
    });
    // BullMQ trims the finished sets as each job finishes: never more than the counts kept.
    assert.ok((await queue.getCompletedCount()) <= 2, `${await queue.getCompletedCount()} completed jobs kept`);
    assert.ok((await queue.getFailedCount()) <= 3, `${await queue.getFailedCount()} failed jobs kept`);
  });

  void test("5,000 enqueues of one campaign make one job; its verdict makes the campaign spam", async () => {
    const config = testConfig(redis.url);
    const { producer, store, connection } = setup(config);
    await pollUntil("the producer's Redis connection", async () => connection.status === "ready");
    const id = await newCampaign(store);
    const queuedBefore = await metricValue("floodgate_scan_jobs_queued_total");

    const results: string[] = [];
    for (let batch = 0; batch < 50; batch++) {
      const round = await Promise.all(
        Array.from({ length: 100 }, () =>
          producer.enqueue({ campaignId: id, message: gtubeMessage, truncated: false, reason: "new" }),
        ),
      );
      results.push(...round);
    }
    assert.equal(results.length, 5000);
    assert.equal(
      results.filter((r) => r === "queued").length,
      1,
      `exactly one enqueue queued a job: ${[...new Set(results)].join(",")}`,
    );
    assert.equal(results.filter((r) => r === "deduplicated").length, 4999);
    assert.equal((await metricValue("floodgate_scan_jobs_queued_total")) - queuedBefore, 1);
    await assertJobsInQueue(producer, 1);
    const marked = await store.get(id);
    assert.ok(marked && marked.lastScanQueuedAt > 0, "the store knows a scan was queued");

    const stats = await queueStats(producer.queue, { arrivalsKey: arrivalsKey(config) });
    assert.equal(stats.backlog, 1);

    const waiting = producer.waitForVerdict(id, 120_000);
    const worker = await startScanWorker({ config, redisUrl: redis.url, logger, store });
    closers.push(() => worker.close());
    const verdict = await waiting;
    assert.ok(verdict, "the waiter got the verdict");
    assert.equal(verdict.verdict, "spam");
    assert.equal(verdict.scanner, "builtin");
    const view = await pollUntil("the campaign's spam state", async () => {
      const v = await store.get(id);
      return v?.state === "spam" ? v : null;
    });
    assert.equal(view.verdict?.verdict, "spam");

    // After the verdict, more copies of the first scan are still deduplicated (throttled for a re-scan period).
    assert.equal(
      await producer.enqueue({ campaignId: id, message: gtubeMessage, truncated: false, reason: "new" }),
      "deduplicated",
    );

    // The re-scan the rule asks for: one more job however many processes ask at once.
    const rescans = await Promise.all(
      Array.from({ length: 200 }, () =>
        producer.enqueue({
          campaignId: id,
          message: gtubeMessage,
          truncated: false,
          reason: "rescan",
          generation: view.lastScanQueuedAt,
        }),
      ),
    );
    assert.equal(rescans.filter((r) => r === "queued").length, 1);
    await pollUntil(
      "the re-scan to complete",
      async () => (await producer.queue.getJobCounts("completed")).completed === 2,
    );
    await assertJobsInQueue(producer, 2);
    await worker.close();
  });

  void test("past the high-water mark new jobs are shed, counted, and the producer is unhealthy", async () => {
    const config = testConfig(redis.url, { queue: { highWaterMark: 5 } });
    const { producer, store, connection } = setup(config);
    await pollUntil("the producer's Redis connection", async () => connection.status === "ready");
    const shedBefore = await metricValue("floodgate_scan_jobs_shed_total", { reason: "high-water" });
    const results: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = await newCampaign(store);
      results.push(await producer.enqueue({ campaignId: id, message: gtubeMessage, truncated: false, reason: "new" }));
    }
    const queued = results.filter((r) => r === "queued").length;
    const shed = results.filter((r) => r === "shed").length;
    assert.equal(queued, 5, results.join(","));
    assert.equal(shed, 15);
    assert.equal((await metricValue("floodgate_scan_jobs_shed_total", { reason: "high-water" })) - shedBefore, 15);
    await pollUntil("healthy() to see the backlog", async () => producer.healthy() === false || null, 10_000).catch(
      () => undefined,
    );
    assert.equal(producer.healthy(), false);
    const stats = await queueStats(producer.queue);
    assert.equal(stats.backlog, 5);
    assert.equal(stats.counts.waiting, 5);
  });

  void test(`with Redis stalled, at most ${MAX_UNANSWERED_ADDS} adds are left unanswered; the rest are shed at once, counted`, async () => {
    const config = testConfig(redis.url, { queue: { enqueueTimeoutMs: 200 } });
    const { producer, store, connection } = setup(config);
    await pollUntil("the producer's Redis connection", async () => connection.status === "ready");
    const id = await newCampaign(store);
    const unansweredBefore = await metricValue("floodgate_scan_jobs_shed_total", { reason: "unanswered" });
    const timeoutBefore = await metricValue("floodgate_scan_jobs_shed_total", { reason: "timeout" });
    const request = (i: number) => ({
      campaignId: `${id}${i}`,
      message: gtubeMessage,
      truncated: false,
      reason: "new" as const,
    });
    redis.process.kill("SIGSTOP");
    let afterTimeouts: string[];
    try {
      const first = await Promise.all(
        Array.from({ length: MAX_UNANSWERED_ADDS + 10 }, (_, i) => producer.enqueue(request(i))),
      );
      assert.deepEqual(new Set(first), new Set(["shed"]));
      // The adds that timed out are still unanswered while Redis stays stopped: a later one is shed without a wait.
      afterTimeouts = await Promise.all([producer.enqueue(request(1000)), producer.enqueue(request(1001))]);
      assert.equal(
        (await metricValue("floodgate_scan_jobs_shed_total", { reason: "timeout" })) - timeoutBefore,
        MAX_UNANSWERED_ADDS,
      );
      assert.equal(
        (await metricValue("floodgate_scan_jobs_shed_total", { reason: "unanswered" })) - unansweredBefore,
        12,
      );
    } finally {
      redis.process.kill("SIGCONT");
    }
    assert.deepEqual(afterTimeouts, ["shed", "shed"]);
    const again = await pollUntil(
      "an enqueue to succeed once Redis answers the adds left",
      async () => ((await producer.enqueue(request(2000))) === "queued" ? "queued" : null),
      30_000,
    );
    assert.equal(again, "queued");
  });

  void test("with Redis down, enqueue answers 'shed' and never throws", async () => {
    const config = testConfig(redis.url, { queue: { enqueueTimeoutMs: 200 } });
    const { producer, store, connection } = setup(config);
    await pollUntil("the producer's Redis connection", async () => connection.status === "ready");
    const id = await newCampaign(store);
    assert.equal(producer.healthy() || true, true);
    await redis.pause();
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          producer.enqueue({ campaignId: `${id}${i}`, message: gtubeMessage, truncated: false, reason: "new" }),
        ),
      );
      assert.deepEqual(new Set(results), new Set(["shed"]));
      await pollUntil("healthy() to turn false", async () => !producer.healthy(), 10_000);
    } finally {
      await redis.resume();
    }
    await pollUntil("the connection to come back", async () => connection.status === "ready", 30_000);
    const after = await pollUntil(
      "an enqueue to succeed again",
      async () => {
        const r = await producer.enqueue({ campaignId: id, message: gtubeMessage, truncated: false, reason: "new" });
        return r === "queued" ? r : null;
      },
      30_000,
    );
    assert.equal(after, "queued");
  });
});
