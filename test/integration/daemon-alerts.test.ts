/**
 * Operations scenarios on the real daemon: workers stopped and a flood sent → the backlog alert reaches a local
 * webhook once, and its resolution once after a worker drains the queue; every message rejected → the reject-ratio
 * and no-accepted-mail alerts fire; SIGHUP with a broken file keeps serving on the old configuration and fires
 * FloodgateConfigReloadRefused once, and a valid reload resolves it and switches shadow mode without dropping the
 * session; a scanner that fails every job → FloodgateScanJobsFailing names the failure.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { MilterClient } from "../../src/client/milter-client.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import { metricValue, runCli, startDaemonProcess } from "../support/daemon.js";
import { loadHam } from "../../src/lab/corpus.js";
import { notificationsFor, startRedisAndReceiver, startWorkerCommand } from "../support/alerts.js";
import { pollUntil } from "../support/poll.js";
import { cleanupsAfter } from "../support/cleanups.js";
import { freePort } from "../../src/util/tcp-port.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("alerting on the running daemon", () => {
  const cleanups = cleanupsAfter();

  test("backlog alert: fires once with workers stopped, resolves once after a worker drains the queue", async () => {
    const { redis, hook } = await startRedisAndReceiver(cleanups);
    const daemon = await startDaemonProcess({
      redis: { url: redis.url },
      scanWorker: { processes: 0, scanners: [{ type: "builtin" }] },
      // Every new campaign scanned at its first copy, so distinct messages make a backlog.
      queue: { scanAtCopies: 1 },
      policy: { holdBulk: false },
      alerts: {
        evaluateIntervalMs: 200,
        repeatSeconds: 3600,
        webhooks: [{ url: hook.url, backoffMs: 100 }],
        backlog: { high: 20, low: 0, forSeconds: 0, clearForSeconds: 0 },
        oldestJobAgeSeconds: { enabled: false },
        backlogGrowth: { enabled: false },
      },
    });
    cleanups.push(() => daemon.stop());

    // Distinct ham messages: one campaign and one scan job each, and no worker to take them.
    const client = await MilterClient.connect(daemon.milter);
    await client.open();
    for (const m of loadHam({ limit: 20 })) {
      const r = await client.transaction(rawToTestMessage(m.bytes, "list@example.org", ["user@box.lab"]));
      assert.equal(r.eom?.action, "continue");
    }
    await client.quit();
    await pollUntil(
      "the backlog alert to fire",
      () => notificationsFor(hook.bodies, "FloodgateScanBacklogHigh").length >= 1,
    );
    const [firing] = notificationsFor(hook.bodies, "FloodgateScanBacklogHigh");
    assert.equal(firing!.status, "firing");
    const alert = firing!.alerts.find((a) => a.labels["alertname"] === "FloodgateScanBacklogHigh")!;
    assert.equal(alert.status, "firing");
    assert.equal(alert.labels["service"], "floodgate");
    assert.ok(alert.annotations["summary"], "a summary says what is wrong");
    const status = await runCli(["status", "--url", daemon.metricsUrl]);
    assert.ok(
      status.code === 1 || status.code === 2,
      `floodgate status exits non-zero while an alert fires:\n${status.stdout}`,
    );
    assert.match(status.stdout, /alert/);

    // A worker process, as an operator would start one: the backlog drains and the alert resolves once.
    startWorkerCommand(daemon.configPath, redis.url, cleanups);
    await pollUntil("the backlog alert to resolve", () =>
      notificationsFor(hook.bodies, "FloodgateScanBacklogHigh").some((n) => n.status === "resolved"),
    );
    await sleep(1000); // several evaluations more: no repeat, no flapping
    const all = notificationsFor(hook.bodies, "FloodgateScanBacklogHigh").map((n) => n.status);
    assert.deepEqual(all, ["firing", "resolved"]);
    assert.ok((await metricValue(daemon.metricsUrl, "floodgate_scan_jobs", { state: "completed" })) >= 40);
  });

  test("every message rejected: reject-ratio and no-accepted-mail alerts fire; a broken reload keeps the old config", async () => {
    const { redis, hook } = await startRedisAndReceiver(cleanups);
    const daemon = await startDaemonProcess({
      redis: { url: redis.url },
      queue: { enabled: false },
      scanWorker: { processes: 0 },
      alerts: {
        evaluateIntervalMs: 200,
        webhooks: [{ url: hook.url, backoffMs: 100 }],
        watchdog: {
          noAcceptedSeconds: 2,
          noAcceptedMinSessions: 3,
          ratioWindowSeconds: 60,
          ratioMinMessages: 10,
          rejectRatio: { high: 0.5, low: 0.2, forSeconds: 0, clearForSeconds: 0 },
        },
      },
    });
    cleanups.push(() => daemon.stop());

    const [sample] = loadHam({ limit: 1 });
    const message = rawToTestMessage(sample!.bytes, "a@example.org", ["user@box.lab"]);
    // One accepted copy makes the campaign; block it; then every copy is rejected.
    let client = await MilterClient.connect(daemon.milter);
    await client.open();
    const first = await client.transaction(message);
    const id = (
      first.eom!.modifications.find((m) => "name" in m && m.name === "X-Floodgate-Campaign") as { value: string }
    ).value
      .trim()
      .split(";")[0]!;
    await client.quit();
    const blocked = await runCli(["block", id, "--redis", redis.url, "--config", daemon.configPath]);
    assert.equal(blocked.code, 0, blocked.stderr);
    for (let s = 0; s < 5; s++) {
      client = await MilterClient.connect(daemon.milter);
      await client.open();
      for (let i = 0; i < 5; i++) {
        const r = await client.transaction(message);
        assert.match(r.eom?.reply ?? "", /^550 5\.7\.1/);
      }
      await client.quit();
    }
    await pollUntil("reject ratio alert", () => notificationsFor(hook.bodies, "FloodgateRejectRatioHigh").length >= 1);
    await pollUntil(
      "no accepted mail alert",
      () => notificationsFor(hook.bodies, "FloodgateNoMailAccepted").length >= 1,
    );

    // A broken file on SIGHUP: refused, counted, alerted once, and mail is still decided on the running configuration.
    const good = readFileSync(daemon.configPath, "utf8");
    writeFileSync(daemon.configPath, good + '\nmilter:\n  listen: ["tcp:nowhere"]\n  bogus: 1\n');
    daemon.process.kill("SIGHUP");
    await pollUntil(
      "the reload to be refused",
      async () => (await metricValue(daemon.metricsUrl, "floodgate_config_reloads_total", { result: "refused" })) === 1,
    );
    await pollUntil("FloodgateConfigReloadRefused", () =>
      notificationsFor(hook.bodies, "FloodgateConfigReloadRefused").some((n) => n.status === "firing"),
    );
    const refused = notificationsFor(hook.bodies, "FloodgateConfigReloadRefused")[0]!.alerts[0]!;
    assert.match(
      refused.annotations["description"]!,
      /^refused at .+: line \d+: YAML: /,
      "the page lists the file's errors",
    );
    client = await MilterClient.connect(daemon.milter);
    await client.open();
    assert.match((await client.transaction(message)).eom?.reply ?? "", /^550 5\.7\.1/);

    // A valid reload switching shadow mode on applies to the next message of the same session.
    const config = parse(good) as Record<string, Record<string, unknown>>;
    config["policy"] = { ...(config["policy"] ?? {}), shadow: true };
    writeFileSync(daemon.configPath, stringify(config));
    daemon.process.kill("SIGHUP");
    await pollUntil(
      "the reload to apply",
      async () => (await metricValue(daemon.metricsUrl, "floodgate_config_reloads_total", { result: "ok" })) >= 1,
    );
    await pollUntil("FloodgateConfigReloadRefused resolved by the reload that applied", () =>
      notificationsFor(hook.bodies, "FloodgateConfigReloadRefused").some((n) => n.status === "resolved"),
    );
    assert.deepEqual(
      notificationsFor(hook.bodies, "FloodgateConfigReloadRefused").map((n) => n.status),
      ["firing", "resolved"],
      "one-shot: notified once",
    );
    const shadow = await client.transaction(message);
    assert.equal(shadow.eom?.action, "continue", "shadow mode never rejects");
    const status = shadow.eom.modifications.find((m) => "name" in m && m.name === "X-Floodgate-Status") as {
      value: string;
    };
    assert.match(status.value, /shadow-reject/);
    await client.quit();
  });

  test("a scanner that fails every job: FloodgateScanJobsFailing, naming the failure", async () => {
    const { redis, hook } = await startRedisAndReceiver(cleanups);
    const deadPort = await freePort();
    const daemon = await startDaemonProcess({
      redis: { url: redis.url },
      // spamd where nothing listens: every job fails, and with one attempt it fails for good at once.
      worker: {
        processes: 1,
        attempts: 1,
        scanners: [{ type: "spamd", host: "127.0.0.1", port: deadPort, timeoutMs: 1000 }],
      },
      queue: { scanAtCopies: 1 },
      policy: { holdBulk: false },
      alerts: {
        evaluateIntervalMs: 200,
        webhooks: [{ url: hook.url, backoffMs: 100 }],
        scanJobsFailing: { forSeconds: 0, windowSeconds: 60, minEvents: 3 },
      },
    });
    cleanups.push(() => daemon.stop());
    const client = await MilterClient.connect(daemon.milter);
    await client.open();
    for (const m of loadHam({ limit: 6 }).slice(0, 6)) {
      const r = await client.transaction(rawToTestMessage(m.bytes, "list@example.org", ["user@box.lab"]));
      assert.equal(r.eom?.action, "continue", "mail is not held up by the failing scanner");
    }
    await client.quit();
    await pollUntil("FloodgateScanJobsFailing", () =>
      notificationsFor(hook.bodies, "FloodgateScanJobsFailing").some((n) => n.status === "firing"),
    );
    const alert = notificationsFor(hook.bodies, "FloodgateScanJobsFailing")[0]!.alerts[0]!;
    assert.equal(alert.labels["severity"], "critical");
    assert.match(alert.annotations["description"]!, /last failure: .*(spamd|ECONNREFUSED)/);
    assert.ok((await metricValue(daemon.metricsUrl, "floodgate_scan_jobs_finished_total", { result: "failed" })) >= 3);
  });
});
