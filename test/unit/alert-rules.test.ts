// The built-in alert rules: the AlertManager's edges and notifications from a hand-driven sampler, the Alertmanager
// payload shape, and deploy/prometheus-rules.yml naming the same alerts with the same hold times.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { defaultConfig } from "../../src/config/schema.js";
import { AlertManager, createAlertManager } from "../../src/ops/alerts/manager.js";
import { LiveConfig } from "../../src/config/live.js";
import { BUILT_IN_ALERT_NAMES, builtInRules, type Samples } from "../../src/ops/alerts/rules.js";
import {
  alertmanagerPayload,
  ZERO_TIME,
  type AlertNotification,
  type Notifier,
} from "../../src/ops/alerts/notification.js";
import { registry } from "../../src/metrics/metrics.js";
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
  const metric = await registry.getSingleMetric("floodgate_alerts_firing")?.get();
  return metric?.values.find((v) => v.labels["alertname"] === alertname)?.value;
}

void describe("built-in alert rules", () => {
  void test("every built-in name has a rule, and disabled rules are left out", () => {
    const config = defaultConfig();
    assert.deepEqual(
      builtInRules(config.alerts).map((r) => r.name),
      [...BUILT_IN_ALERT_NAMES],
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
    const builtIn = new Map(builtInRules(defaultConfig().alerts).map((r) => [r.name, r]));
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
    }
  });
});
