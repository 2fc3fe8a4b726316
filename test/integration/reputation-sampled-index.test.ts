/**
 * The campaign store's sampled value index against a real redis-server (src/reputation/lua/includes/sampledIndex.lua
 * and valueIndex.lua): only the values 0 modulo 4 are claimed, in one hash per generation; the sample the callers
 * pass (src/fingerprint/value-sample.ts) is the one the scripts work out for the sketches they read; a campaign they
 * name is joined only when the whole sketches agree; a campaign seen once keeps its sketch apart; and the generations
 * of the earlier layouts (four hashes each) are read while their marker lives.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test, describe } from "node:test";
import assert from "node:assert/strict";

import { type Config } from "../../src/config/schema.js";
import { MINHASH_SIZE } from "../../src/fingerprint/minhash.js";
import { FINGERPRINT_VERSION, type Fingerprint } from "../../src/fingerprint/types.js";
import { isSampled } from "../../src/fingerprint/value-sample.js";
import { packedArg, packedValues } from "../../src/fingerprint/packed-values.js";
import { decimals } from "../../src/fingerprint/value-text.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { campaignKeys } from "../../src/reputation/keys.js";
import { luaDir } from "../../src/reputation/scripts.js";
import { createCampaignStore } from "../../src/reputation/store.js";
import type { Observation } from "../../src/reputation/types.js";
import { seededRandom } from "../../src/util/seeded-random.js";
import { uniquePrefix, useStoreRedis } from "../support/redis.js";

/** Distinct pseudo-random MinHash values (53-bit), from a seed. */
function values(seed: number, n = MINHASH_SIZE): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Math.floor(random() * 2 ** 21) * 2 ** 32 + Math.floor(random() * 2 ** 32));
}

const sampled = (vs: number[]) => vs.filter((v) => v % 4 === 0);

function long(minhash: number[], digest = `d${Math.random()}`): Fingerprint {
  return syntheticFingerprint({ minhash: [...minhash].sort((a, b) => a - b), direct: digest, words: 300 });
}

/** The includes the sampled index's rules live in, as one script's text, to run them alone. */
const indexIncludes = () =>
  ["readArgs", "valueIndex", "sampledIndex"]
    .map((name) => readFileSync(join(luaDir, `includes/${name}.lua`), "utf8"))
    .join("\n");

/** The length of a generation with a window of 60 s (two windows), and an instant 1 s into one. */
const GENERATION = 120_000;
const start = () => Math.floor(Date.now() / GENERATION) * GENERATION + 1000;

