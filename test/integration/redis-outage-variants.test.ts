/**
 * The Redis outage again, with a second thing wrong: the fingerprint pool misconfigured so that messages never reach
 * Redis (the alert must come from the probe, not from the mail path), the scan workers stopped with a backlog and
 * Redis frozen (SIGSTOP: the queue alerts keep their state through the outage and resolve only once the queue says
 * so), and the webhook receiver down during the outage (the notifications wait in the spool and arrive, in order,
 * once it is back). Each ends with `/readyz` 200 and `floodgate status` 0 once everything is mended.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { startTestRedis } from "../support/redis.js";
import { metricValue, startDaemonProcess } from "../support/daemon.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";
import { pollUntil } from "../support/poll.js";
import { cleanupsAfter } from "../support/cleanups.js";
import {
  startWorkerCommand,
  edgesOf,
  floodgateStatus,
  notificationsFor,
  readyz,
  received,
  startRedisAndReceiver,
  statusDocument,
} from "../support/alerts.js";
import { sendMessages } from "../support/mail-flood.js";

const SHORT = { high: 2, low: 0, forSeconds: 0, clearForSeconds: 1 };
const SHARE = { high: 0.5, low: 0.1, forSeconds: 0, clearForSeconds: 0, windowSeconds: 10, minEvents: 5 };

/** The spool files of a state directory's alert-spool (not the temporary files a write renames into place). */
function spoolFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith("alert-spool-"));
}

/** Every spool file's text; a file renamed away meanwhile is skipped. */
function spoolText(dir: string): string {
  return spoolFiles(dir)
    .map((f) => {
      try {
        return readFileSync(join(dir, f), "utf8");
      } catch {
        return "";
      }
    })
    .join("");
}

/** Poll `floodgate status` until it exits with `code`; the last output in the failure message. */
async function statusExits(metricsUrl: string, code: number): Promise<void> {
  let last = "";
  await pollUntil(`floodgate status to exit ${code}`, async () => {
    const s = await floodgateStatus(metricsUrl);
    last = s.stdout;
    return s.code === code;
  }).catch((error: Error) => assert.fail(`${error.message}\n${last}`));
}

