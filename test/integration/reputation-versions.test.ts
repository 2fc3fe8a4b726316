/**
 * The campaign store's record of the fingerprint versions whose keys it may hold (src/reputation/versions.ts),
 * against a real redis-server: a fresh store needs no earlier keys, a store an earlier release wrote needs them
 * while its keys can live, observations and blocks keep the record, and a look that finds the keys gone ends them.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { Fingerprint } from "../../src/fingerprint/types.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { campaignKeys } from "../../src/reputation/keys.js";
import { createCampaignStore, type RedisCampaignStore } from "../../src/reputation/store.js";
import { uniquePrefix, useStoreRedis } from "../support/redis.js";

void describe("the store's record of fingerprint versions (real Redis)", () => {
  const db = useStoreRedis();

  function open(): { store: RedisCampaignStore; keys: ReturnType<typeof campaignKeys>; ttlMs: number } {
    const prefix = uniquePrefix("versions");
    const campaigns = db.config.campaigns;
    const store = createCampaignStore(db.redis, { prefix, campaigns, closeConnection: false });
    return { store, keys: campaignKeys(prefix), ttlMs: campaigns.ttlSeconds * 1000 };
  }
  const observe = (store: RedisCampaignStore, fingerprint: Fingerprint, now: number) =>
    store.observe({ fingerprint, sender: "a@example.net", recipients: ["b@example.org"], clientIp: "192.0.2.1", now });
  const record = async (keys: ReturnType<typeof campaignKeys>) => db.redis.hgetall(keys.versions);

  void test("a fresh store holds no earlier version's keys, and says so; its observations record their version", async () => {
    const { store, keys, ttlMs } = open();
    const now = Date.now();
    assert.equal(await store.earlierVersionsLive(now), false);
    assert.deepEqual(await record(keys), { "1": "0", "2": "0" });
    await observe(store, syntheticFingerprint({ direct: "fresh" }), now);
    assert.ok(Number((await record(keys))["3"]) >= now + ttlMs, "version 3's keys recorded for at least the ttl");
    assert.equal(await store.earlierVersionsLive(now + 1000), false, "looked for once: not again");
  });

  void test("a store an earlier release wrote (no record) needs the earlier keys until they can no longer live", async () => {
    const { store, keys, ttlMs } = open();
    const now = Date.now();
    await db.redis.set(`${keys.base}sh:3:12345`, "aaaaaaaaaaaa", "PX", ttlMs);
    await db.redis.set(`${keys.base}d2:abcdef`, "bbbbbbbbbbbb", "PX", ttlMs);
    assert.equal(await store.earlierVersionsLive(now), true);
    assert.deepEqual(await record(keys), { "1": String(now + ttlMs), "2": String(now + ttlMs) });
    assert.equal(await store.earlierVersionsLive(now + ttlMs - 1), true, "within the ttl, by the record");
    // Past the ttl they are looked for again: version 1's key is still there (as a block of that release keeps it).
    await db.redis.del(`${keys.base}d2:abcdef`);
    const later = now + ttlMs + 1;
    assert.equal(await store.earlierVersionsLive(later), true);
    assert.deepEqual(await record(keys), { "1": String(later + ttlMs), "2": "0" });
    await db.redis.del(`${keys.base}sh:3:12345`);
    assert.equal(await store.earlierVersionsLive(later + ttlMs + 1), false, "gone: not needed any more");
    assert.deepEqual(await record(keys), { "1": "0", "2": "0" });
  });

  void test("only the versions whose keys are found are recorded live", async () => {
    const { store, keys, ttlMs } = open();
    const now = Date.now();
    await db.redis.set(`${keys.base}m2:g1:0`, "x", "PX", ttlMs);
    assert.equal(await store.earlierVersionsLive(now), true);
    assert.deepEqual(await record(keys), { "1": "0", "2": String(now + ttlMs) });
  });

  void test("observations of an earlier version (a host of it sharing the store) keep that version live", async () => {
    const { store, ttlMs } = open();
    const now = Date.now();
    assert.equal(await store.earlierVersionsLive(now), false);
    await observe(store, syntheticFingerprint({ version: 2, direct: "older", minhash: [1, 2, 3] }), now);
    assert.equal(await store.earlierVersionsLive(now + ttlMs - 1), true);
  });

  void test("a block keeps the record of the versions whose keys it keeps alive until it ends", async () => {
    const { store, keys, ttlMs } = open();
    const now = Date.now();
    assert.equal(await store.earlierVersionsLive(now), false);
    // A campaign of version 1, as that release wrote it: its exact digest and values by position.
    const id = "0123456789ab";
    await db.redis.hset(keys.campaign(id), "first", now, "last", now, "total", 1, "direct", "d1", "minhash", "7 8");
    await db.redis.set(keys.direct(1, "d1"), id, "PX", ttlMs);
    const blockMs = 3 * ttlMs;
    await store.block(id, blockMs / 1000);
    const until = Number((await record(keys))["1"]);
    assert.ok(until >= now + blockMs, `version 1 recorded until the block ends (${until})`);
    assert.equal(await store.earlierVersionsLive(now + 2 * ttlMs), true, "past the ttl, within the block");
    assert.equal((await record(keys))["2"], "0");
  });
});
