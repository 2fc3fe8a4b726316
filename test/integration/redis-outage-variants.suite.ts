/**
 * The Redis outage again, under both fail modes, with a second thing wrong: the fingerprint pool misconfigured so that
 * messages never reach Redis (the alert must come from the probe, not from the mail path), the scan workers stopped
 * with a backlog and Redis frozen (SIGSTOP: the queue alerts keep their state through the outage and resolve only once
 * the queue says so, and the exported gauges keep their last sample, so Prometheus' rules keep it too), and the
 * webhook receiver down during the outage (the notifications wait in the spool and arrive, in order, once it is back).
 * Redis stops before the daemon starts, or once mail flowed (in the middle of a flood but for the pool: its timer
 * lets some messages finish under load); FloodgateRedisDown keeps its default thresholds
 * (within 30 s of the stop). Each ends with `/readyz` 200 and `floodgate status` 0 once everything is mended. The
 * groups run one after another, beside the alarms' scenarios (redis-outage.test.ts); within a group, the scenarios
 * run side by side.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
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
  redisDownWithin30s,
  statusDocument,
  statusExits,
  type Place,
} from "../support/alerts.js";
import { sendMessages, startFlood, type Outcome } from "../support/mail-flood.js";

const FAIL_MODES = ["continue", "tempfail"] as const;
type FailMode = (typeof FAIL_MODES)[number];
const SHORT = { high: 2, low: 0, forSeconds: 0, clearForSeconds: 1 };
const SHARE = { high: 0.5, low: 0.1, forSeconds: 0, clearForSeconds: 0, windowSeconds: 10, minEvents: 5 };
/**
 * The pool's scenarios send no mail while they wait for FloodgateRedisDown (up to 30 s after Redis stops): their
 * window keeps the outage's messages over that wait, or the share would fall to nothing (fewer than `minEvents`) and
 * the fail-mode and pool alerts resolve, to fire again on the next messages.
 */
const POOL_SHARE = { ...SHARE, windowSeconds: 40 };

/** The scenarios of a group: each fail mode, with Redis stopped before the daemon starts or in a flood. */
const SCENARIOS = FAIL_MODES.flatMap((failMode) => [true, false].map((beforeStart) => ({ failMode, beforeStart })));
const keyOf = (s: { failMode: FailMode; beforeStart: boolean }) => `${s.failMode} ${s.beforeStart}`;
const when = (beforeStart: boolean) => (beforeStart ? "stopped before start" : "stopped in the middle of a flood");

/** What a message gets from the fail mode while Redis is away: labelled and passed, or tempfailed. */
function assertFailMode(outcomes: readonly Outcome[], failMode: FailMode): void {
  assert.ok(outcomes.length > 0, "messages were sent during the outage");
  for (const o of outcomes) {
    if (failMode === "continue") assert.match(o.status, /^skipped; reason=redis-(down|timeout)$/, JSON.stringify(o));
    else assert.match(o.reply, /^451 4\.7\.1 .*redis-(down|timeout)/, JSON.stringify(o));
  }
}

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

/** The places of the groups' scenarios in `places`: these keys, reserved before any scenario starts. */
export const variantPlaceKeys = [
  ...SCENARIOS.map((s) => `pool ${keyOf(s)}`),
  ...FAIL_MODES.map((f) => `frozen ${f}`),
  ...SCENARIOS.map((s) => `webhook ${keyOf(s)}`),
];

/**
 * The three groups, one after another in the places reserved for `variantPlaceKeys`, once `alarmsQuiet`: the alarms'
 * scenarios beside them have stopped their floods and only wait for their alerts. The pool's group first, with no
 * flood beside it (its millisecond is a timer, which fires late on a loaded machine).
 */
export function defineOutageVariants(places: ReadonlyMap<string, Place>, alarmsQuiet: () => Promise<void>): void {
  describe("the outage with a second thing wrong", { concurrency: false }, () => {
    before(() => alarmsQuiet());
    poolMisconfigured(places);
    scanWorkersStopped(places);
    webhookReceiverDown(places);
  });
}

