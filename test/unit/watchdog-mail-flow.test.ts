// The mail-flow watchdog: counters with an injected clock, and the four watchdog rules evaluated by the AlertManager.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { MailFlow } from "../../src/ops/mail-flow.js";
import { AlertManager } from "../../src/ops/alerts/manager.js";
import { builtInRules, type Samples } from "../../src/ops/alerts/rules.js";
import { defaultConfig } from "../../src/config/schema.js";
import type { AlertNotification } from "../../src/ops/alerts/notification.js";

const T0 = Date.UTC(2026, 0, 1);
const at = (seconds: number) => T0 + seconds * 1000;

/** A watchdog over a MailFlow, with a hand-driven clock; returns the edges as "second name status". */
function watchdog(overrides: (c: ReturnType<typeof defaultConfig>) => void = () => undefined) {
  const config = defaultConfig();
  config.alerts.watchdog.ratioWindowSeconds = 60;
  config.alerts.watchdog.ratioMinMessages = 10;
  config.alerts.watchdog.rejectRatio = { enabled: true, high: 0.5, low: 0.2, forSeconds: 10, clearForSeconds: 10 };
  config.alerts.watchdog.noAcceptedSeconds = 120;
  config.alerts.watchdog.noAcceptedMinSessions = 3;
  config.alerts.watchdog.noConnectionSeconds = 300;
  overrides(config);
  let now = at(0);
  const clock = () => now;
  const flow = new MailFlow({ windowSeconds: config.alerts.watchdog.ratioWindowSeconds, clock });
  const rules = builtInRules(config.alerts).filter((r) => r.name.startsWith("FloodgateNo") || r.name.includes("Ratio"));
  const sampler = async (): Promise<Samples> => ({
    backlog: null,
    oldestJobAgeSeconds: null,
    arrivalRate: null,
    completionRate: null,
    mailFlow: flow.snapshot(),
  });
  const edges: string[] = [];
  const manager = new AlertManager({ rules, sampler, clock, instance: "test" });
  return {
    flow,
    edges,
    manager,
    setTime(seconds: number) {
      now = at(seconds);
    },
    async evaluate(seconds: number) {
      now = at(seconds);
      const out: AlertNotification[] = await manager.evaluate();
      for (const n of out) edges.push(`${seconds} ${n.alertname} ${n.repeat ? "repeat" : n.status}`);
    },
  };
}

void describe("MailFlow", () => {
  void test("counts sessions and verdicts in a sliding window and the time since the last session and acceptance", () => {
    let now = at(0);
    const flow = new MailFlow({ windowSeconds: 60, clock: () => now });
    flow.sessionOpened(at(1));
    flow.messageDecided("accept", at(2));
    flow.sessionOpened(at(30));
    flow.messageDecided("reject", at(31));
    flow.messageDecided("tempfail", at(32));
    flow.messageDecided("reject", at(70));
    now = at(75);
    const s = flow.snapshot();
    assert.equal(s.secondsSinceSession, 45);
    assert.equal(s.secondsSinceAccepted, 73);
    assert.equal(s.sessionsSinceAccepted, 1);
    assert.equal(s.sessionsTotal, 2);
    assert.deepEqual(s.decidedTotal, { accept: 1, continue: 0, reject: 2, tempfail: 1, discard: 0 });
    // The window is the last 60 s: 16..75; the accept at 2 and the session at 1 have left it.
    assert.equal(s.window.sessions, 1);
    assert.deepEqual(s.window.verdicts, { accept: 0, continue: 0, reject: 2, tempfail: 1, discard: 0 });
    assert.equal(s.window.decided, 3);
    assert.equal(s.window.rejectRatio, 2 / 3);
    assert.equal(s.window.tempfailRatio, 1 / 3);
    // Much later everything has left the window.
    assert.equal(flow.snapshot(at(1000)).window.decided, 0);
    assert.equal(flow.snapshot(at(1000)).window.rejectRatio, 0);
  });

  void test("continue counts as accepted; discard does not", () => {
    const flow = new MailFlow({ clock: () => at(0) });
    flow.sessionOpened(at(0));
    flow.messageDecided("discard", at(5));
    assert.equal(flow.snapshot(at(10)).sessionsSinceAccepted, 1);
    flow.messageDecided("continue", at(6));
    assert.equal(flow.snapshot(at(10)).sessionsSinceAccepted, 0);
    assert.equal(flow.snapshot(at(10)).secondsSinceAccepted, 4);
  });
});

