/**
 * The daemon keeps its Redis under maxmemory while distinct mail fills it (src/ops/store-shedder.ts, started by
 * src/daemon/start-health.ts): over the milter protocol, distinct corpus messages, then Redis's maxmemory lowered so
 * that the store's keys fill it past `campaigns.shedAtMemory`. The daemon forgets campaigns seen once until Redis is
 * back under the mark, counts them, and the next new message is counted in a campaign of its own, not answered with
 * the fail mode for a Redis that refuses writes.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { MilterClient, type TransactionResult } from "../../src/client/milter-client.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import { loadHam, stripEnvelopeLine } from "../../src/lab/corpus.js";
import { metricValue, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";

const statusOf = (r: TransactionResult) =>
  (
    r.eom?.modifications.find((m) => "name" in m && m.name === "X-Floodgate-Status") as { value: string } | undefined
  )?.value.trim();
const campaignOf = (r: TransactionResult) =>
  (
    r.eom?.modifications.find((m) => "name" in m && m.name === "X-Floodgate-Campaign") as { value: string } | undefined
  )?.value.trim();

void describe("a daemon whose Redis fills with distinct mail", () => {
  let redis: TestRedis;
  let admin: Redis;
  let daemon: DaemonProcess;
  let client: MilterClient;
  const ham = loadHam({ limit: 401 }).map((m, i) =>
    rawToTestMessage(stripEnvelopeLine(m.bytes), `sender${i}@example.net`, [`user${i}@example.org`]),
  );

  before(async () => {
    redis = await startTestRedis();
    admin = new Redis(redis.url);
    daemon = await startDaemonProcess({
      redis: { url: redis.url, prefix: uniquePrefix("shed") },
      policy: { holdBulk: false },
      queue: { enabled: false },
      scanWorker: { processes: 0 },
    });
    client = await MilterClient.connect(daemon.milter);
    await client.open();
  });

  after(async () => {
    await client?.quit().catch(() => client.destroy());
    await daemon?.stop();
    await admin?.config("SET", "maxmemory", "0");
    admin?.disconnect();
    await redis?.stop();
  });

  void test("is brought back under the mark by forgetting campaigns seen once, and goes on counting", async () => {
    for (const message of ham.slice(0, 400)) await client.transaction(message);
    const used = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))?.[1]);
    await admin.config("SET", "maxmemory", String(Math.round(used / 0.97)));
    await pollUntil("campaigns seen once to be forgotten and Redis to be under the mark", async () => {
      const forgotten = await metricValue(daemon.metricsUrl, "floodgate_store_shed_total", { what: "campaign" });
      const ratio = await metricValue(daemon.metricsUrl, "floodgate_redis_memory_used_ratio");
      return forgotten > 0 && ratio > 0 && ratio < 0.9;
    });
    const next = await client.transaction(ham[400]!);
    assert.doesNotMatch(statusOf(next) ?? "", /redis-oom|skipped/, "the new message is decided, not failed over");
    assert.match(campaignOf(next) ?? "", /^[0-9a-f]{12}; copies=1\b/, "and counted");
  });
});
