/**
 * Freeing the campaign store's memory before Redis is full (src/reputation/shedding.ts, src/ops/store-shedder.ts), on
 * a real Redis: the campaigns seen once are forgotten longest unseen first, with every key of theirs, and the others
 * stay; the console samples of campaigns seen a few times go; a generation of the value index is unlinked; and a
 * Redis past `campaigns.shedAtMemory` of its maxmemory is brought back under it while the store goes on taking writes.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MINHASH_SIZE } from "../../src/fingerprint/minhash.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { StoreShedder } from "../../src/ops/store-shedder.js";
import { redisMemory } from "../../src/redis/memory.js";
import { campaignKeys } from "../../src/reputation/keys.js";
import { SampleStore } from "../../src/reputation/samples.js";
import { createCampaignStore, type RedisCampaignStore } from "../../src/reputation/store.js";
import { pollUntil } from "../support/poll.js";
import { uniquePrefix, useStoreRedis } from "../support/redis.js";

const T0 = Date.now() - (Date.now() % 600_000);

/** The values of campaign `n` (distinct from every other n's; about half of them sampled by the index), and a near
 * copy with `vary` of them replaced. */
function values(n: number, vary = 0): number[] {
  const v = Array.from({ length: MINHASH_SIZE }, (_, k) => (n * 1_000_003 + k * 7_919) * 2);
  for (let k = 0; k < vary; k++) v[k] = 9e12 + n * 1000 + k;
  return v;
}

function fingerprint(n: number, copy = 0, vary = 0): Fingerprint {
  return syntheticFingerprint({ minhash: values(n, vary), direct: `d${n}-${copy}`, words: 200, bytesParsed: 1000 });
}