void describe("watchdog rules", () => {
  void test("FloodgateNoMailAccepted fires when sessions keep arriving and nothing is accepted, resolves on an accept", async () => {
    const w = watchdog();
    w.flow.sessionOpened(at(0));
    w.flow.messageDecided("accept", at(0));
    for (let s = 10; s <= 200; s += 10) {
      w.flow.sessionOpened(at(s));
      w.flow.messageDecided("tempfail", at(s));
      await w.evaluate(s + 1);
    }
    w.flow.sessionOpened(at(205));
    w.flow.messageDecided("accept", at(205));
    await w.evaluate(206);
    await w.evaluate(300);
    assert.deepEqual(
      w.edges.filter((e) => e.includes("NoMailAccepted")),
      ["121 FloodgateNoMailAccepted firing", "206 FloodgateNoMailAccepted resolved"],
    );
  });

  void test("FloodgateNoMailAccepted stays quiet with too few sessions (a quiet server is not a broken one)", async () => {
    const w = watchdog();
    w.flow.sessionOpened(at(10));
    w.flow.sessionOpened(at(20));
    for (let s = 0; s <= 400; s += 10) await w.evaluate(s);
    assert.deepEqual(
      w.edges.filter((e) => e.includes("NoMailAccepted")),
      [],
    );
  });

  void test("FloodgateRejectRatioHigh needs ratioMinMessages, fires past high held forSeconds, clears at low", async () => {
    const w = watchdog();
    // 5 rejects out of 5: a ratio of 1 but too few messages.
    for (let i = 0; i < 5; i++) {
      w.flow.sessionOpened(at(i));
      w.flow.messageDecided("reject", at(i));
    }
    await w.evaluate(5);
    await w.evaluate(20);
    assert.equal(w.edges.length, 0, w.edges.join("; "));
    // 10 more: 12 rejects and 3 accepts in the window (ratio 0.8).
    for (let i = 0; i < 10; i++) {
      w.flow.sessionOpened(at(21));
      w.flow.messageDecided(i < 3 ? "accept" : "reject", at(21));
    }
    await w.evaluate(22);
    await w.evaluate(30);
    await w.evaluate(32);
    // Accepts bring the ratio to 12/45 = 0.27: between the marks, still firing.
    for (let i = 0; i < 30; i++) w.flow.messageDecided("accept", at(33));
    await w.evaluate(34);
    await w.evaluate(50);
    // Then to 12/65 = 0.18 (≤ 0.2) for 10 s: resolved.
    for (let i = 0; i < 20; i++) w.flow.messageDecided("accept", at(51));
    await w.evaluate(52);
    await w.evaluate(62);
    assert.deepEqual(
      w.edges.filter((e) => e.includes("Ratio")),
      ["32 FloodgateRejectRatioHigh firing", "62 FloodgateRejectRatioHigh resolved"],
    );
  });

  void test("FloodgateTempfailRatioHigh fires on a tempfail wave", async () => {
    const w = watchdog((c) => {
      c.alerts.watchdog.tempfailRatio = { enabled: true, high: 0.5, low: 0.3, forSeconds: 0, clearForSeconds: 0 };
    });
    for (let i = 0; i < 20; i++) {
      w.flow.sessionOpened(at(1));
      w.flow.messageDecided(i < 12 ? "tempfail" : "continue", at(1));
    }
    await w.evaluate(2);
    assert.deepEqual(w.edges, ["2 FloodgateTempfailRatioHigh firing"]);
    assert.deepEqual(
      w.manager.firing().map((a) => [a.alertname, a.severity]),
      [["FloodgateTempfailRatioHigh", "critical"]],
    );
  });

  void test("FloodgateNoConnections fires after noConnectionSeconds without a session and resolves on the next one", async () => {
    const w = watchdog();
    for (let s = 0; s <= 400; s += 50) await w.evaluate(s);
    w.flow.sessionOpened(at(420));
    w.flow.messageDecided("accept", at(420));
    await w.evaluate(425);
    assert.deepEqual(w.edges, ["300 FloodgateNoConnections firing", "425 FloodgateNoConnections resolved"]);
  });
});
