/**
 * A Redis that answers but refuses writes, made so for real: a replica (`REPLICAOF`, as the old master is after a
 * failover) and a server at maxmemory with noeviction (OOM). The daemon detects it (`/readyz` 503 naming it, the fail
 * reason redis-readonly or redis-oom counted, FloodgateRedisRefusingWrites firing), known verdicts and blocks still
 * apply (the campaign is looked up read-only in the same deadline), and all comes back when Redis takes writes again.
 * The memory signal (used_memory over maxmemory) fires FloodgateRedisMemoryHigh before the refusals start.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { MilterClient, type TestMessage, type TransactionResult } from "../../src/client/milter-client.js";
import { defaultConfig } from "../../src/config/schema.js";
import { createCampaignStore } from "../../src/reputation/store.js";
import { freePort } from "../../src/util/tcp-port.js";
import { metricValue, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";
import { campaignCopies } from "../support/distinct-campaigns.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";

const headerOf = (r: TransactionResult, name: string) =>
  (r.eom?.modifications.find((m) => "name" in m && m.name === name) as { value: string } | undefined)?.value.trim();
const campaignOf = (r: TransactionResult) => headerOf(r, "X-Floodgate-Campaign")?.split(";")[0] ?? "";
const answerOf = (r: TransactionResult) => r.eom?.reply ?? `${r.eom?.action}: ${headerOf(r, "X-Floodgate-Status")}`;

interface Readyz {
  ready: boolean;
  checks: Record<string, true | string>;
}

describe("a Redis that refuses writes", () => {
  let redis: TestRedis;
  let admin: Redis;
  let daemon: DaemonProcess;
  let client: MilterClient;
  const prefix = uniquePrefix("refusing");
  /** Campaigns of distinct real spam, 30 variants each; the next copy of each is taken in turn. */
  let campaigns: TestMessage[][];
  const next = new Map<number, number>();
  const send = async (c: number) => {
    const i = next.get(c) ?? 0;
    next.set(c, i + 1);
    return client.transaction(campaigns[c]![i] as TestMessage);
  };
  const readyz = async () => (await (await fetch(`${daemon.metricsUrl}/readyz`)).json()) as Readyz;
  const firing = async () =>
    ((await (await fetch(`${daemon.metricsUrl}/status`)).json()) as { alerts: { alertname: string }[] }).alerts.map(
      (a) => a.alertname,
    );
  const ids: string[] = [];

  before(async () => {
    redis = await startTestRedis();
    admin = new Redis(redis.url);
    campaigns = await campaignCopies({
      spamLimit: 80,
      campaigns: 6,
      copies: 30,
      seed: 40,
      sender: "offers",
    });
    daemon = await startDaemonProcess({
      redis: { url: redis.url, prefix },
      policy: { holdBulk: false, dependencyFailMode: "continue" },
      queue: { enabled: false },
      scanWorker: { processes: 0 },
      // Redis is brought to maxmemory by lowering the limit: nothing the store could free would bring it back under
      // (freeing memory at the mark is store-shedding.test.ts's).
      campaigns: { shedAtMemory: 0 },
      alerts: {
        evaluateIntervalMs: 250,
        redisRefusingWrites: { high: 1, forSeconds: 0, clearForSeconds: 0 },
        redisMemory: { high: 0.8, low: 0.7, forSeconds: 0, clearForSeconds: 0 },
      },
    });
    client = await MilterClient.connect(daemon.milter);
    await client.open();
    // Campaign 0 judged spam, campaign 1 blocked, campaign 2 seen without a verdict; 3 and later never seen.
    for (const c of [0, 1, 2]) {
      const first = await send(c);
      ids.push(campaignOf(first));
      assert.match(ids[c] as string, /^[0-9a-f]{12}$/, answerOf(first));
    }
    const store = createCampaignStore(admin, { prefix, campaigns: defaultConfig().campaigns, closeConnection: false });
    await store.recordVerdict(ids[0] as string, {
      verdict: "spam",
      score: 12,
      scanner: "test",
      threshold: 5,
      rules: [],
      at: Date.now(),
    });
    await store.block(ids[1] as string, 3600);
  });

  after(async () => {
    await client?.quit().catch(() => client.destroy());
    await daemon?.stop();
    admin?.disconnect();
    await redis?.stop();
  });

  /** With Redis refusing writes for `reason`: what every kind of message gets, and how it shows. */
  async function whileRefusing(reason: "redis-readonly" | "redis-oom", unseen: number, words: RegExp) {
    const before = await metricValue(daemon.metricsUrl, "floodgate_fail_mode_total", { reason });
    const spam = await send(0);
    assert.match(answerOf(spam), new RegExp(`^550 5\\.7\\.1 .*${ids[0]}`), "a campaign judged spam is still refused");
    assert.equal(campaignOf(spam), ids[0]);
    assert.match(answerOf(await send(1)), /^550 5\.7\.1 /, "a blocked campaign is still refused");
    const known = await send(2);
    assert.equal(campaignOf(known), ids[2], "a known campaign is still recognised");
    assert.doesNotMatch(answerOf(known), /skipped/);
    const unknown = await send(unseen);
    assert.equal(answerOf(unknown), `continue: skipped; reason=${reason}`, "an unknown one gets the fail mode");
    assert.equal(await metricValue(daemon.metricsUrl, "floodgate_fail_mode_total", { reason }), before + 1);
    assert.ok(
      (await metricValue(daemon.metricsUrl, "floodgate_redis_write_refusals_total", {
        reason,
        outcome: "looked-up",
      })) >= 3,
    );
    // Each READONLY reconnects the connection (at most every 2 s), so one probe may land in the reconnect: what must
    // show is refused writes while Redis answers, not a down Redis.
    const ready = await pollUntil("/readyz to name the refused writes while Redis answers", async () => {
      const r = await readyz();
      return typeof r.checks["redisWrites"] === "string" && r.checks["redis"] === true ? r : null;
    });
    assert.equal(ready.ready, false);
    assert.match(ready.checks["redisWrites"] as string, words);
    await pollUntil("FloodgateRedisRefusingWrites to fire", async () =>
      (await firing()).includes("FloodgateRedisRefusingWrites"),
    );
  }

  /** Writes taken again: ready, resolved, and copies counted again. */
  async function afterRecovery() {
    await pollUntil("/readyz to be ready again", async () => (await readyz()).ready);
    await pollUntil(
      "FloodgateRedisRefusingWrites to resolve",
      async () => !(await firing()).includes("FloodgateRedisRefusingWrites"),
    );
    const counted = await send(2);
    assert.match(headerOf(counted, "X-Floodgate-Campaign") ?? "", new RegExp(`^${ids[2]}; copies=\\d+`));
  }

  test("a replica (REPLICAOF): verdicts and blocks apply, the rest is labelled redis-readonly, /readyz and the alert say so", async () => {
    const nowhere = await freePort();
    await admin.call("REPLICAOF", "127.0.0.1", String(nowhere));
    try {
      await whileRefusing("redis-readonly", 3, /READONLY/);
    } finally {
      await admin.call("REPLICAOF", "NO", "ONE");
    }
    await afterRecovery();
  });

  test("at maxmemory (OOM): FloodgateRedisMemoryHigh first, then the same as a replica, labelled redis-oom", async () => {
    const used = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))?.[1]);
    await admin.config("SET", "maxmemory", String(Math.round(used / 0.9)));
    await pollUntil("FloodgateRedisMemoryHigh to fire", async () =>
      (await firing()).includes("FloodgateRedisMemoryHigh"),
    );
    assert.ok((await metricValue(daemon.metricsUrl, "floodgate_redis_memory_used_ratio")) > 0.8);
    await admin.config("SET", "maxmemory", "1");
    try {
      await whileRefusing("redis-oom", 4, /OOM/);
    } finally {
      await admin.config("SET", "maxmemory", "0");
    }
    await afterRecovery();
  });
});