void describe("freeing the store's memory (real Redis)", () => {
  const db = useStoreRedis();
  const storeOf = (prefix: string): RedisCampaignStore =>
    createCampaignStore(db.redis, { prefix, campaigns: db.config.campaigns, closeConnection: false });
  const observe = (s: RedisCampaignStore, fp: Fingerprint, at: number) =>
    s.observe({
      fingerprint: fp,
      sender: "a@example.net",
      recipients: ["b@example.org"],
      clientIp: "192.0.2.1",
      now: at,
    });
  const keysOf = async (prefix: string, id: string) =>
    (await db.redis.keys(`${campaignKeys(prefix).base}c:${id}*`)).sort();

  void test("the campaigns seen once go longest unseen first, with every key of theirs; the rest stay", async () => {
    const prefix = uniquePrefix("shed");
    const s = storeOf(prefix);
    // The three kept, seen longest ago: a second copy, a verdict, a block.
    const twice = await observe(s, fingerprint(1), T0);
    await observe(s, fingerprint(1), T0 + 1);
    const judged = await observe(s, fingerprint(2), T0 + 2);
    await s.recordVerdict(judged.id, {
      verdict: "ham",
      score: 0,
      scanner: "builtin",
      threshold: 5,
      rules: [],
      at: T0,
    });
    const blocked = await observe(s, fingerprint(3), T0 + 3);
    await s.block(blocked.id, 3600);
    const once: string[] = [];
    for (let n = 10; n < 30; n++) once.push((await observe(s, fingerprint(n), T0 + 1000 * n)).id);
    assert.ok((await keysOf(prefix, once[0]!)).length > 0, "a campaign seen once has keys before");

    const first = await s.forgetSeenOnce("-inf", 10);
    assert.deepEqual([first.looked, first.forgotten], [10, 7], "the three kept are passed over, seven go");
    for (const id of once.slice(0, 7)) {
      assert.equal(await s.get(id), null);
      assert.deepEqual(await keysOf(prefix, id), [], `nothing of ${id} is left`);
    }
    assert.ok(await s.get(once[7]!), "the ones not reached yet stay");
    let pass = first;
    while (pass.next !== "-inf") pass = await s.forgetSeenOnce(pass.next, 10);
    for (const id of once) assert.equal(await s.get(id), null);
    assert.equal((await s.get(twice.id))?.copies, 2);
    assert.equal((await s.get(judged.id))?.verdict?.verdict, "ham");
    assert.ok((await s.get(blocked.id))?.blockedUntil);
    const again = await observe(s, fingerprint(12), T0 + 40_000);
    assert.equal(again.copies, 1, "a copy of a forgotten campaign starts one of its own");
  });

  void test("a campaign seen a few times keeps its hash but not its console samples; a bulk or blocked one keeps both", async () => {
    const prefix = uniquePrefix("samples");
    const s = storeOf(prefix);
    const samples = new SampleStore(db.redis, prefix, () => db.config.console.samples);
    const copiesOf = async (n: number, copies: number) => {
      let view = await observe(s, fingerprint(n), T0);
      for (let c = 1; c < copies; c++) view = await observe(s, fingerprint(n), T0 + c);
      const message = Buffer.from(`Subject: campaign ${n}\r\n\r\nthe body of campaign ${n}\r\n`);
      samples.offer({
        campaignId: view.id,
        copies,
        fingerprint: fingerprint(n),
        message,
        sender: "a@example.net",
        clientIp: null,
      });
      return view.id;
    };
    const few = await copiesOf(200, 2);
    const bulk = await copiesOf(201, db.config.campaigns.bulk.copies);
    const blocked = await copiesOf(202, 2);
    await s.block(blocked, 3600);
    const sampled = async (id: string) => (await keysOf(prefix, id)).filter((k) => k.includes(":s:msg")).length > 0;
    await pollUntil(
      "the samples to be written",
      async () => (await sampled(few)) && (await sampled(bulk)) && (await sampled(blocked)),
    );

    const pass = await s.forgetSeenOnce("-inf", 100);
    assert.deepEqual([pass.forgotten, pass.unsampled], [0, 1]);
    assert.equal(await sampled(few), false, "its samples went");
    assert.equal((await s.get(few))?.copies, 2, "its hash stays");
    assert.ok(await sampled(bulk), "a bulk campaign keeps its samples");
    assert.ok(await sampled(blocked), "a blocked one too");
  });

  void test("a generation of the value index unlinked: a near copy no longer joins by its values", async () => {
    const prefix = uniquePrefix("gen");
    const s = storeOf(prefix);
    const a = await observe(s, fingerprint(100), T0);
    const b = await observe(s, fingerprint(101), T0);
    const c = await observe(s, fingerprint(102), T0);
    const nearA = await observe(s, fingerprint(100, 1, 8), T0 + 10);
    assert.equal(nearA.id, a.id, "joined by its values while the generation lives");
    assert.equal(await s.dropValueGeneration("previous", T0 + 20), false, "no previous generation");
    assert.equal(await s.dropValueGeneration("current", T0 + 20), true);
    const nearB = await observe(s, fingerprint(101, 1, 8), T0 + 30);
    assert.notEqual(nearB.id, b.id, "its values are gone with the generation");
    const exactC = await observe(s, fingerprint(102), T0 + 40);
    assert.deepEqual([exactC.id, exactC.copies], [c.id, 2], "an exact copy is still found by its exact key");
  });

  void test("a Redis past the mark is brought back under it, and the store goes on taking writes", async () => {
    const prefix = uniquePrefix("full");
    const s = storeOf(prefix);
    const now = Date.now();
    for (let n = 1000; n < 3000; n++) await observe(s, fingerprint(n), now - 3000 + n);
    const used = (await redisMemory(db.redis)).usedBytes;
    await db.redis.config("SET", "maxmemory", String(Math.round(used / 0.97)));
    const forgotten: number[] = [];
    const shedder = new StoreShedder({
      store: s,
      memory: () => redisMemory(db.redis),
      shedAt: () => 0.9,
      shedTotal: { inc: (labels: { what: string }, n = 1) => labels.what === "campaign" && forgotten.push(n) } as never,
    });
    try {
      const tick = await shedder.tick();
      assert.ok(tick.ratio !== null && tick.ratio < 0.9, `under the mark after one tick: ${tick.ratio}`);
      assert.ok(tick.campaigns > 0, "campaigns seen once were forgotten");
      assert.equal(
        forgotten.reduce((a, b) => a + b, 0),
        tick.campaigns,
      );
      const fresh = await observe(s, fingerprint(5000), now);
      assert.equal(fresh.copies, 1, "the store takes writes");
      assert.ok(await s.get(fresh.id));
    } finally {
      await db.redis.config("SET", "maxmemory", "0");
    }
  });
});
