/**
 * The campaign store against a real redis-server: campaigns a copy shows to be one merge, atomically, whatever the
 * order and the concurrency (the merged id stands for the survivor everywhere); a campaign carrying a person's
 * decision is never merged; text common to many campaigns counts for none; a campaign seen once keeps its values
 * one to two generations of two windows (a block, as long as it holds); and campaigns of the previous fingerprint version keep matching (and blocking) after an upgrade.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";

import { type Config } from "../../src/config/schema.js";
import { MINHASH_SIZE } from "../../src/fingerprint/minhash.js";
import { PREVIOUS_SIZE } from "../../src/fingerprint/previous-version.js";
import { FINGERPRINT_VERSION, type Fingerprint } from "../../src/fingerprint/types.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { createRedis } from "../../src/redis/connect.js";
import { campaignKeys } from "../../src/reputation/keys.js";
import { MAX_CLAIMS, VALUE_OWNERS } from "../../src/reputation/observe-args.js";
import { createCampaignStore, type RedisCampaignStore } from "../../src/reputation/store.js";
import type { Observation } from "../../src/reputation/types.js";
import { seededRandom } from "../../src/util/seeded-random.js";
import { uniquePrefix, useStoreRedis } from "../support/redis.js";

/** Distinct pseudo-random MinHash values (53-bit), from a seed. */
function values(seed: number, n = MINHASH_SIZE): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Math.floor(random() * 2 ** 21) * 2 ** 32 + Math.floor(random() * 2 ** 32));
}

/** A long message's fingerprint with these values (and a digest of its own). */
function long(minhash: number[], digest = `d${Math.random()}`): Fingerprint {
  return syntheticFingerprint({ minhash: [...minhash].sort((a, b) => a - b), direct: digest, words: 300 });
}

const half = (a: number[], b: number[]) => [...a.slice(0, MINHASH_SIZE / 2), ...b.slice(0, MINHASH_SIZE / 2)];

