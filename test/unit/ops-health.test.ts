// The daemon's health from its memory: increases of counters over a sliding window, the Redis probe, the scan queue's
// sampler (never waiting for a connection that is down, never trusting a stale sample), and the MTA queue listings.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CounterWindow } from "../../src/ops/health/counter-window.js";
import { RedisProbe } from "../../src/ops/health/redis-probe.js";
import { QueueSampler } from "../../src/ops/health/queue-sampler.js";
import type { QueueStats } from "../../src/queue/stats.js";
import { CappedLines } from "../../src/ops/mta-queue/lines.js";
import { mailqTime, postfixParser, sendmailParser } from "../../src/ops/mta-queue/parse.js";

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

void describe("CounterWindow", () => {
  void test("the increase over the window, per key, from the snapshot at or before its start", () => {
    const w = new CounterWindow(10);
    w.record(T0, { a: 0, b: 5 });
    w.record(T0 + 5000, { a: 3, b: 5 });
    w.record(T0 + 10_000, { a: 6, b: 7 });
    assert.deepEqual(w.increase(), { seconds: 10, byKey: { a: 6, b: 2 }, total: 8 });
    w.record(T0 + 15_000, { a: 6, b: 9, c: 1 });
    // The baseline moved to T0+5000: a grew 3, b 4, c appeared with 1.
    assert.deepEqual(w.increase(), { seconds: 10, byKey: { a: 3, b: 4, c: 1 }, total: 8 });
    assert.deepEqual(w.increase(5), { seconds: 5, byKey: { b: 2, c: 1 }, total: 3 }, "a shorter look back");
  });

  void test("a counter that went down restarted: it counts from zero", () => {
    const w = new CounterWindow(60);
    w.record(T0, { a: 100 });
    w.record(T0 + 1000, { a: 4 });
    assert.deepEqual(w.increase().byKey, { a: 4 });
  });

  void test("one snapshot, or none, is no increase", () => {
    const w = new CounterWindow(60);
    assert.deepEqual(w.increase(), { seconds: 0, byKey: {}, total: 0 });
    w.record(T0, { a: 1 });
    assert.deepEqual(w.increase(), { seconds: 0, byKey: {}, total: 0 });
  });
});

void describe("RedisProbe", () => {
  void test("unreachable seconds count from the last answer; an answer resets them", async () => {
    let now = T0;
    let answer = true;
    const probe = new RedisProbe({
      ping: async () => {
        if (!answer) throw new Error("connect ECONNREFUSED");
      },
      clock: () => now,
    });
    assert.equal(probe.health().reachable, false, "not probed yet is not reachable");
    await probe.probe();
    assert.deepEqual(probe.health(), { reachable: true, unreachableSeconds: 0, lastError: null });
    answer = false;
    now += 3000;
    await probe.probe();
    now += 9000;
    assert.deepEqual(probe.health(), { reachable: false, unreachableSeconds: 12, lastError: "connect ECONNREFUSED" });
    answer = true;
    await probe.probe();
    assert.equal(probe.health().unreachableSeconds, 0);
  });

  void test("a ping that never answers fails after the timeout", async () => {
    const probe = new RedisProbe({ ping: () => new Promise(() => undefined), timeoutMs: 20 });
    await probe.probe();
    assert.equal(probe.health().lastError, "no answer within 20 ms");
  });
});

function stats(completedTotal: number, failedTotal: number, at = T0): QueueStats {
  return {
    counts: { waiting: 3, active: 0, delayed: 0, prioritized: 0, completed: 0, failed: 0 },
    backlog: 3,
    oldestWaitingAgeSeconds: 7,
    arrivalRate: 1,
    completionRate: 1,
    arrivalsTotal: 10,
    finishedTotal: completedTotal + failedTotal,
    completedTotal,
    failedTotal,
    lastFailedReason: failedTotal > 0 ? "spamd: connect ECONNREFUSED" : null,
    at,
  };
}

