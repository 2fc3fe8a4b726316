/**
 * The campaign store against a real redis-server: a repeat (a copy with a campaign's exact key and a sketch whose
 * vote found that campaign alone earlier in the same bucket) is counted without a vote, exactly as a voted copy
 * would be; the vote runs again at each bucket's first copy, for a copy that differs, and for a campaign merged
 * away; the votes remembered per campaign and bucket are bounded (observeMessage-3.lua, "A repeat").
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";

import { MINHASH_SIZE } from "../../src/fingerprint/minhash.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { campaignKeys } from "../../src/reputation/keys.js";
import { createCampaignStore } from "../../src/reputation/store.js";
import type { ObservedCampaign, Observation } from "../../src/reputation/types.js";
import { seededRandom } from "../../src/util/seeded-random.js";
import { uniquePrefix, useStoreRedis } from "../support/redis.js";

/** Distinct pseudo-random MinHash values (53-bit), from a seed. */
function values(seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from(
    { length: MINHASH_SIZE },
    () => Math.floor(random() * 2 ** 21) * 2 ** 32 + Math.floor(random() * 2 ** 32),
  );
}

/** A long message's fingerprint with these values and this exact key. */
function long(minhash: number[], digest: string): Fingerprint {
  return syntheticFingerprint({ minhash: [...minhash].sort((a, b) => a - b), direct: digest, words: 300 });
}

const half = (a: number[], b: number[]) => [...a.slice(0, MINHASH_SIZE / 2), ...b.slice(0, MINHASH_SIZE / 2)];

/** What a view says of the campaign, without how this copy found it. */
const counts = (v: ObservedCampaign) => ({
  id: v.id,
  state: v.state,
  copies: v.copies,
  totalCopies: v.totalCopies,
  recipients: v.recipients,
  senders: v.senders,
  clientIps: v.clientIps,
  merged: v.merged,
});