void describe("campaign store: merges, decisions, common text, versions (real Redis)", () => {
  const db = useStoreRedis();

  const open = (campaigns: Partial<Config["campaigns"]> = {}) => {
    const prefix = uniquePrefix();
    const store: RedisCampaignStore = createCampaignStore(db.redis, {
      prefix,
      campaigns: { ...db.config.campaigns, ...campaigns },
      closeConnection: false,
    });
    return { store, keys: campaignKeys(prefix) };
  };
  // Each copy a recipient of its own, the same every run: the distinct counts are HyperLogLog estimates, exact for
  // a handful of values unless two of them share a register, which random addresses would do in about one run in a
  // thousand.
  let recipientSeq = 0;
  const copy = (fingerprint: Fingerprint, extra: Partial<Observation> = {}): Observation => ({
    fingerprint,
    sender: "s@example.net",
    recipients: [`r${++recipientSeq}@example.org`],
    clientIp: "192.0.2.1",
    ...extra,
  });

  void test("a copy matching two campaigns merges them: counts summed, the larger's id everywhere", async () => {
    const { store } = open();
    const a = values(1);
    const b = values(2);
    for (let i = 0; i < 3; i++) await store.observe(copy(long(a), { sender: `a${i}@example.net` }));
    const first = await store.observe(copy(long(a)));
    const other = await store.observe(copy(long(b), { sender: "b@example.net" }));
    assert.notEqual(other.id, first.id);
    assert.equal(first.copies, 4);

    const bridge = await store.observe(copy(long(half(a, b))));
    assert.equal(bridge.id, first.id, "the campaign with more copies survives");
    assert.equal(bridge.mergedNow, 1);
    assert.equal(bridge.merged, 1);
    assert.equal(bridge.copies, 6, "4 + 1 + the bridging copy");
    assert.equal(bridge.totalCopies, 6);
    assert.equal(bridge.senders, 5, "distinct senders of both, merged");
    assert.equal(bridge.recipients, 6);

    const later = await store.observe(copy(long(b)));
    assert.equal(later.id, first.id, "copies of the merged campaign find the survivor");
    assert.equal(later.foundBy, "minhash");
    assert.equal((await store.get(other.id))?.id, first.id, "the merged id stands for the survivor");
    assert.deepEqual(
      (await store.top(10)).map((v) => v.id),
      [first.id],
      "only the survivor is listed",
    );

    assert.equal(await store.block(other.id, 600), first.id, "a block by the merged id blocks the survivor");
    assert.equal((await store.observe(copy(long(a)))).state, "blocked");
    assert.equal(await store.unblock(other.id), first.id);
    assert.equal((await store.get(first.id))?.state, "new");
  });

  void test("a verdict for a merged campaign goes to the survivor and is published under both ids", async () => {
    const { store } = open();
    const a = values(3);
    const b = values(4);
    const big = await store.observe(copy(long(a)));
    await store.observe(copy(long(a)));
    const small = await store.observe(copy(long(b)));
    await store.observe(copy(long(half(a, b))));
    const sub = createRedis(db.config.redis, db.server.url, "subscriber");
    try {
      await sub.subscribe(store.verdictChannel);
      const messages: string[] = [];
      sub.on("message", (_channel: string, text: string) => messages.push(text));
      const verdict = {
        verdict: "spam" as const,
        score: 9,
        scanner: "builtin",
        at: Date.now(),
        threshold: 5,
        rules: [],
      };
      await store.recordVerdict(small.id, verdict);
      await store.markScanQueued(small.id);
      for (let i = 0; i < 50 && messages.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        messages.map((m) => (JSON.parse(m) as { id: string }).id),
        [small.id, big.id],
      );
      const survivor = await store.get(big.id);
      assert.equal(survivor?.state, "spam");
      assert.equal(survivor?.copiesSinceScan, 0, "a scan queued by the merged id marks the survivor");
    } finally {
      sub.disconnect();
    }
  });

  void test("a scanner's spam verdict survives a merge into a campaign without one", async () => {
    const { store } = open();
    const a = values(5);
    const b = values(6);
    const big = await store.observe(copy(long(a)));
    await store.observe(copy(long(a)));
    const small = await store.observe(copy(long(b)));
    await store.recordVerdict(small.id, {
      verdict: "spam",
      score: 9,
      scanner: "spamd",
      at: 1,
      threshold: 5,
      rules: [],
    });
    const bridge = await store.observe(copy(long(half(a, b))));
    assert.equal(bridge.id, big.id);
    assert.equal(bridge.state, "spam");
    assert.equal(bridge.verdict?.scanner, "spamd");
  });

  void test("the links a ham verdict covers move with it; both ham, the survivor covers what either covered", async () => {
    const { store } = open();
    const ham = { verdict: "ham" as const, score: 0, scanner: "spamd", at: 1, threshold: 5, rules: [] };
    const a = values(11);
    const b = values(12);
    const c = values(13);
    const big = await store.observe(copy(long(a)));
    await store.observe(copy(long(a)));
    const small = await store.observe(copy(long(b)));
    await store.recordVerdict(small.id, ham, { links: ["b.example"], complete: true });
    assert.equal((await store.observe(copy(long(half(a, b))))).id, big.id);
    assert.deepEqual((await store.get(big.id))?.links, { ham: ["b.example"], spam: [] }, "moved with the verdict");

    const other = await store.observe(copy(long(c)));
    await store.recordVerdict(other.id, ham, { links: ["c.example"], complete: true });
    await store.recordVerdict(
      other.id,
      { ...ham, verdict: "spam" },
      { links: ["c.example", "x.example"], complete: true },
    );
    assert.equal((await store.observe(copy(long(half(a, c))))).id, big.id);
    assert.deepEqual((await store.get(big.id))?.links, { ham: ["b.example", "c.example"], spam: ["x.example"] });
  });

  for (const [decision, set] of [
    ["a block", (s: RedisCampaignStore, _k: ReturnType<typeof campaignKeys>, id: string) => s.block(id, 600)],
    [
      "a pinned verdict",
      (s: RedisCampaignStore, _k: ReturnType<typeof campaignKeys>, id: string) =>
        s.decide(id, "ham", "pin", { actor: "operator:test", reason: "a newsletter" }),
    ],
    [
      "a user's report",
      (s: RedisCampaignStore, _k: ReturnType<typeof campaignKeys>, id: string) =>
        s.report(
          id,
          "spam",
          { actor: "user@example.org", reason: "" },
          { reporters: 3, copiesPerReporter: 1000, perReporterPerHour: 10 },
        ),
    ],
  ] as const) {
    void test(`a campaign carrying ${decision} is never merged: the copy joins the one with more votes`, async () => {
      const { store, keys } = open();
      const a = values(7);
      const b = values(8);
      const decided = await store.observe(copy(long(a)));
      await set(store, keys, decided.id);
      const other = await store.observe(copy(long(b)));
      await store.observe(copy(long(b)));
      const moreA = [...a.slice(0, 80), ...b.slice(0, 48)];
      const joinsA = await store.observe(copy(long(moreA)));
      assert.equal(joinsA.id, decided.id);
      assert.equal(joinsA.mergedNow, 0);
      // a's values the copy above did not hold, b's it did not give to a
      const moreB = [...a.slice(80), ...b.slice(48)];
      const joinsB = await store.observe(copy(long(moreB)));
      assert.equal(joinsB.id, other.id);
      assert.equal(joinsB.mergedNow, 0);
      assert.equal((await store.get(other.id))?.id, other.id, "both still exist");
      assert.equal((await store.get(decided.id))?.id, decided.id);
    });
  }

  void test("merges are atomic: 200 bridging copies in parallel leave one campaign with every copy", async () => {
    const { store } = open();
    const parts = [values(11), values(12), values(13), values(14)];
    const seeds = await Promise.all(parts.map((p) => store.observe(copy(long(p)))));
    assert.equal(new Set(seeds.map((s) => s.id)).size, 4);
    const bridges = Array.from({ length: 200 }, (_, i) => {
      const x = parts[i % 4]!;
      const y = parts[(i + 1) % 4]!;
      return store.observe(copy(long(half(x, y))));
    });
    const views = await Promise.all(bridges);
    const final = await store.get(views[views.length - 1]!.id);
    assert.ok(final);
    for (const s of seeds) assert.equal((await store.get(s.id))?.id, final.id, `${s.id} resolves to the survivor`);
    assert.equal(final.totalCopies, 204, "no copy lost or counted twice");
    assert.equal(final.merged, 3);
    assert.equal(
      views.reduce((n, v) => n + v.mergedNow, 0),
      3,
      "each campaign merged once",
    );
  });

  void test("a merged campaign merged again resolves along the chain", async () => {
    const { store } = open();
    const [a, b, c] = [values(21), values(22), values(23)];
    const ca = await store.observe(copy(long(a)));
    for (let i = 0; i < 2; i++) await store.observe(copy(long(b)));
    for (let i = 0; i < 5; i++) await store.observe(copy(long(c)));
    const first = await store.observe(copy(long(half(a, b))));
    const bId = first.id;
    assert.notEqual(bId, ca.id);
    const second = await store.observe(copy(long(half(b, c))));
    assert.notEqual(second.id, bId);
    assert.equal((await store.get(ca.id))?.id, second.id, "a → b → c");
    assert.equal((await store.get(ca.id))?.totalCopies, 10);
  });

  void test("text common to many campaigns counts for none: a shared footer joins nothing", async () => {
    const footer = values(30, 38);
    const message = (own: number[]) => long([...own, ...footer]);
    const own = Array.from({ length: VALUE_OWNERS + 2 }, (_, i) => values(100 + i, 90));
    // A message holding 20 of the first one's own values, the footer and 70 new values.
    const probe = () => long([...own[0]!.slice(0, 20), ...footer, ...values(999, 70)]);

    const fresh = open();
    const first = await fresh.store.observe(copy(message(own[0]!)));
    const joined = await fresh.store.observe(copy(probe()));
    assert.equal(joined.id, first.id, "while one campaign holds the footer, it votes for it");

    const { store } = open();
    const ids = [];
    for (const text of own) ids.push((await store.observe(copy(message(text)))).id);
    assert.equal(new Set(ids).size, own.length, "the footer alone is not enough to join");
    const alone = await store.observe(copy(probe()));
    assert.equal(alone.created, true, "once the footer is held by many campaigns it counts for none");
    const again = await store.observe(copy(message(own[3]!)));
    assert.equal(again.id, ids[3], "a message's own text still matches");
  });

  void test("a campaign claims at most MAX_CLAIMS values", async () => {
    const { store, keys } = open();
    const base = values(40);
    let id = "";
    // The index holds a quarter of the values (lua/includes/sampledIndex.lua): about 16 of 64 new ones a copy.
    for (let i = 0; i < MAX_CLAIMS / 16 + 8; i++) {
      // half the base, half new values every time
      const view = await store.observe(copy(long([...base.slice(0, 64), ...values(1000 + i, 64)])));
      id ||= view.id;
      assert.equal(view.id, id);
    }
    assert.equal(Number(await db.redis.hget(keys.campaign(id), "claims")), MAX_CLAIMS);
  });

  void test("a campaign seen once keeps its values one to two generations of two windows, in no key of their own; its second copy gives them the ttl", async () => {
    const { store, keys } = open({ windowSeconds: 60, ttlSeconds: 86400 });
    const generation = 120_000;
    const t0 = Math.floor(Date.now() / generation) * generation + 1000;
    const [a, b] = [values(50), values(51)];
    const first = await store.observe(copy(long(a), { now: t0 }));
    await store.observe(copy(long(b), { now: t0 }));
    const valueKeys = await db.redis.keys(`${keys.base}${keys.valuePrefix(FINGERPRINT_VERSION)}[0-9]*`);
    assert.deepEqual(valueKeys, [], "a campaign's first copy writes no key per value");

    const later = await store.observe(copy(long(a), { now: t0 + 2 * generation - 2000 }));
    assert.equal(later.id, first.id, "found in the generation before");
    assert.equal(later.foundBy, "minhash");
    const indexed = Math.min(...a.filter((v) => v % 4 === 0));
    const pttl = await db.redis.pttl(keys.base + keys.valuePrefix(FINGERPRINT_VERSION) + String(indexed));
    assert.ok(pttl > 86_000_000, `the second copy gives the values keys with the ttl: ${pttl} ms`);

    const forgotten = await store.observe(copy(long(b), { now: t0 + 2 * generation + 1000 }));
    assert.equal(forgotten.created, true, "two generations on, the values of a campaign seen once are forgotten");
    const a2 = await store.observe(copy(long(a), { now: t0 + 2 * generation + 2000 }));
    assert.equal(a2.id, first.id, "the values of a campaign seen twice are not");
    const firstGeneration = `${keys.base}${keys.valuePrefix(FINGERPRINT_VERSION)}i${(t0 - 1000) / 1000}`;
    const generations = await db.redis.keys(`${keys.base}${keys.valuePrefix(FINGERPRINT_VERSION)}i[0-9]*`);
    assert.ok(generations.length > 0, "the values of the campaigns' first copies are in generation hashes");
    assert.deepEqual(
      generations.filter((k) => k === firstGeneration),
      [],
      "the first generation is unlinked once a later one is written",
    );
  });

  void test("a block keeps the values of a campaign seen once as long as it holds", async () => {
    const { store } = open({ windowSeconds: 60, ttlSeconds: 86400 });
    const generation = 120_000;
    const a = values(52);
    const t0 = Date.now();
    const first = await store.observe(copy(long(a), { now: t0 }));
    await store.block(first.id, 7200);
    const later = await store.observe(copy(long(a), { now: t0 + 3 * generation }));
    assert.equal(later.id, first.id, "its generations are no longer read, but the block kept its values");
    assert.equal(later.state, "blocked");
  });

  void test("after an upgrade a campaign blocked under the previous version still matches, and is re-keyed", async () => {
    const { store, keys } = open();
    // A campaign as version 1 wrote it: 32 positional values and the digest pointing at it, blocked.
    const old = "0123456789ab";
    const positional = values(60, PREVIOUS_SIZE).map((v) => v % 2 ** 32);
    const until = Date.now() + 3_600_000;
    await db.redis.hset(keys.campaign(old), {
      first: 1,
      last: 1,
      total: 40,
      since: 0,
      scanAt: 0,
      subject: "old flood",
      direct: "olddigest",
      minhash: positional.join(" "),
      blockUntil: until,
    });
    await Promise.all(positional.map((v, i) => db.redis.set(`${keys.base}sh:${i}:${v}`, old, "PX", 3_600_000)));
    await db.redis.set(`${keys.base}d:olddigest`, old, "PX", 3_600_000);

    const now2 = values(61);
    const previous = { version: 1, minhash: positional.map((v, i) => (i < 17 ? v : v + 1)), direct: "other" };
    const first = await store.observe(copy({ ...long(now2), previous }));
    assert.equal(first.id, old, "17 of 32 positions find the old campaign");
    assert.equal(first.foundBy, "previous");
    assert.equal(first.state, "blocked", "the block holds across the upgrade");
    const next = await store.observe(copy(long(now2)));
    assert.equal(next.id, old, "re-keyed: found by this version's values");
    assert.equal(next.foundBy, "minhash");
    const byDigest = await store.observe(
      copy({ ...long(values(62)), previous: { version: 1, minhash: null, direct: "olddigest" } }),
    );
    assert.equal(byDigest.id, old, "the previous exact digest finds it too");
    assert.equal((await store.match({ ...long(now2) }))?.id, old);

    // The block keeps this version's keys of the re-keyed campaign alive as well as the old ones.
    await store.block(old, 7200);
    const indexed = Math.min(...now2.filter((v) => v % 4 === 0));
    const pttl = await db.redis.pttl(keys.base + keys.valuePrefix(FINGERPRINT_VERSION) + String(indexed));
    assert.ok(pttl > 7_000_000, `${pttl} ms`);
  });
});