function poolMisconfigured(places: ReadonlyMap<string, Place>): void {
  describe("Redis down with the fingerprint pool misconfigured", { concurrency: true }, () => {
    const cleanups = cleanupsAfter();

    for (const scenario of SCENARIOS) {
      const { failMode, beforeStart } = scenario;
      const stopped = beforeStart ? "stopped before start" : "stopped once mail flowed";
      test(`${stopped}, failMode ${failMode}: messages never reach Redis, the alert comes from the probe`, async () => {
        const { redis, hook, milterPort, metricsPort } = places.get(`pool ${keyOf(scenario)}`)!;
        if (beforeStart) await redis.pause();
        const startedAt = Date.now();
        const daemon = await startDaemonProcess(
          {
            redis: { url: redis.url },
            policy: { dependencyFailMode: failMode },
            scanWorker: { processes: 0 },
            // The misconfiguration: the full MIME parser within a millisecond, waiting included, for messages padded
            // with 64 KiB of words (a warm thread can fingerprint a short message in under a millisecond).
            fingerprint: { taskTimeoutMs: 1, parser: "mailparser" },
            alerts: { webhooks: [{ url: hook.url, backoffMs: 100 }], failModes: POOL_SHARE, poolSaturated: POOL_SHARE },
          },
          { waitFor: "alive", milterPort, metricsPort },
        );
        cleanups.push(() => daemon.stop());

        const first = await sendMessages(daemon.milter, 10, 0, 64);
        const poolFailed = first.filter((o) => /reason=pool-timeout/.test(o.status));
        assert.ok(poolFailed.length >= 8, `most messages time out in the pool: ${JSON.stringify(first)}`);
        await pollUntil("FloodgatePoolSaturated", () => received(hook.bodies, "FloodgatePoolSaturated", "firing"));
        await pollUntil("FloodgateFailModeHigh", () => received(hook.bodies, "FloodgateFailModeHigh", "firing"));
        assert.equal(
          notificationsFor(hook.bodies, "FloodgateFailModeHigh")[0]!.alerts[0]!.labels["reason"],
          "pool-timeout",
        );

        // Not a flood: the pool's millisecond is a timer, which on a loaded machine fires late enough for some
        // messages to finish, the more so the more mail is in flight; one message at a time keeps them few.
        let down = startedAt;
        if (!beforeStart) {
          await redis.pause();
          down = Date.now();
        }
        const during = await sendMessages(daemon.milter, 5, 10, 64);
        assert.ok(
          during.filter((o) => /reason=pool-timeout/.test(o.status)).length >= 3,
          `most messages do not reach Redis: the mail path cannot tell it is down: ${JSON.stringify(during)}`,
        );
        await redisDownWithin30s(hook.bodies, down, beforeStart ? "the start" : "the stop");
        // `/readyz` judges the pool on the last 15 s of mail: while messages keep failing in it.
        let offset = 15;
        const unready = await pollUntil("/readyz to name the pool", async () => {
          await sendMessages(daemon.milter, 5, offset, 64);
          offset += 5;
          const r = await readyz(daemon.metricsUrl);
          return /refused or timed out \d+% of messages/.test(String(r.checks["pool"])) && r;
        });
        assert.equal(unready.code, 503);
        assert.match(String(unready.checks["redis"]), /^unreachable/);
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
          120_000,
          1000,
        );
        await pollUntil("/readyz 200", async () => (await readyz(daemon.metricsUrl)).code === 200);
        await statusExits(daemon.metricsUrl, 0);
        for (const alert of ["FloodgateRedisDown", "FloodgateFailModeHigh", "FloodgatePoolSaturated"])
          assert.deepEqual(edgesOf(hook.bodies, alert), ["firing", "resolved"], alert);
      });
    }
  });
}

