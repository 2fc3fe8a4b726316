// The console's pure parts: sessions and their cookie, action bodies, mail flow per minute, sparklines, the
// campaign timeline, and the sample store's names for senders and networks.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { parseAction, runAction, type ActionRequest } from "../../src/ops/console/actions.js";
import type { ConsoleDeps } from "../../src/ops/console/types.js";
import { timeline, verdictCover } from "../../src/ops/console/campaign-detail.js";
import { campaignRows } from "../../src/ops/console/campaign-rows.js";
import { FlowHistory, MINUTES } from "../../src/ops/console/flow-history.js";
import { ConsoleSessions, operatorName, sessionCookie, setCookie } from "../../src/ops/console/session.js";
import { SparkTracker, SPARK_MINUTES } from "../../src/ops/console/spark.js";
import { clientNetwork, senderDomain } from "../../src/reputation/samples.js";
import type { Actor, CampaignView } from "../../src/reputation/types.js";

const withCookie = (cookie: string) => ({ headers: { cookie } }) as unknown as IncomingMessage;

void describe("console sessions", () => {
  void test("a session opens with an HttpOnly, SameSite=Strict cookie scoped to /console and ends after idling", () => {
    let now = 1_000_000;
    const sessions = new ConsoleSessions(
      () => 60,
      () => now,
    );
    const s = sessions.open("alice <script>");
    assert.equal(s.actor, "operator:alicescript");
    const cookie = setCookie(s, 60);
    assert.match(cookie, /^floodgate_console=[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=60$/);
    const req = withCookie(`other=1; ${cookie.split(";")[0]}`);
    assert.equal(sessions.of(req)?.actor, "operator:alicescript");
    now += 59_000;
    assert.ok(sessions.of(req), "a request renews the idle time");
    now += 59_000;
    assert.ok(sessions.of(req));
    now += 61_000;
    assert.equal(sessions.of(req), null, "past the idle time the session is gone");
    assert.equal(sessions.of(withCookie("floodgate_console=forged")), null);
    assert.equal(sessionCookie(withCookie("")), null);
    assert.equal(operatorName(""), "console");
    assert.match(setCookie(null, 0), /Max-Age=0/);
  });

  void test("sessions are bounded: the oldest ends when too many are open", () => {
    const sessions = new ConsoleSessions(() => 3600);
    const first = sessions.open("a");
    for (let i = 0; i < 100; i++) sessions.open(`b${i}`);
    assert.equal(sessions.of(withCookie(`floodgate_console=${first.id}`)), null);
  });
});

/** The refusal message of a body parseAction refused. */
function refusal(parsed: ReturnType<typeof parseAction>): string {
  assert.equal(typeof parsed, "string", "refused");
  return parsed as string;
}

void describe("console actions' bodies", () => {
  void test("every action needs confirmed: true; a block needs a whole number of seconds up to 30 days", () => {
    assert.match(refusal(parseAction({ action: "block", seconds: 60 })), /confirmed/);
    assert.match(refusal(parseAction({ action: "nuke", confirmed: true })), /one of/);
    assert.match(refusal(parseAction({ action: "block", confirmed: true })), /seconds/);
    assert.match(refusal(parseAction({ action: "block", seconds: 1.5, confirmed: true })), /seconds/);
    assert.match(refusal(parseAction({ action: "block", seconds: 31 * 86_400, confirmed: true })), /seconds/);
    assert.match(refusal(parseAction(null)), /JSON object/);
    assert.deepEqual(parseAction({ action: "block", seconds: 3600, confirmed: true, reason: "flood" }), {
      action: "block",
      seconds: 3600,
      reason: "flood",
    });
    assert.deepEqual(parseAction({ action: "pin-ham", confirmed: true, reason: "x".repeat(500) }), {
      action: "pin-ham",
      reason: "x".repeat(200),
    });
  });
});

void describe("mail flow per minute", () => {
  void test("the growth of each counter lands in its minute; a reset counter starts again; old minutes go", () => {
    const h = new FlowHistory();
    const t0 = 100 * 60_000;
    h.sample({ continue: 10, reject: 1 }, t0);
    h.sample({ continue: 15, reject: 1 }, t0 + 30_000);
    h.sample({ continue: 18, reject: 4, "fail:tempfail": 2 }, t0 + 60_000);
    h.sample({ continue: 3 }, t0 + 70_000);
    const c = h.chart(t0 + 70_000);
    assert.equal(c.minutes.length, MINUTES);
    assert.deepEqual(c.series["continue"]!.slice(-2), [5, 6]);
    assert.deepEqual(c.series["reject"]!.slice(-2), [0, 3]);
    assert.deepEqual(c.series["fail:tempfail"]!.slice(-2), [0, 2]);
    const later = h.chart(t0 + (MINUTES + 5) * 60_000);
    assert.ok(later.series["continue"]!.every((v) => v === 0));
  });
});

void describe("sparklines", () => {
  void test("copies per minute from the growth of total copies; growth is the last minute against the one before", () => {
    const s = new SparkTracker();
    const t0 = 500 * 60_000;
    s.observe("a", 100, t0);
    s.observe("a", 104, t0 + 10_000);
    s.observe("a", 110, t0 + 60_000);
    s.observe("a", 125, t0 + 61_000);
    const series = s.series("a", t0 + 61_000);
    assert.equal(series.length, SPARK_MINUTES);
    assert.deepEqual(series.slice(-2), [4, 21]);
    assert.equal(s.growth("a", t0 + 61_000), 17);
    s.prune(t0 + (SPARK_MINUTES + 2) * 60_000);
    assert.ok(
      s.series("a", t0 + (SPARK_MINUTES + 2) * 60_000).every((v) => v === 0),
      "forgotten once not shown",
    );
  });
});

void describe("the campaigns table's rows", () => {
  void test("a row shows the decision that judges the campaign: users' ham beside spamd's spam shows the verdict", () => {
    const spam = { verdict: "spam", score: 12, scanner: "spamd", threshold: 5, rules: [], at: 3000 };
    const usersHam = { label: "ham", how: "reporters", by: "reporters", why: "ham by 3 reporters", at: 2000 };
    const view = (state: string, verdict: unknown, decision: unknown) =>
      ({ id: "0123456789ab", state, totalCopies: 5, verdict, decision }) as unknown as CampaignView;
    const [outranked, standing] = campaignRows(
      [view("spam", spam, usersHam), view("ham", { ...spam, verdict: "ham", score: 0.4 }, usersHam)],
      new SparkTracker(),
      10_000,
    );
    assert.equal(outranked!.decision, null);
    assert.equal(outranked!.verdict?.verdict, "spam");
    assert.deepEqual(standing!.decision, { label: "ham", how: "reporters", by: "reporters" });
  });
});

void describe("a campaign's timeline", () => {
  void test("first seen, bulk, scan, verdict and every history line, newest first, with who", () => {
    const view = {
      id: "0123456789ab",
      subject: "offer",
      firstSeen: 1000,
      bulkSince: 2000,
      lastScanQueuedAt: 2500,
      verdict: { verdict: "spam", score: 12, scanner: "spamd", threshold: 5, rules: ["GTUBE"], at: 3000 },
    } as unknown as CampaignView;
    const t = timeline(view, [{ at: 4000, actor: "operator:alice", action: "block", why: "flood", state: "blocked" }]);
    assert.deepEqual(
      t.map((e) => [e.at, e.what, e.by]),
      [
        [4000, "block", "operator:alice"],
        [3000, "verdict spam", "spamd"],
        [2500, "scan queued", "floodgate"],
        [2000, "bulk", "floodgate"],
        [1000, "first seen", "floodgate"],
      ],
    );
    assert.equal(t[0]!.detail, "flood → blocked");
    assert.equal(t[1]!.detail, "score 12 / 5 (GTUBE)");
  });
});

void describe("what a campaign's ham verdict covers", () => {
  const ham = { verdict: "ham", score: 0, scanner: "spamd", threshold: 5, rules: [], at: 1 };
  const view = (fields: Partial<CampaignView>) =>
    ({ state: "ham", verdict: ham, decision: null, links: { ham: [], spam: [] }, ...fields }) as CampaignView;

  void test("a scanner's ham: at most 20 of each list, with how many more; entries as they are", () => {
    const covered = ["attachment:.pdf", ...Array.from({ length: 24 }, (_, i) => `d${i}.example`)];
    const cover = verdictCover(view({ links: { ham: covered, spam: ["bad.example"] } }), true);
    assert.deepEqual(cover, {
      covered: { shown: covered.slice(0, 20), more: 5 },
      refused: { shown: ["bad.example"], more: 0 },
    });
  });

  void test("every copy: a verdict without links, a person's decision, the rule off; nothing unless ham", () => {
    const all = { covered: null, refused: { shown: [], more: 0 } };
    const scoped = { ham: ["shop.example"], spam: ["bad.example"] };
    assert.deepEqual(verdictCover(view({ links: { ham: null, spam: [] } }), true), all);
    const pin = { label: "ham", how: "pin", by: "operator:alice", why: "", at: 1 } as CampaignView["decision"];
    assert.deepEqual(verdictCover(view({ links: scoped, decision: pin }), true), all);
    assert.deepEqual(verdictCover(view({ links: scoped }), false), all);
    assert.equal(verdictCover(view({ state: "bulk", verdict: null }), true), null);
    assert.equal(verdictCover(view({ state: "spam" }), true), null);
  });
});

void describe("sample names", () => {
  void test("client networks are /24 and /48; sender domains lowercased, the null sender named", () => {
    assert.equal(clientNetwork("192.0.2.77"), "192.0.2.0/24");
    assert.equal(clientNetwork("::ffff:198.51.100.9"), "198.51.100.0/24");
    assert.equal(clientNetwork("2001:db8:1:2::5"), "2001:db8:1::/48");
    assert.equal(senderDomain("Promo@Mailer.Example.COM"), "mailer.example.com");
    assert.equal(senderDomain(""), "(none)");
  });
});

void describe("console actions", () => {
  /** A store that knows one campaign and records what was done to it. */
  function fakeDeps(held?: ConsoleDeps["held"]) {
    const done: string[] = [];
    const store = {
      get: async (id: string) => (id === "0123456789ab" ? ({ id } as CampaignView) : null),
      block: async (id: string, seconds: number, by: Actor) => void done.push(`block ${id} ${seconds} ${by.actor}`),
      unblock: async (id: string, by: Actor) => void done.push(`unblock ${id} ${by.actor}`),
      decide: async (id: string, label: string, how: string, by: Actor) =>
        void done.push(`decide ${id} ${label} ${how} ${by.actor} ${by.reason}`),
      rescan: async (id: string, by: Actor) => void done.push(`rescan ${id} ${by.actor}`),
    };
    const deps = { store, samples: null, ...(held ? { held } : {}) } as unknown as ConsoleDeps;
    return { deps, done };
  }

  void test("each action is made as the session's operator with its reason; an unknown campaign is a 404", async () => {
    const { deps, done } = fakeDeps();
    const run = (action: string, extra: Record<string, unknown> = {}, id = "0123456789ab") =>
      runAction(deps, id, parseAction({ action, confirmed: true, ...extra }) as ActionRequest, "operator:alice");
    assert.equal((await run("block", { seconds: 600 })).status, 200);
    assert.equal((await run("unblock")).status, 200);
    assert.equal((await run("pin-ham", { reason: "newsletter" })).status, 200);
    const rescan = await run("rescan");
    assert.equal(rescan.body["queued"], "the scan queue is off: the verdict is dropped");
    assert.deepEqual(done, [
      "block 0123456789ab 600 operator:alice",
      "unblock 0123456789ab operator:alice",
      "decide 0123456789ab ham pin operator:alice newsletter",
      "rescan 0123456789ab operator:alice",
    ]);
    assert.equal((await run("block", { seconds: 60 }, "ffffffffffff")).status, 404);
  });

  void test("release and delete go to the hold queue's hook, and are refused with 501 without one", async () => {
    const { deps } = fakeDeps();
    const release = parseAction({ action: "release", confirmed: true }) as ActionRequest;
    assert.equal((await runAction(deps, "0123456789ab", release, "operator:alice")).status, 501);
    const calls: string[] = [];
    const held = {
      count: async () => 3,
      release: async (id: string, by: Actor) => (calls.push(`release ${id} ${by.actor}`), 3),
      delete: async (id: string, by: Actor) => (calls.push(`delete ${id} ${by.actor}`), 2),
    };
    const withHold = fakeDeps(held).deps;
    assert.equal((await runAction(withHold, "0123456789ab", release, "operator:bob")).body["copies"], 3);
    const del = parseAction({ action: "delete", confirmed: true }) as ActionRequest;
    assert.equal((await runAction(withHold, "0123456789ab", del, "operator:bob")).body["copies"], 2);
    assert.deepEqual(calls, ["release 0123456789ab operator:bob", "delete 0123456789ab operator:bob"]);
  });
});