describe("Redis down with a second thing wrong", () => {
  const cleanups = cleanupsAfter();

  test("the fingerprint pool misconfigured: messages never reach Redis, FloodgateRedisDown comes from the probe", async () => {
    const { redis, hook } = await startRedisAndReceiver(cleanups);
    const daemon = await startDaemonProcess(
      {
        redis: { url: redis.url },
        policy: { failMode: "tempfail" },
        worker: { processes: 0 },
        // The misconfiguration: the full MIME parser within a millisecond, waiting included, for messages padded with
        // 64 KiB of words (a warm thread can fingerprint a short message in under a millisecond).
        fingerprint: { taskTimeoutMs: 1, parser: "mailparser" },
        alerts: {
          evaluateIntervalMs: 250,
          webhooks: [{ url: hook.url, backoffMs: 100 }],
          redisDown: SHORT,
          failModes: SHARE,
          poolSaturated: SHARE,
        },
      },
      { waitFor: "alive" },
    );
    cleanups.push(() => daemon.stop());

    const before = await sendMessages(daemon.milter, 10, 0, 64);
    const poolFailed = before.filter((o) => /reason=pool-timeout/.test(o.status));
    assert.ok(poolFailed.length >= 8, `most messages time out in the pool: ${JSON.stringify(before)}`);
    await pollUntil("FloodgatePoolSaturated", () => received(hook.bodies, "FloodgatePoolSaturated", "firing"));
    await pollUntil("FloodgateFailModeHigh", () => received(hook.bodies, "FloodgateFailModeHigh", "firing"));
    assert.equal(
      notificationsFor(hook.bodies, "FloodgateFailModeHigh")[0]!.alerts[0]!.labels["reason"],
      "pool-timeout",
    );

    await redis.pause();
    const during = await sendMessages(daemon.milter, 5, 10, 64);
    assert.ok(
      during.every((o) => !/redis/.test(o.status)),
      "no message reached Redis: the mail path cannot tell it is down",
    );
    await pollUntil("FloodgateRedisDown", () => received(hook.bodies, "FloodgateRedisDown", "firing"));
    const down = await readyz(daemon.metricsUrl);
    assert.equal(down.code, 503);
    assert.match(String(down.checks["redis"]), /^unreachable/);
    assert.match(String(down.checks["pool"]), /refused or timed out \d+% of messages/);
    await statusExits(daemon.metricsUrl, 2);

    await redis.resume();
    await pollUntil("FloodgateRedisDown resolved", () => received(hook.bodies, "FloodgateRedisDown", "resolved"));
    assert.equal((await readyz(daemon.metricsUrl)).checks["redis"], true);

    // The operator mends the configuration; a reload applies it to the pool.
    const config = parse(readFileSync(daemon.configPath, "utf8")) as Record<string, Record<string, unknown>>;
    delete config["fingerprint"];
    writeFileSync(daemon.configPath, stringify(config));
    daemon.process.kill("SIGHUP");
    await pollUntil(
      "the reload",
      async () => (await metricValue(daemon.metricsUrl, "floodgate_config_reloads_total", { result: "ok" })) === 1,
    );
    let offset = 15;
    await pollUntil(
      "FloodgateFailModeHigh and FloodgatePoolSaturated resolved",
      async () => {
        const sent = await sendMessages(daemon.milter, 5, offset);
        offset += 5;
        assert.ok(
          sent.every((o) => !o.status.includes("skipped")),
          `filtered again: ${JSON.stringify(sent)}`,
        );
        return (
          received(hook.bodies, "FloodgateFailModeHigh", "resolved") &&
          received(hook.bodies, "FloodgatePoolSaturated", "resolved")
        );
      },
      60_000,
      1000,
    );
    await pollUntil("/readyz 200", async () => (await readyz(daemon.metricsUrl)).code === 200);
    await statusExits(daemon.metricsUrl, 0);
    for (const alert of ["FloodgateRedisDown", "FloodgateFailModeHigh", "FloodgatePoolSaturated"])
      assert.deepEqual(edgesOf(hook.bodies, alert), ["firing", "resolved"], alert);
  });

  test("the scan workers stopped and Redis frozen: the backlog alert keeps its state through the outage", async () => {
    const redis = await startTestRedis();
    cleanups.push(async () => {
      redis.process.kill("SIGCONT");
      await redis.stop();
    });
    const hook = await startWebhookReceiver();
    cleanups.push(() => hook.close());
    const daemon = await startDaemonProcess({
      redis: { url: redis.url },
      worker: { processes: 0, scanners: [{ type: "builtin" }] },
      queue: { scanAtCopies: 1 },
      policy: { holdBulk: false },
      alerts: {
        evaluateIntervalMs: 250,
        webhooks: [{ url: hook.url, backoffMs: 100 }],
        redisDown: SHORT,
        queueUnobservable: SHORT,
        failModes: SHARE,
        backlog: { high: 5, low: 0, forSeconds: 0, clearForSeconds: 1 },
        oldestJobAgeSeconds: { enabled: false },
        backlogGrowth: { enabled: false },
      },
    });
    cleanups.push(() => daemon.stop());

    // Distinct messages: one campaign and one scan job each, and no worker process to take them.
    await sendMessages(daemon.milter, 10);
    await pollUntil("FloodgateScanBacklogHigh", () => received(hook.bodies, "FloodgateScanBacklogHigh", "firing"));

    redis.process.kill("SIGSTOP");
    await pollUntil("FloodgateRedisDown", () => received(hook.bodies, "FloodgateRedisDown", "firing"));
    await pollUntil("FloodgateQueueUnobservable", () => received(hook.bodies, "FloodgateQueueUnobservable", "firing"));
    const during = await statusDocument(daemon.metricsUrl);
    assert.match(String((during["errors"] as Record<string, string>)["queue"]), /the scan queue cannot be sampled/);
    assert.ok(
      during.alerts.some((a) => a.alertname === "FloodgateScanBacklogHigh"),
      "still firing in /status",
    );
    await new Promise((r) => setTimeout(r, 3000)); // a dozen evaluations without evidence
    assert.deepEqual(edgesOf(hook.bodies, "FloodgateScanBacklogHigh"), ["firing"], "no resolution without evidence");
    await statusExits(daemon.metricsUrl, 2);
    assert.equal((await readyz(daemon.metricsUrl)).code, 503);

    redis.process.kill("SIGCONT");
    await pollUntil("FloodgateRedisDown resolved", () => received(hook.bodies, "FloodgateRedisDown", "resolved"));
    await pollUntil("FloodgateQueueUnobservable resolved", () =>
      received(hook.bodies, "FloodgateQueueUnobservable", "resolved"),
    );
    // Redis kept its data: the backlog is still there, and so is the alert.
    assert.deepEqual(edgesOf(hook.bodies, "FloodgateScanBacklogHigh"), ["firing"]);

    startWorkerCommand(daemon.configPath, redis.url, cleanups);
    await pollUntil("FloodgateScanBacklogHigh resolved once the backlog drained", () =>
      received(hook.bodies, "FloodgateScanBacklogHigh", "resolved"),
    );
    await pollUntil("/readyz 200", async () => (await readyz(daemon.metricsUrl)).code === 200);
    await statusExits(daemon.metricsUrl, 0);
  });

  test("the webhook receiver down during the outage: the alerts wait in the spool and arrive once it is back", async () => {
    const redis = await startTestRedis();
    cleanups.push(() => redis.stop());
    const bodies: unknown[] = [];
    let hook = await startWebhookReceiver({ bodies });
    const port = hook.port;
    const stateDir = mkdtempSync(join(tmpdir(), "fg-state-"));
    cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const daemon = await startDaemonProcess(
      {
        redis: { url: redis.url },
        worker: { processes: 0 },
        alerts: {
          evaluateIntervalMs: 250,
          webhooks: [{ url: hook.url, backoffMs: 100, maxBackoffMs: 500 }],
          redisDown: SHORT,
          undelivered: { high: 2, low: 0, forSeconds: 0, clearForSeconds: 0 },
        },
      },
      { stateDir },
    );
    cleanups.push(() => daemon.stop());
    await hook.close();

    await redis.pause();
    const spool = join(stateDir, "alert-spool");
    await pollUntil("FloodgateRedisDown in the spool file", () => spoolText(spool).includes("FloodgateRedisDown"));
    await pollUntil("FloodgateAlertsUndelivered firing in /status", async () =>
      (await statusDocument(daemon.metricsUrl)).alerts.some((a) => a.alertname === "FloodgateAlertsUndelivered"),
    );
    const status = await floodgateStatus(daemon.metricsUrl);
    assert.equal(status.code, 2);
    assert.match(status.stdout, /alert notifications undelivered: \d+, the oldest waiting/);
    await redis.resume();
    await pollUntil("FloodgateRedisDown resolved in /status", async () =>
      (await statusDocument(daemon.metricsUrl)).alerts.every((a) => a.alertname !== "FloodgateRedisDown"),
    );
    assert.equal(bodies.length, 0, "nothing could be delivered");

    hook = await startWebhookReceiver({ port, bodies });
    cleanups.push(() => hook.close());
    await pollUntil("FloodgateRedisDown firing and resolved at the receiver", () =>
      received(bodies, "FloodgateRedisDown", "resolved"),
    );
    assert.deepEqual(edgesOf(bodies, "FloodgateRedisDown"), ["firing", "resolved"], "in order, once each");
    await pollUntil("FloodgateAlertsUndelivered resolved", () =>
      received(bodies, "FloodgateAlertsUndelivered", "resolved"),
    );
    await pollUntil("the spool file removed", () => spoolFiles(spool).length === 0);
    await pollUntil("/readyz 200", async () => (await readyz(daemon.metricsUrl)).code === 200);
    await statusExits(daemon.metricsUrl, 0);
  });
});
