// The built-in alert rules: the AlertManager's edges and notifications from a hand-driven sampler, the Alertmanager
// payload shape, and deploy/prometheus-rules.yml naming the same alerts with the same hold times.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { defaultConfig } from "../../src/config/schema.js";
import { AlertManager } from "../../src/ops/alerts/manager.js";
import { createAlertManager } from "../../src/ops/alerts/configured.js";
import { LiveConfig } from "../../src/config/live.js";
import { BUILT_IN_ALERT_NAMES, builtInRules, type Samples } from "../../src/ops/alerts/rules.js";
import {
  alertmanagerPayload,
  ZERO_TIME,
  type AlertNotification,
  type Notifier,
} from "../../src/ops/alerts/notification.js";
import { createMetrics } from "../../src/metrics/metrics.js";

const metrics = createMetrics();
import { projectRoot } from "../../src/util/paths.js";

const T0 = Date.UTC(2026, 0, 1);

class Recorder implements Notifier {
  readonly seen: AlertNotification[] = [];
  notify(n: AlertNotification): void {
    this.seen.push(n);
  }
  async idle(): Promise<void> {}
  async close(): Promise<void> {}
}

const queueSamples = (backlog: number | null, oldest: number | null = 0, arrival = 0, completion = 0): Samples => ({
  backlog,
  oldestJobAgeSeconds: oldest,
  arrivalRate: arrival,
  completionRate: completion,
  mailFlow: null,
});

async function gauge(alertname: string): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric("floodgate_alerts_firing")?.get();
  return metric?.values.find((v) => v.labels["alertname"] === alertname)?.value;
}

