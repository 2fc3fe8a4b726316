/**
 * Alarms that survive the outage they report: the real daemon with a real Redis process stopped, before the daemon
 * starts and in the middle of a flood, under both fail modes. Each time the ops server answers, FloodgateRedisDown
 * reaches a real webhook receiver and resolves when Redis returns, `/readyz` answers 503 (naming the failing checks)
 * then 200, `floodgate status` exits 2 then 0, and every message is answered: passed with `skipped; reason=redis-…`
 * (continue) or tempfailed with 451 4.7.1 (tempfail) during the outage, filtered again after it. One scenario runs
 * on the default alert settings (FloodgateRedisDown within 30 s); the others use short hold times.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestRedis } from "../support/redis.js";
import { startDaemonProcess } from "../support/daemon.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";
import { pollUntil } from "../support/poll.js";
import { cleanupsAfter } from "../support/cleanups.js";
import { floodgateStatus, notificationsFor, readyz, received } from "../support/alerts.js";
import { sendMessages, startFlood, type Outcome } from "../support/mail-flood.js";

type FailMode = "continue" | "tempfail";

/** Short hold times, so the alerts fire and resolve within seconds. */
const SHORT_ALERTS = {
  evaluateIntervalMs: 250,
  redisDown: { high: 2, low: 0, forSeconds: 0, clearForSeconds: 1 },
  failModes: { high: 0.5, low: 0.1, forSeconds: 0, clearForSeconds: 0, windowSeconds: 10, minEvents: 5 },
};

/** What a message gets from the fail mode while Redis is away. */
function assertFailMode(outcomes: readonly Outcome[], failMode: FailMode): void {
  assert.ok(outcomes.length > 0, "messages were sent during the outage");
  for (const o of outcomes) {
    if (failMode === "continue") {
      assert.equal(o.action, "continue", JSON.stringify(o));
      assert.match(o.status, /^skipped; reason=redis-(down|timeout)$/, "labelled, not passed silently");
    } else {
      assert.equal(o.action, "replyCode", JSON.stringify(o));
      assert.match(o.reply, /^451 4\.7\.1 .*redis-(down|timeout)/);
    }
  }
}

/** Filtered by the policy: a campaign status, no fail mode. */
function assertFiltered(outcomes: readonly Outcome[]): void {
  assert.ok(outcomes.length > 0);
  for (const o of outcomes) assert.doesNotMatch(o.status, /skipped/, JSON.stringify(o));
}

/** Redis is back: the alert resolves, the daemon is ready, `floodgate status` is OK. */
async function assertRecovered(bodies: unknown[], metricsUrl: string): Promise<void> {
  await pollUntil("FloodgateRedisDown resolved at the webhook", () =>
    received(bodies, "FloodgateRedisDown", "resolved"),
  );
  await pollUntil("/readyz 200", async () => (await readyz(metricsUrl)).code === 200);
  let last = "";
  await pollUntil("floodgate status to exit 0", async () => {
    const s = await floodgateStatus(metricsUrl);
    last = s.stdout;
    return s.code === 0;
  }).catch((error: Error) => assert.fail(`${error.message}\n${last}`));
  assert.deepEqual(
    notificationsFor(bodies, "FloodgateRedisDown").map((n) => n.status),
    ["firing", "resolved"],
    "one firing, one resolved: no flapping",
  );
}

/** While Redis is down: 503 naming Redis, exit 2 naming the alert. */
async function assertDownReported(metricsUrl: string): Promise<void> {
  const ready = await readyz(metricsUrl);
  assert.equal(ready.code, 503);
  assert.match(String(ready.checks["redis"]), /^unreachable for \d+ s: /);
  const status = await floodgateStatus(metricsUrl);
  assert.equal(status.code, 2, status.stdout);
  assert.match(status.stdout, /^FLOODGATE CRITICAL/);
  assert.match(status.stdout, /CRITICAL FloodgateRedisDown/);
}

