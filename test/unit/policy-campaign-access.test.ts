/**
 * The policy's way to its campaign when Redis refuses writes or is reconnecting, with a small in-memory store that
 * fails as ioredis does (the real Redis cases are in test/integration/redis-refusing-writes.test.ts and the
 * failovers in redis-topologies.test.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { campaignAccess } from "../../src/policy/campaign-access.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { startDeadline } from "../../src/session/deadlines.js";
import { redisFailReason } from "../../src/policy/floodgate-policy.js";
import { RedisWrites } from "../../src/redis/write-refusal.js";
import type { CampaignStore, CampaignView, Observation } from "../../src/reputation/types.js";

const metrics = createMetrics();
const VIEW = { id: "0123456789ab", state: "blocked", copies: 7 } as CampaignView;
const OBSERVATION = {
  fingerprint: { direct: "d", minhash: [] },
  sender: "a@b.example",
  recipients: ["c@d.example"],
  clientIp: null,
} as unknown as Observation;

class ReplyError extends Error {
  override name = "ReplyError";
}
const READONLY = () => new ReplyError("READONLY You can't write against a read only replica.");
const OOM = () => new ReplyError("OOM command not allowed when used memory > 'maxmemory'.");
const NOT_SENT = () => new Error("Stream isn't writeable and enableOfflineQueue options is false");

/** A store whose observe and lookup answer from scripts of outcomes, one per call (the last one repeats). */
function store(observe: (() => CampaignView | Error)[], lookup: (() => CampaignView | null | Error)[] = []) {
  const calls = { observe: 0, lookup: 0 };
  const next = <T>(script: (() => T | Error)[], i: number) => {
    const out = (script[Math.min(i, script.length - 1)] as () => T | Error)();
    return out instanceof Error ? Promise.reject(out) : Promise.resolve(out);
  };
  const s = {
    observe: () => next(observe, calls.observe++),
    lookup: () => next(lookup, calls.lookup++),
  } as unknown as CampaignStore;
  return { store: s, calls };
}

/** One copy observed through `s` with a 5 s deadline and `graceMs` of reconnection grace. */
function observeCopy(s: CampaignStore, graceMs: number) {
  return campaignAccess({ store: s, failReason: redisFailReason, metrics }).observe(
    OBSERVATION,
    startDeadline(5000),
    graceMs,
  );
}

void describe("the campaign of a copy when Redis refuses writes", () => {
  void test("a replica (READONLY): a known campaign is looked up read-only and applies, not counted", async () => {
    const writes = new RedisWrites();
    const { store: s, calls } = store([READONLY], [() => VIEW]);
    const access = campaignAccess({ store: s, writes, failReason: redisFailReason, metrics });
    const out = await access.observe(OBSERVATION, startDeadline(5000), 1000);
    assert.deepEqual(out, { campaign: VIEW, counted: false });
    assert.deepEqual(calls, { observe: 1, lookup: 1 });
    assert.equal(writes.health().reason, "readonly");
    assert.equal(writes.health().refusing, true);
  });

  void test("at maxmemory (OOM): an unknown campaign gets redis-oom, with Redis's words", async () => {
    const { store: s } = store([OOM], [() => null]);
    const out = await observeCopy(s, 1000);
    assert.ok("reason" in out);
    assert.equal(out.reason, "redis-oom");
    assert.match(out.error.message, /^OOM/);
  });

  void test("a write accepted again clears the refusal", async () => {
    const writes = new RedisWrites();
    const { store: s } = store([READONLY, () => VIEW], [() => VIEW]);
    const access = campaignAccess({ store: s, writes, failReason: redisFailReason, metrics });
    await access.observe(OBSERVATION, startDeadline(5000), 1000);
    assert.equal(writes.health().refusing, true);
    assert.deepEqual(await access.observe(OBSERVATION, startDeadline(5000), 1000), { campaign: VIEW, counted: true });
    assert.equal(writes.health().refusing, false);
  });

  void test("the read-only lookup waits for the connection the READONLY answer reopens", async () => {
    const { store: s, calls } = store([READONLY], [NOT_SENT, NOT_SENT, () => VIEW]);
    const out = await observeCopy(s, 1000);
    assert.deepEqual(out, { campaign: VIEW, counted: false });
    assert.equal(calls.lookup, 3);
  });

  void test("any other error is the usual fail reason, and no lookup is tried", async () => {
    const { store: s, calls } = store([() => new ReplyError("ERR unknown command")]);
    const out = await observeCopy(s, 1000);
    assert.ok("reason" in out);
    assert.equal(out.reason, "redis-error");
    assert.equal(calls.lookup, 0);
  });
});

void describe("the campaign of a copy while the connection is made again", () => {
  void test("a copy not sent while reconnecting is sent once connected, inside the grace", async () => {
    const { store: s, calls } = store([NOT_SENT, NOT_SENT, () => VIEW]);
    const out = await observeCopy(s, 1000);
    assert.deepEqual(out, { campaign: VIEW, counted: true });
    assert.equal(calls.observe, 3);
  });

  void test("tried every 25 ms while a next try is still inside the grace, then redis-down", async () => {
    // The injected clock moves only by the 25 ms wait between tries (src/policy/campaign-access.ts,
    // RECONNECT_POLL_MS): each try is made at a known time, whatever the machine's speed.
    let now = 0;
    const tries: number[] = [];
    const { store: s } = store([
      () => {
        if (tries.length > 0) now += 25;
        tries.push(now);
        return NOT_SENT();
      },
    ]);
    const access = campaignAccess({ store: s, failReason: redisFailReason, metrics, clock: () => now });
    const out = await access.observe(OBSERVATION, startDeadline(5000), 100);
    assert.ok("reason" in out);
    assert.equal(out.reason, "redis-down");
    assert.deepEqual(tries, [0, 25, 50, 75], "no try at 100, where the 100 ms grace ends");
  });

  void test("once the connection has been down for seconds, Redis is down: no copy waits any more", async () => {
    let now = 0;
    const { store: s, calls } = store([NOT_SENT]);
    const access = campaignAccess({ store: s, failReason: redisFailReason, metrics, clock: () => now });
    const first = access.observe(OBSERVATION, startDeadline(5000), 1000);
    // The first copy finds the connection down at 0 and waits for it; 6 s later it is still down.
    await new Promise((resolve) => setImmediate(resolve));
    now = 6000;
    assert.equal(((await first) as { reason: string }).reason, "redis-down");
    const tried = calls.observe;
    const later = await access.observe(OBSERVATION, startDeadline(5000), 1000);
    assert.equal((later as { reason: string }).reason, "redis-down");
    assert.equal(calls.observe, tried + 1, "sent once, not waited for");
  });

  void test("a command lost with its connection is not sent again: the copy might have been counted", async () => {
    const { store: s, calls } = store([() => new Error("Connection is closed."), () => VIEW]);
    const out = await observeCopy(s, 1000);
    assert.ok("reason" in out);
    assert.equal(out.reason, "redis-down");
    assert.equal(calls.observe, 1);
  });
});
