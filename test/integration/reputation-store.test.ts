/**
 * The campaign store against a real redis-server: matching, counting, state, blocks, verdicts and pub/sub.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Redis } from "ioredis";
import { type Config } from "../../src/config/schema.js";
import { MINHASH_SIZE } from "../../src/fingerprint/minhash.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";
import { createRedis } from "../../src/redis/connect.js";
import { MAX_OBSERVED_RECIPIENTS } from "../../src/vocabulary/policy-api.js";
import { createCampaignStore, type RedisCampaignStore } from "../../src/reputation/store.js";
import { uniquePrefix, useStoreRedis } from "../support/redis.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";

/** A deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function fingerprint(minhash: number[] | null, direct: string, subject = "hello"): Fingerprint {
  return syntheticFingerprint({ minhash, direct, subject, words: minhash ? 200 : 10, bytesParsed: 1000 });
}

/** A family of fingerprints: one base of MINHASH_SIZE values, each copy with `vary` of them replaced at random. */
function family(seed: number, vary: number): (copy: number) => Fingerprint {
  const r = rng(seed);
  const base = Array.from({ length: MINHASH_SIZE }, () => r());
  return (copy) => {
    const v = [...base];
    for (let k = 0; k < vary; k++) v[r() % MINHASH_SIZE] = r();
    return fingerprint(v, `${seed.toString(16)}-${copy}`);
  };
}

/**
 * The observations' clock: the start of the current ten-minute slot, so that it is aligned with the window's buckets
 * and still inside the window when `get()` reads the counts at the real time.
 */
const T0 = Date.now() - (Date.now() % 600_000);