void describe("QueueSampler", () => {
  void test("not connected: the sample fails at once, without asking the queue", async () => {
    let asked = 0;
    let now = T0;
    const sampler = new QueueSampler({
      sample: async () => {
        asked++;
        return stats(0, 0);
      },
      connected: () => false,
      clock: () => now,
    });
    now += 4000;
    await sampler.sample();
    assert.equal(asked, 0);
    const h = sampler.health();
    assert.equal(h.stats, null);
    assert.equal(h.unobservableSeconds, 4);
    assert.equal(h.lastError, "the queue's Redis connection is not ready");
  });

  void test("a stale sample is no evidence: after a failure the stats are null until the next success", async () => {
    let connected = true;
    let result = stats(0, 0);
    const sampler = new QueueSampler({ sample: async () => result, connected: () => connected });
    await sampler.sample();
    assert.equal(sampler.health().stats?.backlog, 3);
    connected = false;
    await sampler.sample();
    assert.equal(sampler.health().stats, null);
    connected = true;
    result = stats(2, 8, T0 + 60_000);
    await sampler.sample();
    const h = sampler.health();
    assert.equal(h.stats?.backlog, 3);
    assert.deepEqual(h.jobs, { seconds: 60, completed: 2, failed: 8, lastFailure: "spamd: connect ECONNREFUSED" });
  });

  void test("a sample that hangs times out, and no second one starts while it still waits", async () => {
    let asked = 0;
    const sampler = new QueueSampler({
      sample: () => {
        asked++;
        return new Promise<QueueStats>(() => undefined);
      },
      connected: () => true,
      timeoutMs: 20,
    });
    await sampler.sample();
    assert.equal(sampler.health().lastError, "no answer within 20 ms");
    await sampler.sample();
    assert.equal(asked, 1);
    assert.equal(sampler.health().lastError, "the previous sample of the scan queue is still waiting");
  });
});

void describe("MTA queue listings", () => {
  void test("postqueue -j: counts by queue and the oldest arrival, a line read from its start only", () => {
    const now = T0;
    const at = (secondsAgo: number) => Math.floor(now / 1000) - secondsAgo;
    const recipients = Array.from({ length: 5000 }, (_, i) => `{"address": "r${i}@example.net"}`).join(", ");
    const listing = [
      `{"queue_name": "deferred", "queue_id": "4A", "arrival_time": ${at(600)}, "message_size": 2120, "sender": "a@b", "recipients": [${recipients}]}`,
      `{"queue_name": "deferred", "queue_id": "4B", "arrival_time": ${at(30)}, "sender": "x\\"arrival_time\\": 1"}`,
      `{"queue_name": "active", "queue_id": "4C", "arrival_time": ${at(5)}}`,
      `{"queue_name": "hold", "queue_id": "4D", "arrival_time": ${at(90)}}`,
      `{"queue_name": "incoming", "queue_id": "4E", "arrival_time": ${at(1)}}`,
      "not json at all",
      "",
    ].join("\n");
    const parser = postfixParser(now);
    // Fed in small pieces, as a pipe delivers it.
    for (let i = 0; i < listing.length; i += 97) parser.push(listing.slice(i, i + 97));
    assert.deepEqual(parser.result(), {
      deferred: 2,
      active: 1,
      hold: 1,
      incoming: 1,
      total: 5,
      oldestAgeSeconds: 600,
    });
    assert.equal(postfixParser(now).result().total, 0, "an empty queue prints nothing");
  });

  void test("mailq: deferred messages have a reason line, * marks one being delivered", () => {
    const now = new Date(2026, 5, 1, 12, 0).getTime();
    const listing = [
      "\t\t/var/spool/mqueue (3 requests)",
      "-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------",
      "5B1AaBcD012345     1234 Mon Jun  1 11:00 <sender@example.org>",
      "                 (Deferred: Connection refused by mx.example.net.)",
      "\t\t\t\t\t <rcpt@example.net>",
      "5B1AaBcD012346*     734 Mon Jun  1 11:58 <other@example.org>",
      "\t\t\t\t\t <rcpt2@example.net>",
      "5B1AaBcD012347      512 Mon Jun  1 11:59 <new@example.org>",
      "\t\t\t\t\t <rcpt3@example.net>",
      "\t\tTotal requests: 3",
    ].join("\n");
    const parser = sendmailParser(now);
    parser.push(listing);
    assert.deepEqual(parser.result(), {
      deferred: 1,
      active: 1,
      hold: 0,
      incoming: 1,
      total: 3,
      oldestAgeSeconds: 3600,
    });
  });

  void test("a mailq time has no year: the latest one not after now", () => {
    const now = new Date(2026, 0, 2, 10, 0).getTime();
    assert.equal(mailqTime("Thu Dec 31 23:00", now), new Date(2025, 11, 31, 23, 0).getTime());
    assert.equal(mailqTime("Fri Jan  2 09:30", now), new Date(2026, 0, 2, 9, 30).getTime());
    assert.equal(mailqTime("nonsense", now), null);
  });

  void test("lines are cut at the cap, whatever their length, and the rest of the line is skipped", () => {
    const lines: string[] = [];
    const split = new CappedLines((l) => lines.push(l), 8);
    split.push("short\r\nabcdefghijklmnop");
    split.push("qrstuvwxyz\nlast");
    split.end();
    assert.deepEqual(lines, ["short", "abcdefgh", "last"]);
  });
});
