/**
 * A person's word on a campaign, against a real redis-server: an operator's report or pin decides and outranks every
 * scan; mailbox users' reports count towards a number of distinct reporters, rate-limited, and can be taken back;
 * every relabel is kept in the campaign's history.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Cluster, Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { campaignKeys } from "../../src/reputation/keys.js";
import { createCampaignStore, type RelabelEvent } from "../../src/reputation/store.js";
import { CAMPAIGN_HISTORY_LENGTH, type ScanVerdict } from "../../src/reputation/types.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { startTestRedis, storeConnection, uniquePrefix, type TestRedis } from "../support/redis.js";

const operator = { actor: "operator:root", reason: "seen in the queue" };
const settings = { reporters: 3, copiesPerReporter: 1000, perReporterPerHour: 5 };
const spamVerdict = (score: number): ScanVerdict => ({
  verdict: score >= 5 ? "spam" : score <= 2.5 ? "ham" : "unsure",
  score,
  scanner: "spamd",
  threshold: 5,
  rules: score >= 5 ? ["BAYES_99"] : [],
  at: Date.now(),
});

void describe("relabelling campaigns (real Redis)", () => {
  let server: TestRedis;
  let redis: Redis | Cluster;
  const events: RelabelEvent[] = [];

  before(async () => {
    server = await startTestRedis();
    redis = await storeConnection(server.url);
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  const setup = () => {
    const prefix = uniquePrefix();
    const store = createCampaignStore(redis, {
      prefix,
      campaigns: defaultConfig().campaigns,
      closeConnection: false,
      onRelabel: (e) => events.push(e),
    });
    let n = 0;
    const observe = (digest: string) =>
      store.observe({
        fingerprint: syntheticFingerprint({ direct: digest, subject: "Lose 21 Pounds", bytesParsed: 100 }),
        sender: `s${n++}@example.net`,
        recipients: [`r${n}@example.org`],
        clientIp: null,
      });
    return { store, observe, prefix };
  };

  void test("an operator's report decides, outranks every scan, and --undo gives the scan back", async () => {
    const { store, observe } = setup();
    const { id } = await observe("a");
    await store.recordVerdict(id, spamVerdict(1.0));
    assert.equal((await observe("a")).state, "ham", "the scanner's confident ham");
    const decided = await store.decide(id, "spam", "report", operator);
    assert.equal(decided.state, "spam");
    assert.deepEqual(
      { ...decided.decision, at: 0 },
      { label: "spam", how: "report", by: "operator:root", why: "seen in the queue", at: 0 },
    );
    await store.recordVerdict(id, spamVerdict(0.1));
    const rescanned = await observe("a");
    assert.equal(rescanned.state, "spam", "a re-scan never overrides a person's decision");
    assert.equal(rescanned.verdict?.score, 0.1, "the scan is kept beside it");
    assert.equal(await store.undecide(id, "pin", operator, settings), false, "a report is no pin");
    assert.equal(await store.undecide(id, "report", operator, settings), true);
    assert.equal((await observe("a")).state, "ham", "the scanner's verdict applies again");
  });

  void test("a pin holds ham through spam scans and lifts a block; unpin takes it back; a block drops it", async () => {
    const { store, observe } = setup();
    const { id } = await observe("b");
    await store.block(id, 3600, operator);
    assert.equal((await observe("b")).state, "blocked");
    await store.decide(id, "ham", "pin", { actor: "operator:root", reason: "our newsletter" });
    await store.recordVerdict(id, spamVerdict(9));
    const pinned = await observe("b");
    assert.equal(pinned.state, "ham");
    assert.equal(pinned.blockedUntil, null);
    assert.equal(await store.undecide(id, "pin", operator, settings), true);
    assert.equal((await observe("b")).state, "spam");
    await store.decide(id, "ham", "pin", operator);
    await store.block(id, 60, operator);
    await store.unblock(id, operator);
    const after = await observe("b");
    assert.equal(after.decision, null, "the block was the newer word: the pin is gone");
    assert.equal(after.state, "spam");
  });

  void test("users' reports decide at the configured number of distinct reporters, and can be taken back", async () => {
    const { store, observe } = setup();
    const { id } = await observe("c");
    await store.recordVerdict(id, spamVerdict(3.2));
    const alice = { actor: "alice@example.org", reason: "junk button" };
    const bob = { actor: "bob@example.org", reason: "junk button" };
    const carol = { actor: "carol@example.org", reason: "junk button" };
    assert.deepEqual(await store.report(id, "spam", alice, settings), {
      outcome: "counted",
      spam: 1,
      ham: 0,
      decided: null,
    });
    assert.equal((await store.report(id, "spam", alice, settings)).outcome, "duplicate", "one reporter counts once");
    await store.report(id, "spam", bob, settings);
    assert.equal((await observe("c")).state, "new", "two of three: unjudged still");
    const third = await store.report(id, "spam", carol, settings);
    assert.equal(third.decided, "spam");
    const decided = await observe("c");
    assert.equal(decided.state, "spam");
    assert.equal(decided.decision?.how, "reporters");
    assert.deepEqual(decided.reports, { spam: 3, ham: 0 });
    assert.equal(await store.unreport(id, carol, settings), true);
    const undone = await observe("c");
    assert.equal(undone.decision, null, "back under the number: no decision");
    assert.equal(undone.state, "new");
    assert.equal(await store.unreport(id, carol, settings), false, "nothing left to take back");
  });

  void test("users' ham gives way to a scanner's spam verdict; their spam outranks a ham verdict", async () => {
    const { store, observe } = setup();
    const { id } = await observe("u");
    const users = ["a", "b", "c"].map((who) => ({ actor: `${who}@x.org`, reason: "not junk" }));
    for (const user of users) await store.report(id, "ham", user, settings);
    assert.equal((await observe("u")).state, "ham", "before any scan, users' ham decides");
    await store.recordVerdict(id, spamVerdict(9));
    const outranked = await observe("u");
    assert.equal(outranked.state, "spam", "the spam verdict outranks the senders' own mailboxes");
    assert.equal(outranked.decision?.label, "ham", "their decision is kept beside it");
    assert.equal((await store.get(id))?.state, "spam");
    await store.recordVerdict(id, spamVerdict(1));
    assert.equal((await observe("u")).state, "ham", "a ham verdict leaves users' ham in force");

    const other = (await observe("w")).id;
    for (const user of users) await store.report(other, "spam", user, settings);
    await store.recordVerdict(other, spamVerdict(1));
    assert.equal((await observe("w")).state, "spam", "users' spam outranks a scanner's ham");
    await store.decide(other, "ham", "report", operator);
    await store.recordVerdict(other, spamVerdict(9));
    assert.equal((await observe("w")).state, "ham", "an operator's ham outranks a spam verdict");
  });

  void test("a campaign of many copies needs one reporter per copiesPerReporter copies it has had", async () => {
    const { store, observe } = setup();
    let id = "";
    for (let i = 0; i < 45; i++) ({ id } = await observe("m"));
    const perTen = { ...settings, copiesPerReporter: 10 };
    const users = ["a", "b", "c", "d", "e"].map((who) => ({ actor: `${who}@x.org`, reason: "junk button" }));
    for (const user of users.slice(0, 4)) assert.equal((await store.report(id, "spam", user, perTen)).decided, null);
    assert.equal((await store.get(id))?.decision, null, "4 reporters of 45 copies, one needed per 10: not yet");
    assert.equal((await store.report(id, "spam", users[4]!, perTen)).decided, "spam", "the fifth decides");
    assert.equal((await store.get(id))?.state, "spam");
    assert.equal(await store.unreport(id, users[4]!, perTen), true);
    assert.equal((await store.get(id))?.decision, null, "back under five: no decision");
  });

  void test("users' reports never override an operator's decision", async () => {
    const { store, observe } = setup();
    const { id } = await observe("d");
    await store.decide(id, "ham", "pin", operator);
    for (const who of ["a", "b", "c", "d"])
      await store.report(id, "spam", { actor: `${who}@x.org`, reason: "" }, settings);
    const view = await observe("d");
    assert.equal(view.state, "ham");
    assert.deepEqual(view.reports, { spam: 4, ham: 0 });
    await store.undecide(id, "pin", operator, settings);
    assert.equal((await observe("d")).state, "spam", "with the pin gone, the reporters' count decides");
  });

  void test("a reporter is rate-limited per hour", async () => {
    const { store, observe } = setup();
    const spammy = { actor: "eager@example.org", reason: "" };
    const outcomes: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { id } = await observe(`e${i}`);
      outcomes.push((await store.report(id, "spam", spammy, settings)).outcome);
    }
    assert.deepEqual(outcomes, ["counted", "counted", "counted", "counted", "counted", "rate-limited", "rate-limited"]);
  });

  void test("every relabel is kept in the history, newest first and bounded, and heard by the log", async () => {
    const { store, observe, prefix } = setup();
    const { id } = await observe("f");
    await store.decide(id, "spam", "report", operator);
    await store.rescan(id, { actor: "operator:web", reason: "new rules" });
    const history = await store.history(id);
    assert.deepEqual(
      history.map((h) => [h.action, h.actor, h.label ?? null, h.why, h.state]),
      [
        ["rescan", "operator:web", null, "new rules", "spam"],
        ["decide", "operator:root", "spam", "seen in the queue", "spam"],
      ],
    );
    assert.ok(events.some((e) => e.id === id && e.op === "decide" && e.actor === "operator:root" && e.status === "ok"));
    for (let i = 0; i < CAMPAIGN_HISTORY_LENGTH + 10; i++) await store.rescan(id, operator);
    assert.equal((await store.history(id)).length, CAMPAIGN_HISTORY_LENGTH);
    const keys = campaignKeys(prefix);
    assert.ok((await redis.pttl(keys.history(id))) > 0, "the history expires with the campaign");
  });

  void test("a rescan drops the scanner's verdict so that the next copy queues a scan", async () => {
    const { store, observe } = setup();
    const { id } = await observe("g");
    await store.markScanQueued(id);
    await store.recordVerdict(id, spamVerdict(3));
    await store.rescan(id, operator);
    const view = await observe("g");
    assert.equal(view.verdict, null);
    assert.equal(view.lastScanQueuedAt, 0);
  });

  void test("relabelling a campaign that does not exist is an error", async () => {
    const { store } = setup();
    await assert.rejects(store.decide("0123456789ab", "spam", "report", operator), /no campaign/);
    assert.equal((await store.report("0123456789ab", "spam", operator, settings)).outcome, "no-campaign");
  });
});