describe("Redis down: the alarms survive the outage they report", () => {
  const cleanups = cleanupsAfter();

  /** A Redis (stopped before the daemon starts, or not), a webhook receiver, and the daemon with `config(hookUrl)`. */
  async function setUp(config: (hookUrl: string) => Record<string, unknown>, redisDownBeforeStart: boolean) {
    const redis = await startTestRedis();
    cleanups.push(() => redis.stop());
    if (redisDownBeforeStart) await redis.pause();
    const hook = await startWebhookReceiver();
    cleanups.push(() => hook.close());
    const startedAt = Date.now();
    const daemon = await startDaemonProcess(
      { redis: { url: redis.url }, ...config(hook.url) },
      { waitFor: redisDownBeforeStart ? "alive" : "ready" },
    );
    cleanups.push(() => daemon.stop());
    return { redis, hook, daemon, startedAt };
  }

  test("stopped before start, default settings, failMode continue: FloodgateRedisDown within 30 s", async () => {
    const { redis, hook, daemon, startedAt } = await setUp((url) => ({ alerts: { webhooks: [{ url }] } }), true);
    // The ops server answers from the start, and says what is wrong.
    const ready = await readyz(daemon.metricsUrl);
    assert.equal(ready.code, 503);
    assert.match(String(ready.checks["redis"]), /^unreachable for \d+ s: not connected/);

    assertFailMode(await sendMessages(daemon.milter, 5), "continue");
    await pollUntil(
      "FloodgateRedisDown at the webhook within 30 s of the start",
      () => received(hook.bodies, "FloodgateRedisDown", "firing"),
      Math.max(1000, startedAt + 30_000 - Date.now()),
    );
    const [firing] = notificationsFor(hook.bodies, "FloodgateRedisDown");
    assert.equal(firing!.alerts[0]!.labels["severity"], "critical");
    assert.match(firing!.alerts[0]!.annotations["summary"]!, /has not answered for \d+ s/);
    await assertDownReported(daemon.metricsUrl);

    await redis.resume();
    await assertRecovered(hook.bodies, daemon.metricsUrl);
    assertFiltered(await sendMessages(daemon.milter, 5, 5));
  });

  test("stopped before start, failMode tempfail: FloodgateRedisDown and FloodgateFailModeHigh labelled redis-down", async () => {
    const { redis, hook, daemon } = await setUp(
      (url) => ({
        policy: { failMode: "tempfail" },
        worker: { processes: 0 },
        alerts: { ...SHORT_ALERTS, webhooks: [{ url, backoffMs: 100 }] },
      }),
      true,
    );
    assertFailMode(await sendMessages(daemon.milter, 8), "tempfail");
    await pollUntil("FloodgateRedisDown firing", () => received(hook.bodies, "FloodgateRedisDown", "firing"));
    await pollUntil("FloodgateFailModeHigh firing", () => received(hook.bodies, "FloodgateFailModeHigh", "firing"));
    const [failModes] = notificationsFor(hook.bodies, "FloodgateFailModeHigh");
    assert.equal(failModes!.alerts[0]!.labels["reason"], "redis-down");
    assert.match(failModes!.alerts[0]!.annotations["description"]!, /by reason: redis-down 100%/);
    await assertDownReported(daemon.metricsUrl);
    assert.match(
      String((await readyz(daemon.metricsUrl)).checks["failModes"]),
      /100% of messages decided by a fail mode/,
    );

    await redis.resume();
    await pollUntil("filtering again", async () => {
      const [o] = await sendMessages(daemon.milter, 1, 8);
      return o && !o.status.includes("skipped");
    });
    await pollUntil("FloodgateFailModeHigh resolved", () => received(hook.bodies, "FloodgateFailModeHigh", "resolved"));
    await assertRecovered(hook.bodies, daemon.metricsUrl);
  });

  for (const failMode of ["continue", "tempfail"] as const) {
    test(`stopped in the middle of a flood, failMode ${failMode}`, async () => {
      const { redis, hook, daemon } = await setUp(
        (url) => ({
          policy: { failMode },
          worker: { processes: 0 },
          alerts: { ...SHORT_ALERTS, webhooks: [{ url, backoffMs: 100 }] },
        }),
        false,
      );
      const flood = startFlood(daemon.milter);
      cleanups.push(() => flood.stop().catch(() => undefined));
      await pollUntil("the flood to be filtered", () => flood.outcomes.length >= 20);
      assertFiltered(flood.outcomes);
      assert.equal(hook.bodies.length, 0, "no alert while all is well");

      await redis.pause();
      const down = Date.now();
      await pollUntil("FloodgateRedisDown firing", () => received(hook.bodies, "FloodgateRedisDown", "firing"));
      await pollUntil("FloodgateFailModeHigh firing", () => received(hook.bodies, "FloodgateFailModeHigh", "firing"));
      await assertDownReported(daemon.metricsUrl);
      // Messages answered once the outage was seen (a message in flight at the stop may have passed before it).
      assertFailMode(flood.since(down + 1000), failMode);

      await redis.resume();
      const up = Date.now();
      const filtered = await pollUntil("the flood to be filtered again", () =>
        flood.since(up).find((o) => !o.status.includes("skipped")),
      );
      await pollUntil("FloodgateRedisDown resolved", () => received(hook.bodies, "FloodgateRedisDown", "resolved"));
      await pollUntil("FloodgateFailModeHigh resolved", () =>
        received(hook.bodies, "FloodgateFailModeHigh", "resolved"),
      );
      await flood.stop();
      await assertRecovered(hook.bodies, daemon.metricsUrl);
      // Once one message was filtered again, so were the next ones (the connection is back).
      assertFiltered(flood.since(filtered.at + 1000));
    });
  }
});