void describe("built-in alert rules", () => {
  void test("every built-in name has a rule, and disabled rules are left out", () => {
    const config = defaultConfig();
    assert.deepEqual(
      builtInRules(config.alerts, { mtaQueue: true }).map((r) => r.name),
      [...BUILT_IN_ALERT_NAMES],
    );
    assert.ok(
      !builtInRules(config.alerts).some((r) => r.name.startsWith("FloodgateMta")),
      "MTA rules only when sampled",
    );
    config.alerts.backlog.enabled = false;
    assert.ok(!builtInRules(config.alerts).some((r) => r.name === "FloodgateScanBacklogHigh"));
  });

  void test("a backlog that rises then drains gives one firing and one resolved notification, logged edges and the gauge", async () => {
    const config = defaultConfig();
    config.alerts.backlog = { enabled: true, high: 100, low: 10, forSeconds: 10, clearForSeconds: 20 };
    config.alerts.repeatSeconds = 3600;
    let current = queueSamples(0);
    const recorder = new Recorder();
    let now = T0;
    const manager = new AlertManager({
      rules: builtInRules(config.alerts).filter((r) => r.name === "FloodgateScanBacklogHigh"),
      sampler: async () => current,
      notifiers: [recorder],
      clock: () => now,
      instance: "mx1",
      metrics,
    });
    const backlog = [0, 50, 150, 400, 900, 1200, 800, 300, 50, 20, 5, 5, 5, 5, 5, 0];
    for (let i = 0; i < backlog.length; i++) {
      now = T0 + i * 5000;
      current = queueSamples(backlog[i]!, i * 3, 10, 2);
      await manager.evaluate();
      if (i === 5) {
        assert.equal(await gauge("FloodgateScanBacklogHigh"), 1);
        assert.deepEqual(
          manager.firing().map((a) => [a.alertname, a.severity, a.value]),
          [["FloodgateScanBacklogHigh", "warning", 1200]],
        );
      }
    }
    assert.deepEqual(
      recorder.seen.map((n) => [
        n.status,
        n.repeat,
        n.value,
        (n.startsAt - T0) / 1000,
        n.endsAt === null ? null : (n.endsAt - T0) / 1000,
      ]),
      [
        ["firing", false, 900, 20, null],
        ["resolved", false, 5, 20, 70],
      ],
    );
    assert.equal(recorder.seen[0]!.summary, "Heavy-scan backlog is 900 jobs (alert at 100)");
    assert.equal(
      recorder.seen[0]!.description,
      "backlog 900 jobs, oldest waiting 12 s, arrivals 10.00/s, completions 2.00/s",
    );
    assert.equal(await gauge("FloodgateScanBacklogHigh"), 0);
    assert.deepEqual(manager.firing(), []);
  });

  void test("a failing sampler skips the round and keeps the alerts' state", async () => {
    const config = defaultConfig();
    config.alerts.oldestJobAgeSeconds = { enabled: true, high: 60, low: 10, forSeconds: 0, clearForSeconds: 0 };
    let fail = false;
    const recorder = new Recorder();
    const manager = new AlertManager({
      rules: builtInRules(config.alerts).filter((r) => r.name === "FloodgateScanJobTooOld"),
      sampler: async () => {
        if (fail) throw new Error("redis down");
        return queueSamples(0, 100);
      },
      notifiers: [recorder],
      instance: "mx1",
    });
    await manager.evaluate(T0);
    fail = true;
    assert.deepEqual(await manager.evaluate(T0 + 5000), []);
    assert.deepEqual(
      manager.firing().map((a) => a.alertname),
      ["FloodgateScanJobTooOld"],
    );
    assert.deepEqual(
      recorder.seen.map((n) => [n.alertname, n.severity, n.status]),
      [["FloodgateScanJobTooOld", "critical", "firing"]],
    );
  });

  void test("with a live configuration, a reload changes thresholds keeping state, and disabling a firing rule resolves it", async () => {
    const env: NodeJS.ProcessEnv = {
      FLOODGATE__ALERTS__BACKLOG: '{"high": 1000, "low": 10, "forSeconds": 0, "clearForSeconds": 0}',
    };
    const loaded = LiveConfig.load({ path: null, env });
    assert.ok(loaded.ok);
    const live = loaded.live;
    const manager = createAlertManager({
      alerts: live.current().alerts,
      sampler: async () => queueSamples(500),
      live,
      clock: () => T0,
      metrics,
    });
    try {
      assert.deepEqual(await manager.evaluate(T0), []);
      env["FLOODGATE__ALERTS__BACKLOG"] = '{"high": 100, "low": 10, "forSeconds": 0, "clearForSeconds": 0}';
      assert.ok(live.reload().ok);
      assert.deepEqual(
        (await manager.evaluate(T0 + 5000)).map((n) => [n.alertname, n.status]),
        [["FloodgateScanBacklogHigh", "firing"]],
      );
      // Between the new marks: still firing, no new edge.
      env["FLOODGATE__ALERTS__BACKLOG"] = '{"high": 600, "low": 10, "forSeconds": 0, "clearForSeconds": 0}';
      assert.ok(live.reload().ok);
      assert.deepEqual(await manager.evaluate(T0 + 10_000), []);
      assert.equal(manager.firing()[0]?.since, T0 + 5000);
      env["FLOODGATE__ALERTS__BACKLOG"] = '{"enabled": false}';
      assert.ok(live.reload().ok);
      assert.deepEqual(manager.firing(), []);
      assert.equal(await gauge("FloodgateScanBacklogHigh"), 0);
    } finally {
      await manager.stop();
    }
  });

  void test("backlog growth is the arrival rate minus the completion rate", async () => {
    const config = defaultConfig();
    config.alerts.backlogGrowth = { enabled: true, high: 5, low: 0, forSeconds: 0, clearForSeconds: 0 };
    const rule = builtInRules(config.alerts).find((r) => r.name === "FloodgateBacklogGrowing")!;
    assert.equal(rule.value(queueSamples(10, 0, 12, 4)), 8);
    assert.equal(rule.value({ ...queueSamples(10), arrivalRate: null }), null);
  });
});

