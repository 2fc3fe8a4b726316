/**
 * Alarms that survive the outage they report: the real daemon with a real Redis process stopped, before the daemon
 * starts and in the middle of a flood, under both fail modes, on the default alert settings (but for one window, below).
 * Each time the ops server answers, FloodgateRedisDown reaches a real webhook receiver within 30 s and resolves when
 * Redis returns, `/readyz` answers 503 (naming the failing checks) then 200, `floodgate status` exits 2 then 0, and
 * every message is answered: passed with `skipped; reason=redis-…` (continue) or tempfailed with 451 4.7.1 (tempfail)
 * during the outage, filtered again after it. In the flood FloodgateFailModeHigh fires too, and resolves once the
 * outage's messages have left its window and the share stayed below the low mark. The four scenarios run side by side,
 * and beside the variants (redis-outage.test.ts).
 */
import { after, describe, test, type TestOptions } from "node:test";
import assert from "node:assert/strict";
import { startDaemonProcess } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";
import { cleanupsAfter } from "../support/cleanups.js";
import {
  edgesOf,
  floodgateStatus,
  notificationsFor,
  readyz,
  received,
  redisDownWithin30s,
  statusExits,
  type Place,
} from "../support/alerts.js";
import { sendMessages, startFlood, type Outcome } from "../support/mail-flood.js";

type FailMode = "continue" | "tempfail";

/** How long a scenario may wait for its alerts to resolve after Redis returns (FloodgateFailModeHigh: about 40 s). */
const RECOVERY_MS = 300_000;

/**
 * FloodgateFailModeHigh's window and hold times in the flood scenarios, set through the daemon's config as an operator
 * sets them. On the defaults (a 120 s window, 30 s to fire, 60 s below the low mark to clear) its resolution is three
 * minutes of nothing but waiting; those defaults, and that the rule keeps them in time, are pinned by the rule set's
 * unit test (test/unit/alert-rules.test.ts, with deploy/prometheus-rules.yml's). The marks and the least messages keep
 * their defaults (25 %, 5 %, 10), and FloodgateRedisDown, the alarm this file is about, all of its own.
 */
const FAIL_MODE_WINDOW = { windowSeconds: 20, forSeconds: 5, clearForSeconds: 10 };

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

/**
 * Redis is back: the alert resolves, the daemon is ready, `floodgate status` is OK (once every critical alert has
 * resolved: on the defaults FloodgateFailModeHigh takes minutes, `RECOVERY_MS` bounds it).
 */
