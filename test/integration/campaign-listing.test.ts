/**
 * Listing the busiest campaigns (`/status`, `floodgate campaigns`) costs Redis work in proportion to what is shown, not
 * to how many campaigns exist: with 200,000 campaigns in the window, `top(10)` runs no union of the rankings and gets a
 * reply of a few KiB (a union over every campaign returned megabytes and took Redis 0.8 s, during which mail waited).
 * Each bucket's ranking is kept to its 1,000 busiest on the write path, and a campaign dropped from it comes back with
 * its true count.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { campaignKeys } from "../../src/reputation/keys.js";
import { createCampaignStore, type RedisCampaignStore } from "../../src/reputation/store.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";

const BUCKETS = 6;
const WINDOW_SECONDS = 3600;
const BUCKET_MS = (WINDOW_SECONDS * 1000) / BUCKETS;

/** A campaign's fingerprint: its own exact digest and MinHash values. */
function fingerprintOf(n: number) {
  const minhash = Array.from({ length: 32 }, (_, i) => (n * 7919 + i * 104729 + 17) >>> 0);
  return syntheticFingerprint({
    minhash,
    direct: `listing-${n}`,
    subject: `campaign ${n}`,
    words: 200,
    bytesParsed: 500,
  });
}

/** Redis's own counters: calls per command, and bytes written to clients. */
async function redisWork(redis: Redis): Promise<{ calls: Map<string, number>; outputBytes: number }> {
  const calls = new Map<string, number>();
  for (const line of (await redis.info("commandstats")).split("\r\n")) {
    const m = /^cmdstat_([a-z_|]+):calls=(\d+)/.exec(line);
    if (m) calls.set(m[1] as string, Number(m[2]));
  }
  const out = /total_net_output_bytes:(\d+)/.exec(await redis.info("stats"));
  return { calls, outputBytes: Number(out?.[1] ?? NaN) };
}

describe("listing the busiest campaigns", () => {
  let server: TestRedis;
  let redis: Redis;
  let admin: Redis;
  let store: RedisCampaignStore;
  let prefix: string;

  before(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url);
    admin = new Redis(server.url);
    prefix = uniquePrefix("listing");
    const campaigns = { ...defaultConfig().campaigns, windowSeconds: WINDOW_SECONDS };
    store = createCampaignStore(redis, { prefix, campaigns, closeConnection: false });
  });
  after(async () => {
    redis?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });

  test("top(10) among 200,000 campaigns: the ten busiest, no union of the rankings, a reply of a few KiB", async () => {
    const keys = campaignKeys(prefix);
    const now = Date.now();
    const current = Math.floor(now / BUCKET_MS);
    // 200,000 campaigns of one copy each in the rankings and the recent list, as a flood of distinct campaigns
    // leaves them (or as rankings written before they were capped).
    const filler = 200_000;
    for (let start = 0; start < filler; start += 10_000) {
      const pipeline = admin.pipeline();
      for (let b = 0; b < BUCKETS; b++) {
        const members: (string | number)[] = [];
        for (let i = start; i < start + 10_000; i++) members.push(1, `f${i.toString(16).padStart(11, "0")}`);
        pipeline.zadd(keys.hot(current - b), ...members);
      }
      const recent: (string | number)[] = [];
      for (let i = start; i < start + 10_000; i++) recent.push(now - 60_000, `f${i.toString(16).padStart(11, "0")}`);
      pipeline.zadd(keys.top, ...recent);
      await pipeline.exec();
    }
    // Thirty real campaigns, campaign n with n + 2 copies.
    const ids: string[] = [];
    for (let n = 0; n < 30; n++) {
      let id = "";
      for (let copy = 0; copy < n + 2; copy++) {
        id = (
          await store.observe({
            fingerprint: fingerprintOf(n),
            sender: `s${copy}@x.example`,
            recipients: [`r${copy}@y.example`],
            clientIp: null,
            now,
          })
        ).id;
      }
      ids.push(id);
    }
    assert.equal(await admin.zcard(keys.hot(current - 1)), filler, "an older bucket holds every campaign");

    const before = await redisWork(admin);
    const top = await store.top(10);
    const afterwards = await redisWork(admin);

    assert.deepEqual(
      top.map((v) => v.id),
      ids.slice(-10).reverse(),
      "the ten busiest, busiest first",
    );
    assert.deepEqual(
      top.map((v) => v.copies),
      [31, 30, 29, 28, 27, 26, 25, 24, 23, 22],
    );
    const ran = (cmd: string) => (afterwards.calls.get(cmd) ?? 0) - (before.calls.get(cmd) ?? 0);
    for (const cmd of ["zunion", "zunionstore", "zinter", "zinterstore", "sort", "keys", "scan"]) {
      assert.equal(ran(cmd), 0, `no ${cmd}`);
    }
    assert.ok(ran("zrevrange") <= BUCKETS, `one read of each bucket's head, got ${ran("zrevrange")}`);
    // The two INFO replies of the measurement are in the difference too (each well under 16 KiB).
    const bytes = afterwards.outputBytes - before.outputBytes;
    assert.ok(bytes < 64 * 1024, `top(10) made Redis write ${bytes} bytes`);
  });

  test("1,100 campaigns: the ranking keeps 1,000; one dropped from it comes back with its true count and leads the list", async () => {
    const quietPrefix = uniquePrefix("listing");
    const quiet = createCampaignStore(redis, {
      prefix: quietPrefix,
      campaigns: { ...defaultConfig().campaigns, windowSeconds: WINDOW_SECONDS },
      closeConnection: false,
    });
    const now = Date.now();
    for (let n = 1000; n < 2100; n++) {
      await quiet.observe({
        fingerprint: fingerprintOf(n),
        sender: "a@x.example",
        recipients: ["b@y.example"],
        clientIp: null,
        now,
      });
    }
    const current = Math.floor(now / BUCKET_MS);
    assert.equal(
      await admin.zcard(campaignKeys(quietPrefix).hot(current)),
      1000,
      "the ranking keeps its 1,000 busiest",
    );
    let surging = "";
    for (let copy = 0; copy < 3; copy++) {
      surging = (
        await quiet.observe({
          fingerprint: fingerprintOf(5000),
          sender: `s${copy}@x.example`,
          recipients: [`r${copy}@y.example`],
          clientIp: null,
          now,
        })
      ).id;
    }
    const [first] = await quiet.top(1);
    assert.equal(first?.id, surging);
    assert.equal(first?.copies, 3);
  });
});