void describe("Alertmanager webhook payload", () => {
  void test("has the version 4 shape, labels, annotations, times and a stable fingerprint", () => {
    const n: AlertNotification = {
      alertname: "FloodgateScanBacklogHigh",
      severity: "warning",
      status: "firing",
      repeat: false,
      instance: "mx1",
      value: 1200,
      summary: "s",
      description: "d",
      startsAt: T0,
      endsAt: null,
    };
    const firing = alertmanagerPayload(n, { receiver: "floodgate", externalURL: "http://127.0.0.1:9464/status" });
    const labels = {
      alertname: "FloodgateScanBacklogHigh",
      severity: "warning",
      service: "floodgate",
      instance: "mx1",
    };
    assert.deepEqual(firing, {
      version: "4",
      groupKey: '{}:{alertname="FloodgateScanBacklogHigh"}',
      truncatedAlerts: 0,
      status: "firing",
      receiver: "floodgate",
      groupLabels: { alertname: "FloodgateScanBacklogHigh" },
      commonLabels: labels,
      commonAnnotations: { summary: "s", description: "d" },
      externalURL: "http://127.0.0.1:9464/status",
      alerts: [
        {
          status: "firing",
          labels,
          annotations: { summary: "s", description: "d" },
          startsAt: "2026-01-01T00:00:00.000Z",
          endsAt: ZERO_TIME,
          generatorURL: "http://127.0.0.1:9464/status",
          fingerprint: firing.alerts[0]!.fingerprint,
        },
      ],
    });
    assert.match(firing.alerts[0]!.fingerprint, /^[0-9a-f]{16}$/);
    const resolved = alertmanagerPayload(
      { ...n, status: "resolved", endsAt: T0 + 60_000 },
      { receiver: "r", externalURL: "" },
    );
    assert.equal(resolved.alerts[0]!.endsAt, "2026-01-01T00:01:00.000Z");
    assert.equal(resolved.alerts[0]!.fingerprint, firing.alerts[0]!.fingerprint);
    const other = alertmanagerPayload({ ...n, instance: "mx2" }, { receiver: "r", externalURL: "" });
    assert.notEqual(other.alerts[0]!.fingerprint, firing.alerts[0]!.fingerprint);
  });
});

void describe("deploy/prometheus-rules.yml", () => {
  interface Rule {
    alert?: string;
    expr: string;
    for?: string;
    keep_firing_for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }
  const file = parse(readFileSync(join(projectRoot, "deploy", "prometheus-rules.yml"), "utf8")) as {
    groups: { name: string; rules: Rule[] }[];
  };
  const rules = file.groups.flatMap((g) => g.rules).filter((r) => r.alert);
  const seconds = (d: string | undefined) => {
    const m = /^(\d+)([smh])$/.exec(d ?? "");
    assert.ok(m, `not a duration: ${d}`);
    return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
  };

  void test("names exactly the built-in alerts, with the same severities", () => {
    assert.deepEqual(rules.map((r) => r.alert).sort(), [...BUILT_IN_ALERT_NAMES].sort());
    const builtIn = new Map(builtInRules(defaultConfig().alerts, { mtaQueue: true }).map((r) => [r.name, r]));
    for (const r of rules) {
      assert.equal(r.labels?.["severity"], builtIn.get(r.alert!)?.severity, r.alert);
      assert.equal(r.labels?.["service"], "floodgate", r.alert);
      assert.ok(r.annotations?.["summary"] && r.annotations["description"], r.alert);
      assert.ok(r.expr.includes("floodgate_"), r.alert);
    }
  });

  void test("every rule has for and keep_firing_for, equal to the default hold times of the built-in thresholds", () => {
    const a = defaultConfig().alerts;
    const holds: Record<string, { forSeconds: number; clearForSeconds: number; low: number; high: number }> = {
      FloodgateScanBacklogHigh: a.backlog,
      FloodgateScanJobTooOld: a.oldestJobAgeSeconds,
      FloodgateBacklogGrowing: a.backlogGrowth,
      FloodgateRejectRatioHigh: a.watchdog.rejectRatio,
      FloodgateTempfailRatioHigh: a.watchdog.tempfailRatio,
      FloodgateQueueUnobservable: a.queueUnobservable,
      FloodgateScanJobsFailing: a.scanJobsFailing,
      FloodgateRedisDown: a.redisDown,
      FloodgateFailModeHigh: a.failModes,
      FloodgatePoolSaturated: a.poolSaturated,
      FloodgateAlertsUndelivered: a.undelivered,
      FloodgateMtaDeferredHigh: a.mtaQueue.deferred,
      FloodgateMtaMessageOld: a.mtaQueue.oldestMessageSeconds,
      FloodgateMtaHoldHigh: a.mtaQueue.hold,
      FloodgateMtaQueueUnobservable: a.mtaQueue.unobservableSeconds,
    };
    for (const r of rules) {
      assert.ok(r.for !== undefined && r.keep_firing_for !== undefined, `${r.alert} lacks for or keep_firing_for`);
      const h = holds[r.alert!];
      if (!h) continue;
      assert.equal(seconds(r.for), h.forSeconds, `${r.alert} for`);
      assert.equal(seconds(r.keep_firing_for), h.clearForSeconds, `${r.alert} keep_firing_for`);
      assert.ok(r.expr.includes(`>= ${h.high}`), `${r.alert}: high mark ${h.high}`);
      assert.ok(r.expr.includes(`> ${h.low}`), `${r.alert}: low mark ${h.low}`);
      assert.ok(
        r.expr.includes(`ALERTS{alertname="${r.alert}", alertstate="firing"}`),
        `${r.alert}: hysteresis clause`,
      );
      if ("windowSeconds" in h && "minEvents" in h) {
        const window = h.windowSeconds as number;
        assert.ok(r.expr.includes(`[${window / 60}m]`), `${r.alert}: window ${window} s`);
        assert.ok(r.expr.includes(`>= ${h.minEvents as number}`), `${r.alert}: at least ${h.minEvents as number}`);
      }
    }
  });
});