void describe("campaign store: repeats of a campaign's own copy (real Redis)", () => {
  const db = useStoreRedis();
  const open = () =>
    createCampaignStore(db.redis, { prefix: uniquePrefix(), campaigns: db.config.campaigns, closeConnection: false });
  const bucketMs = () => (db.config.campaigns.windowSeconds * 1000) / 6;
  // Each copy a recipient, sender and client of its own: the view's distinct counts must move with every copy.
  let seq = 0;
  const copy = (fingerprint: Fingerprint, now: number): Observation => {
    seq++;
    return {
      fingerprint,
      sender: `s${seq}@example.net`,
      recipients: [`r${seq}@example.org`],
      clientIp: `192.0.2.${seq % 250}`,
      now,
    };
  };
  /** The start of a bucket, with room for a few copies a millisecond apart. */
  const bucketStart = () => (Math.floor(Date.now() / bucketMs()) + 1) * bucketMs();

  void test("in a bucket, the copy after the one a vote found alone is a repeat, counted as a voted copy is", async () => {
    const t0 = bucketStart();
    const repeats = open();
    const voted = open();
    const a = values(11);
    const found: string[] = [];
    for (let i = 0; i < 6; i++) {
      const observation = copy(long(a, "exact-a"), t0 + i);
      const view = await repeats.observe(observation);
      // The same copy with an exact key of its own every time: never a repeat, always the vote.
      const control = await voted.observe({ ...observation, fingerprint: long(a, `own-${i}`) });
      found.push(view.foundBy);
      assert.deepEqual({ ...counts(view), id: "" }, { ...counts(control), id: "" }, `copy ${i + 1}`);
      assert.equal(control.foundBy, i === 0 ? "new" : "minhash");
    }
    assert.deepEqual(found, ["new", "minhash", "direct", "direct", "direct", "direct"]);
  });

  void test("the vote runs again at a bucket's first copy, then its repeats skip it", async () => {
    const t0 = bucketStart();
    const store = open();
    const a = values(12);
    const found: string[] = [];
    for (const at of [t0, t0 + 1, t0 + 2, t0 + bucketMs(), t0 + bucketMs() + 1, t0 + bucketMs() + 2]) {
      found.push((await store.observe(copy(long(a, "exact-b"), at))).foundBy);
    }
    assert.deepEqual(found, ["new", "minhash", "direct", "minhash", "direct", "direct"]);
  });

  void test("a copy with the campaign's exact key and a sketch of its own is voted on", async () => {
    const t0 = bucketStart();
    const store = open();
    const a = values(13);
    await store.observe(copy(long(a, "exact-c"), t0));
    await store.observe(copy(long(a, "exact-c"), t0 + 1));
    const changed = [...a.slice(0, MINHASH_SIZE - 1), values(14)[0]!];
    const differs = await store.observe(copy(long(changed, "exact-c"), t0 + 2));
    assert.equal(differs.foundBy, "minhash");
    assert.equal(differs.copies, 3);
    assert.equal((await store.observe(copy(long(a, "exact-c"), t0 + 3))).foundBy, "direct");
  });

  void test("each of a campaign's distinct messages repeats once its own vote found the campaign alone", async () => {
    const t0 = bucketStart();
    const store = open();
    const a = values(19);
    const near = [...a.slice(0, MINHASH_SIZE - 4), ...values(20).slice(0, 4)];
    await store.observe(copy(long(a, "exact-h"), t0));
    const found: string[] = [];
    for (let i = 1; i <= 4; i++) found.push((await store.observe(copy(long(near, "exact-h2"), t0 + i))).foundBy);
    // Its first copy is found by the vote and takes the exact key; its second, voted again, is found alone.
    assert.deepEqual(found, ["minhash", "minhash", "direct", "direct"]);
    assert.equal((await store.observe(copy(long(a, "exact-h"), t0 + 5))).foundBy, "minhash", "a's own vote");
    assert.equal((await store.observe(copy(long(a, "exact-h"), t0 + 6))).foundBy, "direct");
  });

  void test("a campaign remembers the votes of at most 256 sketches a bucket", async () => {
    const t0 = bucketStart();
    const prefix = uniquePrefix();
    const store = createCampaignStore(db.redis, { prefix, campaigns: db.config.campaigns, closeConnection: false });
    const a = values(21);
    const first = await store.observe(copy(long(a, "exact-k"), t0));
    // A personalised flood: one skeleton (one exact key), a sketch of its own every copy, each copy twice.
    for (let i = 0; i < 300; i++) {
      const own = [...a.slice(0, MINHASH_SIZE - 2), ...values(1000 + i).slice(0, 2)];
      for (let k = 0; k < 2; k++) await store.observe(copy(long(own, "exact-k"), t0 + 1 + i));
    }
    const bucket = Math.floor(t0 / bucketMs());
    const key = `${campaignKeys(prefix).campaign(first.id)}:v:${bucket}`;
    assert.equal(await db.redis.hlen(key), 256);
    const ttl = await db.redis.pttl(key);
    assert.ok(ttl > 0 && ttl <= bucketMs(), `the record goes with its bucket (pttl ${ttl})`);
  });

  void test("a repeat of a campaign another was merged into counts in the survivor", async () => {
    const t0 = bucketStart();
    const store = open();
    const a = values(15);
    const b = values(16);
    for (let i = 0; i < 3; i++) await store.observe(copy(long(a, "exact-d"), t0 + i));
    const other = await store.observe(copy(long(b, "exact-e"), t0 + 3));
    const bridge = await store.observe(copy(long(half(a, b), "bridge"), t0 + 4));
    assert.equal(bridge.mergedNow, 1);
    const next = await store.observe(copy(long(a, "exact-d"), t0 + 5));
    assert.equal(next.foundBy, "direct", "the survivor keeps its own sketch and its vote of this bucket");
    assert.equal(next.id, bridge.id);
    assert.equal(next.copies, 6, "3 + 1 + the bridge + this one");
    assert.equal((await store.observe(copy(long(b, "exact-e"), t0 + 6))).id, bridge.id, `${other.id} merged`);
  });

  void test("a repeat of a campaign merged away is voted on, and joins the survivor", async () => {
    const t0 = bucketStart();
    const store = open();
    const a = values(17);
    const b = values(18);
    for (let i = 0; i < 3; i++) await store.observe(copy(long(a, "exact-f"), t0 + i));
    for (let i = 0; i < 5; i++) await store.observe(copy(long(b, "exact-g"), t0 + 3 + i));
    const bridge = await store.observe(copy(long(half(a, b), "bridge-2"), t0 + 8));
    assert.equal(bridge.mergedNow, 1);
    const next = await store.observe(copy(long(a, "exact-f"), t0 + 9));
    assert.equal(next.id, bridge.id, "the larger campaign survives; the exact key's alias leads to it");
    assert.equal(next.foundBy, "minhash", "no vote of this sketch found the survivor: no repeat");
    assert.equal(next.copies, 10);
  });
});