void describe("campaign store (real Redis)", () => {
  const db = useStoreRedis();

  const store = (campaigns: Partial<Config["campaigns"]> = {}): RedisCampaignStore =>
    createCampaignStore(db.redis, {
      prefix: uniquePrefix(),
      campaigns: { ...db.config.campaigns, ...campaigns },
      closeConnection: false,
    });

  // Finding: a message to more than about 8,000 recipients failed the script (Lua unpack) and went out as
  // `skipped; reason=redis-error`, uncounted.
  void test("one message to 30,000 recipients is counted, its first 10,000 distinct recipients with it", async () => {
    const s = store();
    const recipients = Array.from({ length: 30_000 }, (_, i) => `User${i}@Example.org`);
    const view = await s.observe({
      fingerprint: fingerprint(null, "many-recipients"),
      sender: "bulk@example.net",
      recipients: [...recipients, ...recipients.slice(0, 100)],
      clientIp: "192.0.2.1",
      now: T0,
    });
    assert.equal(view.copies, 1);
    const expected = MAX_OBSERVED_RECIPIENTS;
    assert.ok(
      Math.abs(view.recipients - expected) <= expected * 0.03,
      `recipients ${view.recipients} not ≈ ${expected}`,
    );
    assert.equal(view.state, "bulk", "past the recipients threshold at once");
  });

  void test("10,000 copies of one family are one campaign, with copies and distinct counts", async () => {
    const s = store();
    const next = family(1, 3);
    const ids = new Set<string>();
    let last = null;
    for (let start = 0; start < 10_000; start += 100) {
      const batch = [];
      for (let i = start; i < start + 100; i++) {
        batch.push(
          s.observe({
            fingerprint: next(i),
            sender: `sender${i % 100}@example.net`,
            recipients: [`user${i % 3000}@example.org`],
            clientIp: `192.0.2.${i % 50}`,
            now: T0 + i,
          }),
        );
      }
      for (const v of await Promise.all(batch)) {
        ids.add(v.id);
        last = v;
      }
    }
    assert.equal(ids.size, 1, `expected one campaign, got ${ids.size}`);
    assert.ok(last);
    assert.equal(last.copies, 10_000);
    assert.equal(last.totalCopies, 10_000);
    assert.ok(Math.abs(last.recipients - 3000) <= 3000 * 0.03, `recipients ${last.recipients} not ≈ 3000`);
    assert.ok(Math.abs(last.senders - 100) <= 3, `senders ${last.senders} not ≈ 100`);
    assert.ok(Math.abs(last.clientIps - 50) <= 2, `client IPs ${last.clientIps} not ≈ 50`);
    assert.equal(last.state, "bulk");
    assert.equal(last.bulkSince, T0 + 19, "bulk since the 20th distinct sender");
    assert.equal(last.firstSeen, T0);
    assert.equal(last.copiesSinceScan, 10_000);
    assert.equal(last.subject, "hello");
  });

  void test("two unrelated fingerprints are two campaigns; a new one is created once", async () => {
    const s = store();
    const a = await s.observe({
      fingerprint: family(2, 0)(0),
      sender: "a@x.test",
      recipients: ["r@y.test"],
      clientIp: null,
      now: T0,
    });
    const b = await s.observe({
      fingerprint: family(3, 0)(0),
      sender: "a@x.test",
      recipients: ["r@y.test"],
      clientIp: null,
      now: T0,
    });
    assert.notEqual(a.id, b.id);
    assert.match(a.id, /^[0-9a-f]{12}$/);
    assert.equal(a.created, true);
    assert.equal(b.created, true);
    const a2 = await s.observe({
      fingerprint: family(2, 0)(1),
      sender: "a@x.test",
      recipients: ["r@y.test"],
      clientIp: null,
      now: T0 + 1,
    });
    assert.equal(a2.id, a.id);
    assert.equal(a2.created, false);
    assert.equal(a2.copies, 2);
    assert.equal(a2.state, "new");
  });

  void test("fewer than `matchShare` of the values in common do not join; the exact digest does", async () => {
    const s = store();
    const r = rng(4);
    const base = Array.from({ length: MINHASH_SIZE }, () => r());
    const a = await s.observe({
      fingerprint: fingerprint(base, "d1"),
      sender: "",
      recipients: [],
      clientIp: null,
      now: T0,
    });
    // 0.35 of 128 values: 45 join, 44 do not
    const need = Math.ceil(db.config.campaigns.matchShare * MINHASH_SIZE);
    const fewer = base.map((v, i) => (i < need - 1 ? v : r()));
    const b = await s.observe({
      fingerprint: fingerprint(fewer, "d2"),
      sender: "",
      recipients: [],
      clientIp: null,
      now: T0,
    });
    assert.notEqual(b.id, a.id, `${need - 1} of ${MINHASH_SIZE} is not enough`);
    const enough = base.map((v, i) => (i < need ? v : r()));
    const c = await s.observe({
      fingerprint: fingerprint(enough, "d3"),
      sender: "",
      recipients: [],
      clientIp: null,
      now: T0,
    });
    assert.equal(c.id, a.id, `${need} of ${MINHASH_SIZE} joins`);
    assert.equal(c.foundBy, "minhash");
    const short1 = await s.observe({
      fingerprint: fingerprint(null, "short"),
      sender: "",
      recipients: [],
      clientIp: null,
      now: T0,
    });
    const short2 = await s.observe({
      fingerprint: fingerprint(null, "short"),
      sender: "",
      recipients: [],
      clientIp: null,
      now: T0,
    });
    assert.equal(short2.id, short1.id);
    assert.equal(short2.copies, 2);
    assert.equal(short2.foundBy, "direct");
    assert.equal((await s.match(fingerprint(null, "short")))?.id, short1.id);
    assert.deepEqual(await s.match(fingerprint(enough, "nomatch")), { id: a.id, foundBy: "minhash", matched: [a.id] });
    assert.equal(await s.match(fingerprint(null, "unknown")), null);
    assert.equal((await s.get(short1.id))?.copies, 2, "match counts nothing");
  });

  void test("counts slide out of the window; total copies stay", async () => {
    const s = store({ windowSeconds: 600 });
    const fp = family(5, 0)(0);
    await s.observe({
      fingerprint: fp,
      sender: "a@x.test",
      recipients: ["1@y.test", "2@y.test"],
      clientIp: "2001:db8::1",
      now: T0,
    });
    const later = await s.observe({
      fingerprint: fp,
      sender: "b@x.test",
      recipients: ["3@y.test"],
      clientIp: "2001:db8::2",
      now: T0 + 700_000,
    });
    assert.equal(later.copies, 1);
    assert.equal(later.recipients, 1);
    assert.equal(later.senders, 1);
    assert.equal(later.clientIps, 1);
    assert.equal(later.totalCopies, 2);
    assert.equal(later.firstSeen, T0);
    assert.equal(later.lastSeen, T0 + 700_000);
  });

  void test("bulk by distinct recipients; bulkSince clears when the surge passes", async () => {
    const s = store({ windowSeconds: 600, bulk: { copies: 1000, recipients: 5, senders: 1000 } });
    const fp = family(6, 0)(0);
    const v1 = await s.observe({
      fingerprint: fp,
      sender: "a@x.test",
      recipients: ["1@y", "2@y", "3@y", "4@y"],
      clientIp: null,
      now: T0,
    });
    assert.equal(v1.state, "new");
    assert.equal(v1.bulkSince, null);
    const v2 = await s.observe({
      fingerprint: fp,
      sender: "a@x.test",
      recipients: ["5@y"],
      clientIp: null,
      now: T0 + 10,
    });
    assert.equal(v2.state, "bulk");
    assert.equal(v2.bulkSince, T0 + 10);
    const v3 = await s.observe({
      fingerprint: fp,
      sender: "a@x.test",
      recipients: ["1@y"],
      clientIp: null,
      now: T0 + 20,
    });
    assert.equal(v3.bulkSince, T0 + 10, "stays while bulk");
    const v4 = await s.observe({
      fingerprint: fp,
      sender: "a@x.test",
      recipients: ["1@y"],
      clientIp: null,
      now: T0 + 3_600_000,
    });
    assert.equal(v4.state, "new");
    assert.equal(v4.bulkSince, null);
  });

  void test("block and unblock take effect at the next observation", async () => {
    const s = store();
    const fp = family(7, 0)(0);
    const v = await s.observe({ fingerprint: fp, sender: "a@x.test", recipients: ["r@y.test"], clientIp: null });
    await s.block(v.id, 3600);
    const blocked = await s.observe({ fingerprint: fp, sender: "a@x.test", recipients: ["r@y.test"], clientIp: null });
    assert.equal(blocked.state, "blocked");
    assert.ok(blocked.blockedUntil !== null && blocked.blockedUntil > Date.now());
    assert.equal((await s.get(v.id))?.state, "blocked");
    await s.unblock(v.id);
    const unblocked = await s.observe({
      fingerprint: fp,
      sender: "a@x.test",
      recipients: ["r@y.test"],
      clientIp: null,
    });
    assert.equal(unblocked.state, "new");
    assert.equal(unblocked.blockedUntil, null);
    await assert.rejects(s.block("000000000000", 60), /no campaign 000000000000/);
  });

  void test("a block longer than the campaign ttl keeps what matches its copies; an unblocked campaign is forgotten", async () => {
    const s = store({ ttlSeconds: 1 });
    const copy = (fp: Fingerprint) =>
      s.observe({ fingerprint: fp, sender: "a@x.test", recipients: ["r@y.test"], clientIp: null });
    const blockedFamily = family(11, 4);
    const quietFamily = family(12, 4);
    const shortText = fingerprint(null, "short-text-digest-11");
    const blocked = await copy(blockedFamily(0));
    const blockedShort = await copy(shortText);
    const quiet = await copy(quietFamily(0));
    await s.block(blocked.id, 3600);
    await s.block(blockedShort.id, 3600);
    await new Promise((r) => setTimeout(r, 1500)); // past the 1 s ttl of every key the block did not extend

    const later = await copy(blockedFamily(1));
    assert.equal(later.id, blocked.id, "a near copy still finds the blocked campaign by MinHash");
    assert.equal(later.state, "blocked");
    const laterShort = await copy(shortText);
    assert.equal(laterShort.id, blockedShort.id, "the exact digest still points at the blocked campaign");
    assert.equal(laterShort.state, "blocked");
    const forgotten = await copy(quietFamily(1));
    assert.equal(forgotten.created, true, "the unblocked campaign expired with its pointers");
    assert.equal(forgotten.state, "new");
    assert.notEqual(forgotten.id, quiet.id);
  });

  // A new campaign's view is read from what the observation wrote when nothing of an earlier campaign of the same id
  // can be left (observeMessage-3.lua): not so when a ttl shorter than a bucket's life lets its hash expire first.
  void test("a campaign started again counts what its HyperLogLogs of the window still hold", async () => {
    const s = store({ ttlSeconds: 1 });
    const fp = fingerprint(null, "started-again-digest");
    const copy = (recipient: string, now: number) =>
      s.observe({ fingerprint: fp, sender: "a@x.test", recipients: [recipient], clientIp: null, now });
    const first = await copy("1@y.test", T0 - 2 * 600_000);
    await new Promise((r) => setTimeout(r, 1500)); // past the 1 s ttl of its hash and pointers
    const again = await copy("2@y.test", T0);
    assert.equal(again.created, true);
    assert.equal(again.id, first.id);
    assert.equal(again.copies, 1);
    assert.equal(again.recipients, 2);
  });

  void test("a verdict sets the state and is published on the verdict channel", async () => {
    const s = store();
    const fp = family(8, 0)(0);
    const v = await s.observe({ fingerprint: fp, sender: "a@x.test", recipients: ["r@y.test"], clientIp: null });
    const sub = createRedis(db.config.redis, db.server.url, "subscriber");
    try {
      await sub.subscribe(s.verdictChannel);
      const message = once(sub, "message") as Promise<[string, string]>;
      const verdict = {
        verdict: "spam" as const,
        score: 12.5,
        scanner: "spamd",
        threshold: 5,
        rules: ["BAYES_99", "URIBL_BLOCKED"],
        at: Date.now(),
      };
      await s.recordVerdict(v.id, verdict);
      const [channel, payload] = await message;
      assert.equal(channel, s.verdictChannel);
      assert.deepEqual(JSON.parse(payload), { id: v.id, verdict });
      const after = await s.observe({ fingerprint: fp, sender: "a@x.test", recipients: ["r@y.test"], clientIp: null });
      assert.equal(after.state, "spam");
      assert.deepEqual(after.verdict, verdict);
    } finally {
      sub.disconnect();
    }
  });

  void test("markScanQueued resets copiesSinceScan", async () => {
    const s = store();
    const fp = family(9, 0)(0);
    await s.observe({ fingerprint: fp, sender: "a@x.test", recipients: ["r@y.test"], clientIp: null, now: T0 });
    const v = await s.observe({
      fingerprint: fp,
      sender: "a@x.test",
      recipients: ["r@y.test"],
      clientIp: null,
      now: T0 + 1,
    });
    assert.equal(v.copiesSinceScan, 2);
    assert.equal(v.lastScanQueuedAt, 0);
    await s.markScanQueued(v.id, T0 + 2);
    const w = await s.observe({
      fingerprint: fp,
      sender: "a@x.test",
      recipients: ["r@y.test"],
      clientIp: null,
      now: T0 + 3,
    });
    assert.equal(w.copiesSinceScan, 1);
    assert.equal(w.lastScanQueuedAt, T0 + 2);
  });

  void test("top lists the busiest campaigns first", async () => {
    const s = store();
    const now = Date.now();
    for (const [seed, n] of [
      [10, 3],
      [11, 7],
      [12, 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await s.observe({
          fingerprint: family(seed, 0)(i),
          sender: "a@x.test",
          recipients: ["r@y.test"],
          clientIp: null,
          now: now - 1000 + i,
        });
      }
    }
    const quiet = await s.observe({
      fingerprint: family(14, 0)(0),
      sender: "a@x.test",
      recipients: ["r@y.test"],
      clientIp: null,
      now: now - 7_200_000,
    });
    const top = await s.top(2);
    assert.deepEqual(
      top.map((v) => v.copies),
      [7, 3],
    );
    assert.equal(await s.countActive(), 3);
    const all = await s.top(10);
    assert.deepEqual(
      all.map((v) => v.copies),
      [7, 3, 1, 0],
      "busy ones by copies in the window, then the recently seen",
    );
    assert.equal(all[3]?.id, quiet.id);
    assert.equal(all[3]?.totalCopies, 1);
  });

  void test("a new campaign counts its copy's recipients, sender and client; every key observations write expires", async () => {
    const prefix = uniquePrefix();
    const s = createCampaignStore(db.redis, { prefix, campaigns: db.config.campaigns, closeConnection: false });
    const observe = (seed: number, copy: number, recipients: string[], clientIp: string | null, at: number) =>
      s.observe({ fingerprint: family(seed, 0)(copy), sender: "a@x.test", recipients, clientIp, now: T0 + at });
    const counts = (v: { copies: number; recipients: number; senders: number; clientIps: number }) => [
      v.copies,
      v.recipients,
      v.senders,
      v.clientIps,
    ];
    assert.deepEqual(counts(await observe(20, 0, ["r1@y.test"], "192.0.2.1", 0)), [1, 1, 1, 1]);
    assert.deepEqual(counts(await observe(21, 0, [], null, 1)), [1, 0, 1, 0]);
    assert.deepEqual(counts(await observe(22, 0, ["a@y.test", "b@y.test", "c@y.test"], null, 2)), [1, 3, 1, 0]);
    assert.deepEqual(counts(await observe(20, 1, ["r2@y.test"], "192.0.2.1", 3)), [2, 2, 1, 1]);
    assert.deepEqual(counts(await observe(20, 2, ["r2@y.test"], "192.0.2.1", 4)), [3, 2, 1, 1]);
    // A later bucket (ten minutes a bucket by default): its own rankings, counts and HyperLogLogs.
    assert.deepEqual(counts(await observe(20, 3, ["r3@y.test"], "192.0.2.2", 700_000)), [4, 3, 1, 2]);
    const keys = await db.redis.keys(`${prefix}:*`);
    assert.ok(keys.some((k) => k.includes(":hot:")) && keys.some((k) => /:m\d+:i\d+$/.test(k)), "the premise");
    const lasting = [];
    for (const key of keys) if ((await db.redis.pttl(key)) < 0) lasting.push(key.slice(prefix.length));
    // The store's own two, one each whatever the mail: the campaigns by last seen (trimmed at every copy) and the
    // record of the fingerprint versions it holds keys of.
    assert.deepEqual(lasting.sort(), [`:{${prefix}}:top`, `:{${prefix}}:versions`], "keys that never expire");
  });

  void test("after SCRIPT FLUSH the store falls back to EVAL", async () => {
    const s = store();
    const fp = family(13, 0)(0);
    await s.observe({ fingerprint: fp, sender: "a@x.test", recipients: [], clientIp: null });
    await (db.redis as Redis).script("FLUSH");
    const v = await s.observe({ fingerprint: fp, sender: "a@x.test", recipients: [], clientIp: null });
    assert.equal(v.copies, 2);
  });
});