void describe("the alerts for the ways filtering stops silently", () => {
  /** A manager over one named rule of the defaults (with `tweak` applied), fed by `samples` at 5 s steps. */
  function one(name: string, tweak: (a: ReturnType<typeof defaultConfig>["alerts"]) => void = () => undefined) {
    const config = defaultConfig();
    tweak(config.alerts);
    const recorder = new Recorder();
    let current: Samples = queueSamples(0);
    const manager = new AlertManager({
      rules: builtInRules(config.alerts, { mtaQueue: true }).filter((r) => r.name === name),
      sampler: async () => current,
      notifiers: [recorder],
      instance: "mx1",
    });
    let second = 0;
    return {
      recorder,
      manager,
      step: async (samples: Samples, seconds = 5) => {
        second += seconds;
        current = samples;
        return manager.evaluate(T0 + second * 1000);
      },
    };
  }
  const redis = (unreachableSeconds: number): Samples => ({
    ...queueSamples(0),
    redis: { reachable: unreachableSeconds === 0, unreachableSeconds, lastError: unreachableSeconds ? "down" : null },
  });

  void test("FloodgateRedisDown: critical once Redis has not answered for redisDown.high seconds, resolved after it answers for clearForSeconds", async () => {
    const { recorder, step } = one("FloodgateRedisDown");
    for (const s of [0, 5, 9]) assert.deepEqual(await step(redis(s)), []);
    assert.deepEqual(
      (await step(redis(14))).map((n) => [n.status, n.severity]),
      [["firing", "critical"]],
    );
    assert.deepEqual(await step({ ...redis(14), redis: null }), [], "no probe result: no evidence either way");
    assert.deepEqual(await step(redis(0)), [], "answered once: clearing, not yet resolved");
    assert.deepEqual(
      (await step(redis(0), 10)).map((n) => n.status),
      ["resolved"],
    );
    assert.equal(recorder.seen.length, 2);
  });

  void test("FloodgateRedisRefusingWrites: critical after redisRefusingWrites.high seconds of refusals, labelled with the reason", async () => {
    const { recorder, step } = one("FloodgateRedisRefusingWrites");
    const refusing = (seconds: number, reason: "readonly" | "oom" = "readonly"): Samples => ({
      ...queueSamples(0),
      redisWrites:
        seconds > 0
          ? {
              refusing: true,
              reason,
              refusingSeconds: seconds,
              lastError: "READONLY You can't write against a read only replica.",
            }
          : { refusing: false, reason: null, refusingSeconds: 0, lastError: null },
    });
    assert.deepEqual(await step(refusing(2)), []);
    const [firing] = await step(refusing(7));
    assert.deepEqual([firing?.status, firing?.severity], ["firing", "critical"]);
    assert.deepEqual(firing?.labels, { reason: "readonly" });
    assert.match(firing?.summary ?? "", /refused writes for 7 s/);
    assert.match(
      firing?.description ?? "",
      /^Redis said: READONLY You can't write against a read only replica\. READONLY: a/,
    );
    assert.deepEqual(await step({ ...refusing(9), redisWrites: null }), [], "not probed: no evidence either way");
    assert.deepEqual(await step(refusing(0)), []);
    assert.deepEqual(
      (await step(refusing(0), 10)).map((n) => [n.status, n.labels]),
      [["resolved", { reason: "readonly" }]],
    );
    assert.equal(recorder.seen.length, 2);
  });

  void test("FloodgateRedisMemoryHigh: a warning at 80% of maxmemory held for a minute, cleared under 70%", async () => {
    const { step } = one("FloodgateRedisMemoryHigh");
    const memory = (ratio: number | null): Samples => ({
      ...queueSamples(0),
      redisMemory: { usedBytes: Math.round((ratio ?? 0) * 1024 ** 3), maxBytes: ratio === null ? 0 : 1024 ** 3, ratio },
    });
    assert.deepEqual(await step(memory(null)), [], "no maxmemory: nothing to alert on");
    assert.deepEqual(await step(memory(0.85)), [], "held for forSeconds first");
    const [firing] = await step(memory(0.86), 60);
    assert.deepEqual([firing?.status, firing?.severity], ["firing", "warning"]);
    assert.match(firing?.summary ?? "", /uses 86% of its maxmemory/);
    assert.deepEqual(await step(memory(0.75), 300), [], "between the marks: still firing");
    assert.deepEqual(await step(memory(0.6)), []);
    assert.deepEqual(
      (await step(memory(0.6), 120)).map((n) => n.status),
      ["resolved"],
    );
  });

  void test("FloodgateFailModeHigh: the share over the window, labelled with the main reason from firing to resolved", async () => {
    const { recorder, manager, step } = one("FloodgateFailModeHigh", (a) => {
      a.failModes = { ...a.failModes, forSeconds: 0, clearForSeconds: 0 };
    });
    const window = (total: number, byKey: Record<string, number>): Samples => ({
      ...queueSamples(0),
      failModes: { seconds: 120, total, byKey },
    });
    assert.deepEqual(await step(window(8, { "redis-down": 8 })), [], "fewer than minEvents messages: not judged");
    const [firing] = await step(window(40, { "redis-down": 30, "pool-timeout": 6 }));
    assert.equal(firing?.status, "firing");
    assert.deepEqual(firing?.labels, { reason: "redis-down" });
    assert.match(firing.summary, /^90% of messages were decided by a fail mode over 120 s/);
    assert.match(firing.description, /by reason: redis-down 75%, pool-timeout 15%/);
    assert.deepEqual(manager.firing()[0]?.labels, { reason: "redis-down" });
    // The main reason changes while it fires: the label does not (Alertmanager tells alerts apart by their labels).
    assert.deepEqual(await step(window(40, { "pool-timeout": 30 })), []);
    const [resolved] = await step(window(100, { "pool-timeout": 2 }));
    assert.equal(resolved?.status, "resolved");
    assert.deepEqual(resolved?.labels, { reason: "redis-down" });
    assert.deepEqual(alertmanagerPayload(resolved, { receiver: "r", externalURL: "" }).alerts[0]!.labels, {
      reason: "redis-down",
      alertname: "FloodgateFailModeHigh",
      severity: "critical",
      service: "floodgate",
      instance: "mx1",
    });
    assert.equal(recorder.seen.length, 2);
  });

  void test("FloodgateFailModeHigh on the defaults: over 120 s, fires once 25% is held 30 s, resolves once 5% is held 60 s", async () => {
    const a = defaultConfig().alerts.failModes;
    assert.deepEqual(
      { ...a },
      { enabled: true, high: 0.25, low: 0.05, forSeconds: 30, clearForSeconds: 60, windowSeconds: 120, minEvents: 10 },
    );
    const { recorder, step } = one("FloodgateFailModeHigh");
    const share = (failed: number): Samples => ({
      ...queueSamples(0),
      failModes: { seconds: 120, total: 100, byKey: { "redis-down": failed } },
    });
    assert.deepEqual(await step(share(25)), [], "at the high mark: held for forSeconds first");
    assert.deepEqual(await step(share(60), 25), [], "25 s held");
    assert.deepEqual(
      (await step(share(40), 5)).map((n) => n.status),
      ["firing"],
      "30 s held",
    );
    assert.deepEqual(await step(share(5)), [], "at the low mark: held for clearForSeconds first");
    assert.deepEqual(await step(share(6), 30), [], "above the low mark again: the clear timer restarts");
    assert.deepEqual(await step(share(0)), []);
    assert.deepEqual(await step(share(0), 55), [], "55 s held");
    assert.deepEqual(
      (await step(share(0), 5)).map((n) => n.status),
      ["resolved"],
      "60 s held",
    );
    assert.equal(recorder.seen.length, 2);
  });

  void test("FloodgatePoolSaturated: refusals and timeouts of the pool over the window", async () => {
    const { step } = one("FloodgatePoolSaturated", (a) => {
      a.poolSaturated = { ...a.poolSaturated, forSeconds: 0 };
    });
    const pool = (total: number, byKey: Record<string, number>): Samples => ({
      ...queueSamples(0),
      pool: { seconds: 120, total, byKey },
    });
    assert.deepEqual(await step(pool(100, { timeout: 10 })), []);
    const [firing] = await step(pool(100, { timeout: 20, "pool-full": 10 }));
    assert.equal(firing?.severity, "warning");
    assert.match(firing.summary, /refused or timed out 30% of messages/);
  });

  void test("FloodgateConfigReloadRefused: one-shot, never repeated, resolved by the next reload that applies", async () => {
    const { recorder, step } = one("FloodgateConfigReloadRefused", (a) => {
      a.repeatSeconds = 1;
    });
    const reload = (ok: boolean): Samples => ({
      ...queueSamples(0),
      reload: { ok, at: T0, errors: ok ? [] : ["milter.listen[0]: must be inet:HOST:PORT"] },
    });
    assert.deepEqual(await step({ ...queueSamples(0), reload: null }), [], "no reload yet");
    const [firing] = await step(reload(false));
    assert.match(firing!.description, /milter\.listen\[0\]: must be inet:HOST:PORT/);
    for (let i = 0; i < 5; i++) assert.deepEqual(await step(reload(false), 60), [], "no reminder");
    assert.deepEqual(
      (await step(reload(true))).map((n) => n.status),
      ["resolved"],
    );
    assert.equal(recorder.seen.length, 2);
  });

  void test("a queue alert firing when the queue became unobservable keeps its state and resolves only on evidence", async () => {
    const { step, manager } = one("FloodgateScanBacklogHigh", (a) => {
      a.backlog = { enabled: true, high: 100, low: 10, forSeconds: 0, clearForSeconds: 10 };
    });
    await step(queueSamples(500));
    await step(queueSamples(5)); // clearing
    for (let i = 0; i < 10; i++) assert.deepEqual(await step(queueSamples(null)), [], "Redis down: no evidence");
    assert.equal(manager.firing()[0]?.alertname, "FloodgateScanBacklogHigh");
    await step(queueSamples(5));
    assert.deepEqual(
      (await step(queueSamples(5), 10)).map((n) => n.status),
      ["resolved"],
      "the clear hold restarts once there is evidence again",
    );
  });

  void test("FloodgateScanJobsFailing: finished jobs that failed for good; unknown while the queue is unobservable", () => {
    const rule = builtInRules(defaultConfig().alerts).find((r) => r.name === "FloodgateScanJobsFailing")!;
    const jobs = (completed: number, failed: number, lastError: string | null = null): Samples => ({
      ...queueSamples(0),
      scanQueue: {
        stats: null,
        unobservableSeconds: 0,
        lastError,
        jobs: { seconds: 600, completed, failed, lastFailure: "spamd: connect ECONNREFUSED" },
      },
    });
    assert.equal(rule.value(jobs(0, 12)), 1);
    assert.equal(rule.value(jobs(0, 2)), 0, "fewer than minEvents jobs");
    assert.equal(rule.value(jobs(0, 12, "redis down")), null);
    assert.match(rule.description(jobs(0, 12)), /last failure: spamd: connect ECONNREFUSED/);
  });

  void test("FloodgateAlertsUndelivered reads what waits for delivery, which the manager adds to every sample", async () => {
    const { step } = one("FloodgateAlertsUndelivered", (a) => {
      a.undelivered = { enabled: true, high: 0, low: 0, forSeconds: 0, clearForSeconds: 0 };
    });
    const [firing] = await step(queueSamples(0));
    assert.match(firing!.description, /^0 notifications waiting \(the spool keeps 1000/);
  });
});

void describe('README "When mail stops"', () => {
  void test("names every built-in alert with its severity", () => {
    const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
    const start = readme.indexOf("## When mail stops");
    assert.ok(start >= 0, "the section exists");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    for (const rule of builtInRules(defaultConfig().alerts, { mtaQueue: true })) {
      assert.match(
        section,
        new RegExp(`\`${rule.name}(\\{reason\\})?\` \\(${rule.severity}`),
        `${rule.name} is documented as ${rule.severity}`,
      );
    }
    assert.equal(builtInRules(defaultConfig().alerts, { mtaQueue: true }).length, BUILT_IN_ALERT_NAMES.length);
  });
});