void describe("campaign store: the sampled value index (real Redis)", () => {
  const db = useStoreRedis();
  const open = (campaigns: Partial<Config["campaigns"]> = {}) => {
    const prefix = uniquePrefix();
    const store = createCampaignStore(db.redis, {
      prefix,
      campaigns: { ...db.config.campaigns, windowSeconds: 60, ttlSeconds: 86400, ...campaigns },
      closeConnection: false,
    });
    const keys = campaignKeys(prefix);
    return { store, keys, index: keys.base + keys.valuePrefix(FINGERPRINT_VERSION) };
  };
  const copy = (fingerprint: Fingerprint, now: number): Observation => ({
    fingerprint,
    sender: "s@example.net",
    recipients: [`r${Math.random()}@example.org`],
    clientIp: "192.0.2.1",
    now,
  });

  void test("the sample the callers pick, and the earlier layout's shards, are those the scripts work out", async () => {
    // The scripts' own rules, run on the values' text: isSampled for the sketches only they read, and the shard of
    // a sampled value in the earlier layout's generations (sampledShardOf: its remainder by 16, divided by 4, as the
    // release that wrote that layout placed it).
    const rule = `${indexIncludes()}
      local out = {}
      for i, value in ipairs(splitWords(ARGV[1])) do
        out[i] = isSampled(value) and sampledShardOf(value) or -1
      end
      return out`;
    const edges = [0, 1, 2, 3, 4, 5, 8, 12, 16, 60, 64, 100, 996, 1000, 1004, 9996, 10_000, 10_012, 2 ** 32, 2 ** 52];
    const top = [2 ** 53, 2 ** 53 - 1, 2 ** 53 - 4, 2 ** 53 - 8, 2 ** 53 - 12, 2 ** 53 - 16];
    const random = seededRandom(76);
    const short = Array.from({ length: 2_000 }, () => Math.floor(random() * 10 ** (1 + Math.floor(random() * 8))));
    const all = [...edges, ...top, ...short, ...values(77, 20_000)];
    const scripts = (await db.redis.eval(rule, 0, decimals(all))) as number[];
    const callers = all.map((v) => (isSampled(v) ? Math.floor((v % 16) / 4) : -1));
    assert.equal(scripts.length, all.length);
    for (let i = 0; i < all.length; i++) {
      assert.equal(scripts[i], callers[i], `${all[i]}: the scripts' sample and shard, and the callers'`);
    }
    assert.ok(callers.filter((shard) => shard >= 0).length > 5_000, "the test's premise: many values sampled");
  });

  void test("a packed sketch reads back exactly, and gives the sample its text (an earlier release's) gives", async () => {
    // The values at the edges of the range (up to 2^53, where a double is still exact) and many random ones, packed
    // as the threads write them and as text as hosts of earlier releases wrote them: the scripts must read the same
    // numbers and the same sample, as decimal text, from both.
    const read = `${indexIncludes()}
      local out = {}
      for i, value in ipairs(cmsgpack.unpack(ARGV[1])) do
        out[i] = string.format("%.0f", value)
      end
      return { out, sampledOfSketch(ARGV[1]), sampledOfSketch(ARGV[2]), sampledOfSketch(nil) }`;
    const random = seededRandom(78);
    const short = Array.from({ length: 500 }, () => Math.floor(random() * 10 ** (1 + Math.floor(random() * 8))));
    const all = [
      0,
      1,
      4,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 52,
      2 ** 53 - 4,
      2 ** 53 - 1,
      2 ** 53,
      ...short,
      ...values(79, 3_000),
    ];
    const [numbers, fromPacked, fromText, fromNone] = (await db.redis.eval(
      read,
      0,
      packedArg(packedValues(all)),
      decimals(all),
    )) as string[][];
    assert.deepEqual(numbers, all.map(String), "every value read back as it was packed");
    const sample = all.filter(isSampled).map(String);
    assert.deepEqual(fromPacked, sample);
    assert.deepEqual(fromText, sample);
    assert.deepEqual(fromNone, []);
  });

  void test("a campaign whose kept sketch is text, as an earlier release wrote it, is verified on it", async () => {
    const { store, keys } = open();
    const t0 = start();
    const asText = async (id: string, vs: number[]) => {
      const text = decimals([...vs].sort((x, y) => x - y));
      if ((await db.redis.hget(keys.campaign(id), "ks")) === "1") await db.redis.set(keys.sketch(id), text, "KEEPTTL");
      else await db.redis.hset(keys.campaign(id), "minhash2", text);
    };
    const halfJoins = async (id: string, vs: number[], salt: number, now: number) => {
      const joined = await store.observe(copy(long([...vs.slice(0, 64), ...values(salt, 64)]), now));
      assert.equal(joined.id, id);
      assert.equal(joined.foundBy, "minhash");
    };
    // Seen once (its sketch kept apart) and seen twice (in its hash): a copy sharing half of the values joins each.
    const a = values(80);
    const once = await store.observe(copy(long(a), t0));
    await asText(once.id, a);
    await halfJoins(once.id, a, 81, t0 + 1000);
    const b = values(82);
    const twice = await store.observe(copy(long(b), t0 + 2000));
    await store.observe(copy(long(b), t0 + 3000));
    assert.equal(await db.redis.hget(keys.campaign(twice.id), "ks"), null, "the test's premise: kept in its hash");
    await asText(twice.id, b);
    await halfJoins(twice.id, b, 83, t0 + 4000);
    // The text is verified on, not taken on the index's word: a copy that shares a few sampled values but too
    // little of the whole sketch (20 of 128) starts a campaign of its own.
    const c = values(84);
    const lone = await store.observe(copy(long(c), t0 + 5000));
    await asText(lone.id, c);
    const near = [...c.filter(isSampled).slice(0, 6), ...c.filter((v) => !isSampled(v)).slice(0, 14)];
    const apart = await store.observe(copy(long([...near, ...values(85, 108)]), t0 + 6000));
    assert.notEqual(apart.id, lone.id);
    assert.equal(apart.foundBy, "new");
  });

  void test("a first copy claims only its values that are 0 modulo 4, in its generation's one hash", async () => {
    const { store, index } = open();
    const t0 = start();
    const a = values(70);
    const first = await store.observe(copy(long(a), t0));
    const generation = (t0 - 1000) / 1000;
    const fields = await db.redis.hgetall(`${index}i${generation}`);
    for (const list of Object.values(fields)) assert.equal(list, first.id);
    const ttl = await db.redis.pttl(`${index}i${generation}`);
    assert.ok(
      ttl > 2 * GENERATION && ttl <= 3 * GENERATION,
      `it expires a generation after it stops being read: ${ttl}`,
    );
    assert.deepEqual(
      Object.keys(fields)
        .map(Number)
        .sort((x, y) => x - y),
      sampled(a).sort((x, y) => x - y),
      "the sampled values, and only those",
    );
  });

  void test("a campaign the sampled values name is joined only when the whole sketches agree", async () => {
    const { store } = open();
    const t0 = start();
    const a = values(71);
    const first = await store.observe(copy(long(a), t0));
    // Every sampled value of the campaign, but fewer of its other values than the share (0.35 of 128: 45).
    const others = a.filter((v) => v % 4 !== 0).slice(0, 10);
    const few = [...sampled(a), ...others];
    const fresh = values(72).filter((v) => v % 4 !== 0);
    const near = await store.observe(copy(long([...few, ...fresh].slice(0, MINHASH_SIZE)), t0 + 1000));
    assert.ok(sampled(a).length + others.length < 45, "the test's premise");
    assert.notEqual(near.id, first.id, "named by every sampled value, but the sketches share too little");
    // Half of the campaign's values: the sketches agree.
    const half = await store.observe(copy(long([...a.slice(0, 64), ...values(73, 64)]), t0 + 2000));
    assert.equal(half.id, first.id);
    assert.equal(half.foundBy, "minhash");
  });

  void test("text that a full owner list marks common counts for neither sketch when a candidate is verified", async () => {
    const { store } = open();
    const t0 = start();
    // A template of 40 values in VALUE_OWNERS (8) campaigns, each with 88 values of its own: the template's sampled
    // values' owner lists are full, so the template is common text. Sharing it alone (40 of 128, under 0.35) joins
    // none of them, and so each is a campaign of its own.
    const template = values(80, 40);
    const own = Array.from({ length: 8 }, (_, i) => values(82 + i, 88));
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await store.observe(copy(long([...template, ...own[i]!]), t0 + i))).id);
    assert.equal(new Set(ids).size, 8, "the test's premise: eight campaigns share the template");
    const first = await store.observe(copy(long([...template, ...own[0]!]), t0 + 10));
    assert.equal(first.id, ids[0], "a copy of the first is joined to it");
    assert.ok(sampled(template).length >= 6 && sampled(own[0]!.slice(0, 20)).length >= 3, "the test's premise");

    // The template and 20 of the first campaign's own values: 60 of 128 shared, over the share as counted naively,
    // but the template is common (its values in the index, and three times as many the index never sees, are left
    // out of both sketches): 20 shared values of the 88 left is under the share.
    const fresh = values(90, 68);
    const near = await store.observe(copy(long([...template, ...own[0]!.slice(0, 20), ...fresh]), t0 + 20));
    assert.ok(
      !ids.includes(near.id),
      "named by its own values, but beyond the common text the sketches share too little",
    );
    // The template and 50 of the first campaign's own values: its own text agrees.
    const more = values(91, 38);
    const joined = await store.observe(copy(long([...template, ...own[0]!.slice(20, 70), ...more]), t0 + 30));
    assert.equal(joined.id, ids[0]);
    assert.equal(joined.foundBy, "minhash");
  });

  void test("a campaign seen once keeps its sketch apart while its values can be read; what keeps it longer keeps that too", async () => {
    const { store, keys } = open();
    const t0 = start();
    const sketchOf = async (id: string) => {
      const [inHash, apart] = await db.redis.hmgetBuffer(keys.campaign(id), "minhash2", "ks");
      const own = await db.redis.getBuffer(keys.sketch(id));
      return {
        inHash: inHash?.toString("hex") ?? null,
        apart: apart?.toString() ?? null,
        own: own?.toString("hex") ?? null,
      };
    };
    // A sketch as the store keeps it (src/fingerprint/packed-values.ts), hex as sketchOf reads it.
    const kept = (vs: number[]) => packedArg(packedValues([...vs].sort((x, y) => x - y))).toString("hex");
    const a = values(92);
    const first = await store.observe(copy(long(a), t0));
    const once = await sketchOf(first.id);
    assert.equal(once.inHash, null, "not in its hash");
    assert.equal(once.apart, "1");
    assert.equal(once.own, kept(a), "its first copy's values, as written");
    const ttl = await db.redis.pttl(keys.sketch(first.id));
    assert.ok(ttl > 2 * GENERATION - 5000 && ttl <= 2 * GENERATION, `as long as its values are read: ${ttl}`);
    assert.ok((await db.redis.pttl(keys.campaign(first.id))) > 86_000_000, "its hash lives the ttl");

    // A copy that shares half of its values is verified on the sketch kept apart, and moves it into the hash.
    const second = await store.observe(copy(long([...a.slice(0, 64), ...values(93, 64)]), t0 + 1000));
    assert.equal(second.id, first.id);
    assert.equal(second.foundBy, "minhash");
    assert.deepEqual(await sketchOf(first.id), { inHash: once.own, apart: null, own: null });

    // Two campaigns seen once, merged by a copy that shares half of each: the survivor keeps both sketches.
    const b = values(94);
    const c = values(95);
    const [one, two] = [await store.observe(copy(long(b), t0 + 2000)), await store.observe(copy(long(c), t0 + 3000))];
    const both = await store.observe(copy(long([...b.slice(0, 64), ...c.slice(0, 64)]), t0 + 4000));
    assert.equal(both.mergedNow, 1, "the test's premise: the copy merges the two");
    const survivor = await db.redis.hgetallBuffer(keys.campaign(both.id));
    const texts = ["minhash2", "minhash2m1", "minhash2m2", "minhash2m3"].map((f) => survivor[f]?.toString("hex"));
    for (const vs of [b, c]) assert.ok(texts.includes(kept(vs)), "both kept");
    assert.equal(survivor.ks, undefined);
    assert.equal(await db.redis.exists(keys.sketch(one.id), keys.sketch(two.id)), 0, "neither kept apart");

    // A block keeps the sketch with the campaign; so does a copy by the exact key once the sketch apart is gone
    // (its own sketch instead).
    const blocked = await store.observe(copy(long(values(96)), t0 + 5000));
    const apart = (await db.redis.getBuffer(keys.sketch(blocked.id)))?.toString("hex");
    await store.block(blocked.id, 3600);
    assert.deepEqual(await sketchOf(blocked.id), { inHash: apart, apart: null, own: null });
    const d = long(values(97));
    const lone = await store.observe(copy(d, t0 + 6000));
    await db.redis.del(keys.sketch(lone.id));
    const exact = await store.observe(copy({ ...long(values(99)), direct: d.direct }, t0 + 8000));
    assert.equal(exact.id, lone.id);
    assert.equal(exact.foundBy, "direct");
    const replaced = await sketchOf(lone.id);
    assert.equal(replaced.inHash, kept(values(99)));
    assert.equal(replaced.apart, null);
  });

  /** The earlier layouts' generations: four hashes each, a sampled value's shard by its remainder by 16 divided by 4
   * ("h"), or before the sample by its remainder by 4 ("g": 0 for every sampled value). */
  const earlierLayouts = { h: (v: number) => Math.floor((v % 16) / 4), g: (v: number) => v % 4 };
  for (const [layout, shardOf] of Object.entries(earlierLayouts)) {
    void test(`the generations of the earlier layout "${layout}" are read while its marker lives`, async () => {
      const { store, index } = open();
      const t0 = start();
      const generation = (t0 - 1000) / 1000;
      // Moves the sampled values of `vs` from this layout's generation to the earlier one's.
      const toEarlier = async (vs: number[]) => {
        const key = `${index}i${generation}`;
        for (const v of sampled(vs)) {
          const list = await db.redis.hget(key, String(v));
          assert.ok(list, `the test's premise: ${v} in this layout's generation`);
          await db.redis.hset(`${index}${layout}${generation}:${shardOf(v)}`, String(v), list);
          await db.redis.hdel(key, String(v));
        }
      };
      const a = values(74);
      const first = await store.observe(copy(long(a), t0));
      await toEarlier(a);
      await db.redis.set(`${index}${layout}`, String((t0 - 1000) / GENERATION), "PX", 3 * GENERATION);
      const found = await store.observe(copy(long(a), t0 + 1000));
      assert.equal(found.id, first.id, "found in the earlier layout's generation");
      assert.equal(found.foundBy, "minhash");

      const b = values(75);
      const other = await store.observe(copy(long(b), t0 + 2000));
      await toEarlier(b);
      await db.redis.del(`${index}${layout}`);
      const after = await store.observe(copy(long(b), t0 + 3000));
      assert.notEqual(after.id, other.id, "without the marker, the earlier layout is not read");
    });
  }
});