async function assertRecovered(bodies: unknown[], metricsUrl: string): Promise<void> {
  await pollUntil("FloodgateRedisDown resolved at the webhook", () =>
    received(bodies, "FloodgateRedisDown", "resolved"),
  );
  await pollUntil("/readyz 200", async () => (await readyz(metricsUrl)).code === 200);
  await statusExits(metricsUrl, 0, RECOVERY_MS);
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

/** The four scenarios' places in `places`: the keys of `alarmPlaceKeys`, reserved before any scenario starts. */
export const alarmPlaceKeys = (["continue", "tempfail"] as const).flatMap((f) => [placeOf(f, true), placeOf(f, false)]);

function placeOf(failMode: FailMode, beforeStart: boolean): string {
  return `alarms ${failMode} ${beforeStart}`;
}

/** A test whose `body` says when only waiting is left of it (`quiet()`; its end at the latest), when that is. */
function quietTest(name: string, options: TestOptions, body: (quiet: () => void) => Promise<void>): Promise<void> {
  let quiet!: () => void;
  const reached = new Promise<void>((resolve) => (quiet = resolve));
  test(name, options, async () => {
    try {
      await body(quiet);
    } finally {
      quiet();
    }
  });
  return reached;
}

/**
 * The four scenarios, side by side, in the places reserved for `alarmPlaceKeys`. Returns a wait for the moment each
 * of them has only its alerts' windows left to wait for (or they all ended): what runs beside them waits for that,
 * so that no daemon of its own starts, and no flood of its own runs, while an alarm is held to its 30 s.
 */
export function defineRedisDownAlarms(places: ReadonlyMap<string, Place>): () => Promise<void> {
  const quiet: Promise<void>[] = [];
  let ended!: () => void;
  const allEnded = new Promise<void>((resolve) => (ended = resolve));
  describe("Redis down: the alarms survive the outage they report", { concurrency: true }, () => {
    const cleanups = cleanupsAfter();
    after(() => ended());

    /** The scenario's Redis (stopped before the daemon starts, or not), its receiver, and the daemon on the default alerts. */
    async function setUp(
      failMode: FailMode,
      redisDownBeforeStart: boolean,
      extra: Record<string, unknown> = {},
      alerts: Record<string, unknown> = {},
    ) {
      const { redis, hook, milterPort, metricsPort } = places.get(placeOf(failMode, redisDownBeforeStart))!;
      if (redisDownBeforeStart) await redis.pause();
      const startedAt = Date.now();
      const daemon = await startDaemonProcess(
        {
          redis: { url: redis.url },
          policy: { dependencyFailMode: failMode },
          alerts: { webhooks: [{ url: hook.url }], ...alerts },
          ...extra,
        },
        { waitFor: redisDownBeforeStart ? "alive" : "ready", milterPort, metricsPort },
      );
      cleanups.push(() => daemon.stop());
      return { redis, hook, daemon, startedAt };
    }

    for (const failMode of ["continue", "tempfail"] as const) {
      const beforeStart = `stopped before start, failMode ${failMode}: FloodgateRedisDown within 30 s`;
      // Quiet at its end: half a minute, its daemon's start (the first's with spamd's) the busy part.
      const ends = quietTest(beforeStart, {}, async () => {
        // The first with every default, scan worker process and private spamd included.
        const extra = failMode === "continue" ? {} : { scanWorker: { processes: 0 } };
        const { redis, hook, daemon, startedAt } = await setUp(failMode, true, extra);
        // The ops server answers from the start, and says what is wrong.
        const ready = await readyz(daemon.metricsUrl);
        assert.equal(ready.code, 503);
        assert.match(String(ready.checks["redis"]), /^unreachable for \d+ s: not connected/);

        assertFailMode(await sendMessages(daemon.milter, 5), failMode);
        await redisDownWithin30s(hook.bodies, startedAt, "the start");
        await assertDownReported(daemon.metricsUrl);

        await redis.resume();
        await assertRecovered(hook.bodies, daemon.metricsUrl);
        assertFiltered(await sendMessages(daemon.milter, 5, 5));
      });

      const inFlood = `stopped in the middle of a flood, failMode ${failMode}`;
      const waits = quietTest(inFlood, { timeout: 480_000 }, async (quiet) => {
        const noScans = { scanWorker: { processes: 0 } };
        const { redis, hook, daemon } = await setUp(failMode, false, noScans, { failModes: FAIL_MODE_WINDOW });
        const flood = startFlood(daemon.milter);
        cleanups.push(() => flood.stop().catch(() => undefined));
        await pollUntil("the flood to be filtered", () => flood.outcomes.length >= 60);
        assertFiltered(flood.outcomes);
        assert.equal(hook.bodies.length, 0, "no alert while all is well");

        await redis.pause();
        const down = Date.now();
        // The flood goes on into the outage, then stops: 40 of about 100 messages, past the fail-mode share's high mark
        // (25%) and under the tempfail ratio's (50% over its 300 s), so the alerts that fire are the outage's own.
        await pollUntil("messages answered during the outage", () => flood.since(down + 1000).length >= 40);
        await flood.stop();
        // Messages answered once the outage was seen (a message in flight at the stop may have passed before it).
        assertFailMode(flood.since(down + 1000), failMode);
        await redisDownWithin30s(hook.bodies, down, "the stop");
        await pollUntil("FloodgateFailModeHigh firing", () => received(hook.bodies, "FloodgateFailModeHigh", "firing"));
        const [failModes] = notificationsFor(hook.bodies, "FloodgateFailModeHigh");
        assert.match(failModes!.alerts[0]!.labels["reason"]!, /^redis-(down|timeout)$/);
        assert.equal(failModes!.alerts[0]!.labels["severity"], "critical");
        await assertDownReported(daemon.metricsUrl);

        await redis.resume();
        await pollUntil("filtering again", async () => {
          const [o] = await sendMessages(daemon.milter, 1, 300);
          return o && !o.status.includes("skipped");
        });
        quiet(); // the flood is over; what is left is the window's wait
        // Waited for at the webhook, in this process: `floodgate status` is polled once it can exit 0, not every second
        // of the window, a node process each time on the cores the scenarios beside this one share.
        await pollUntil(
          "FloodgateFailModeHigh resolved at the webhook",
          () => received(hook.bodies, "FloodgateFailModeHigh", "resolved"),
          RECOVERY_MS,
          1000,
        );
        await assertRecovered(hook.bodies, daemon.metricsUrl);
        assert.deepEqual(edgesOf(hook.bodies, "FloodgateFailModeHigh"), ["firing", "resolved"]);
        assertFiltered(await sendMessages(daemon.milter, 5, 301));
      });
      quiet.push(ends, waits);
    }
  });
  return () => Promise.race([Promise.all(quiet).then(() => undefined), allEnded]);
}