function scanWorkersStopped(places: ReadonlyMap<string, Place>): void {
  describe("Redis frozen with the scan workers stopped", { concurrency: true }, () => {
    const cleanups = cleanupsAfter();

    // Only once mail flowed: the backlog whose alert must keep its state is made while Redis answers.
    for (const failMode of FAIL_MODES) {
      test(`failMode ${failMode}: the backlog alert keeps its state through the outage`, async () => {
        const { redis, hook, milterPort, metricsPort } = places.get(`frozen ${failMode}`)!;
        cleanups.push(async () => void redis.process.kill("SIGCONT"));
        const daemon = await startDaemonProcess(
          {
            redis: { url: redis.url },
            policy: { dependencyFailMode: failMode, holdBulk: false },
            scanWorker: { processes: 0, scanners: [{ type: "builtin" }] },
            queue: { scanAtCopies: 1 },
            alerts: {
              // Evaluated often, so that a dozen rounds without evidence pass in seconds.
              evaluateIntervalMs: 250,
              webhooks: [{ url: hook.url, backoffMs: 100 }],
              queueUnobservable: SHORT,
              failModes: SHARE,
              backlog: { high: 5, low: 0, forSeconds: 0, clearForSeconds: 1 },
              oldestJobAgeSeconds: { enabled: false },
              backlogGrowth: { enabled: false },
            },
          },
          { milterPort, metricsPort },
        );
        cleanups.push(() => daemon.stop());

        // Distinct messages: one campaign and one scan job each, and no worker process to take them.
        await sendMessages(daemon.milter, 10);
        await pollUntil("FloodgateScanBacklogHigh", () => received(hook.bodies, "FloodgateScanBacklogHigh", "firing"));

        redis.process.kill("SIGSTOP");
        const down = Date.now();
        await redisDownWithin30s(hook.bodies, down, "the stop");
        await pollUntil("FloodgateQueueUnobservable", () =>
          received(hook.bodies, "FloodgateQueueUnobservable", "firing"),
        );
        const during = await statusDocument(daemon.metricsUrl);
        assert.match(String((during["errors"] as Record<string, string>)["queue"]), /the scan queue cannot be sampled/);
        assert.ok(
          during.alerts.some((a) => a.alertname === "FloodgateScanBacklogHigh"),
          "still firing in /status",
        );
        await new Promise((r) => setTimeout(r, 3000)); // a dozen evaluations without evidence
        assert.deepEqual(
          edgesOf(hook.bodies, "FloodgateScanBacklogHigh"),
          ["firing"],
          "no resolution without evidence",
        );
        let waiting = 0;
        for (const state of ["waiting", "prioritized", "delayed"])
          waiting += await metricValue(daemon.metricsUrl, "floodgate_scan_jobs", { state });
        assert.ok(
          waiting >= 5,
          `the exported backlog keeps its last sample (Prometheus' alert keeps its state): ${waiting}`,
        );
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
    }
  });
}

function webhookReceiverDown(places: ReadonlyMap<string, Place>): void {
  describe("Redis down with the webhook receiver down too", { concurrency: true }, () => {
    const cleanups = cleanupsAfter();

    for (const scenario of SCENARIOS) {
      const { failMode, beforeStart } = scenario;
      test(`${when(beforeStart)}, failMode ${failMode}: the alerts wait in the spool and arrive once it is back`, async () => {
        const place = places.get(`webhook ${keyOf(scenario)}`)!;
        const { redis, milterPort, metricsPort } = place;
        const bodies = place.hook.bodies;
        const port = place.hook.port;
        const stateDir = mkdtempSync(join(tmpdir(), "fg-state-"));
        cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
        await place.hook.close();
        if (beforeStart) await redis.pause();
        const daemon = await startDaemonProcess(
          {
            redis: { url: redis.url },
            policy: { dependencyFailMode: failMode },
            scanWorker: { processes: 0 },
            alerts: {
              webhooks: [{ url: place.hook.url, backoffMs: 100, maxBackoffMs: 500 }],
              undelivered: { high: 2, low: 0, forSeconds: 0, clearForSeconds: 0 },
              failModes: SHARE,
            },
          },
          { stateDir, milterPort, metricsPort, waitFor: beforeStart ? "alive" : "ready" },
        );
        cleanups.push(() => daemon.stop());
        if (beforeStart) assertFailMode(await sendMessages(daemon.milter, 5), failMode);
        else {
          // Redis stops in the middle of a flood.
          const flood = startFlood(daemon.milter);
          cleanups.push(() => flood.stop().catch(() => undefined));
          await pollUntil("the flood", () => flood.outcomes.length >= 20);
          await redis.pause();
          const down = Date.now();
          await pollUntil("messages answered during the outage", () => flood.since(down + 1000).length >= 20);
          await flood.stop();
          assertFailMode(flood.since(down + 1000), failMode);
        }

        const spool = join(stateDir, "alert-spool");
        await pollUntil("FloodgateRedisDown in the spool file", () => spoolText(spool).includes("FloodgateRedisDown"));
        await pollUntil("FloodgateAlertsUndelivered firing in /status", async () =>
          (await statusDocument(daemon.metricsUrl)).alerts.some((a) => a.alertname === "FloodgateAlertsUndelivered"),
        );
        const status = await floodgateStatus(daemon.metricsUrl);
        assert.equal(status.code, 2, status.stdout);
        assert.match(status.stdout, /alert notifications undelivered: \d+, the oldest waiting/);
        assert.equal((await readyz(daemon.metricsUrl)).code, 503);
        await redis.resume();
        await pollUntil("FloodgateRedisDown resolved in /status", async () =>
          (await statusDocument(daemon.metricsUrl)).alerts.every((a) => a.alertname !== "FloodgateRedisDown"),
        );
        assert.equal(bodies.length, 0, "nothing could be delivered");

        const hook = await startWebhookReceiver({ port, bodies });
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
    }
  });
}
