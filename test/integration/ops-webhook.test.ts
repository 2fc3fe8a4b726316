// Alert notifications to a real HTTP receiver on a free port: exactly one firing and one resolved notification for a
// backlog that rises then drains, retries with backoff after failures, evaluation that never waits for delivery, and
// the spool: what a receiver that is down did not take is kept in a file and delivered, in order, once it is back,
// also by the next process.
import { test, describe, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { once } from "node:events";
import { defaultConfig } from "../../src/config/schema.js";
import { createAlertManager } from "../../src/ops/alerts/configured.js";
import type { Samples } from "../../src/ops/alerts/rules.js";
import type { AlertmanagerPayload } from "../../src/ops/alerts/notification.js";
import { createMetrics } from "../../src/metrics/metrics.js";

const metrics = createMetrics();
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpoolFile, spoolFileFor } from "../../src/ops/alerts/spool.js";
import { WebhookNotifier } from "../../src/ops/alerts/webhook.js";
import type { AlertNotification } from "../../src/ops/alerts/notification.js";
import { pollUntil } from "../support/poll.js";
import type { Logger } from "../../src/util/logger.js";

function sampleNotification(): AlertNotification {
  return {
    alertname: "FloodgateScanBacklogHigh",
    severity: "warning",
    status: "firing",
    repeat: false,
    instance: "mx1",
    value: 1,
    summary: "s",
    description: "d",
    startsAt: Date.UTC(2026, 0, 1),
    endsAt: null,
  };
}

function sampleSamples(): Samples {
  return { backlog: 0, oldestJobAgeSeconds: 0, arrivalRate: 0, completionRate: 0, mailFlow: null };
}

/** A webhook receiver: records each POST body; `respond` decides each answer (status, or "hang"). */
class Receiver {
  readonly bodies: AlertmanagerPayload[] = [];
  attempts = 0;
  respond: (attempt: number) => number | "hang" = () => 200;
  readonly server: Server = createServer((req, res) => this.#handle(req, res));
  readonly #hung: ServerResponse[] = [];

  async start(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook/SECRET-TOKEN`;
  }

  async stop(): Promise<void> {
    for (const r of this.#hung) r.destroy();
    const closed = once(this.server, "close");
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      this.attempts++;
      const answer = this.respond(this.attempts);
      if (answer === "hang") {
        this.#hung.push(res);
        return;
      }
      if (answer >= 200 && answer < 300) this.bodies.push(JSON.parse(text) as AlertmanagerPayload);
      res.writeHead(answer).end();
    });
  }
}

async function counter(result: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric("floodgate_alert_notifications_total")?.get();
  return metric?.values.find((v) => v.labels["result"] === result)?.value ?? 0;
}

void describe("alert webhooks", () => {
  let receiver: Receiver;
  let url: string;
  const T0 = Date.UTC(2026, 0, 1);

  before(async () => {
    receiver = new Receiver();
    url = await receiver.start();
  });
  after(async () => receiver.stop());
  beforeEach(() => {
    receiver.bodies.length = 0;
    receiver.attempts = 0;
    receiver.respond = () => 200;
  });

  function manager(
    webhook: Partial<ReturnType<typeof defaultConfig>["alerts"]["webhooks"][number]> = {},
    spoolDirectory: string | null = null,
  ) {
    const config = defaultConfig();
    config.alerts.backlog = { enabled: true, high: 1000, low: 100, forSeconds: 10, clearForSeconds: 10 };
    config.alerts.instance = "mx-test";
    config.alerts.webhooks = [
      { url, timeoutMs: 2000, backoffMs: 20, maxBackoffMs: 200, headers: { authorization: "Bearer t0k" }, ...webhook },
    ];
    let backlog = 0;
    let now = T0;
    const sampler = async (): Promise<Samples> => ({
      backlog,
      oldestJobAgeSeconds: backlog / 10,
      arrivalRate: 50,
      completionRate: 20,
      mailFlow: null,
    });
    const m = createAlertManager({
      alerts: config.alerts,
      sampler,
      clock: () => now,
      externalURL: "http://127.0.0.1:9464/status",
      spoolDirectory,
      metrics,
    });
    return {
      m,
      step: async (seconds: number, value: number) => {
        now = T0 + seconds * 1000;
        backlog = value;
        return m.evaluate();
      },
    };
  }

  void test("a backlog that rises then drains sends exactly one firing and one resolved notification", async () => {
    const { m, step } = manager();
    const series = [0, 200, 800, 1500, 3000, 5000, 4000, 2500, 900, 400, 150, 90, 40, 10, 0, 0, 0];
    for (let i = 0; i < series.length; i++) await step(i * 5, series[i]!);
    await m.flush();
    await m.stop();
    const backlogAlerts = receiver.bodies.filter((b) => b.groupLabels.alertname === "FloodgateScanBacklogHigh");
    assert.deepEqual(
      backlogAlerts.map((b) => b.status),
      ["firing", "resolved"],
    );
    const [firing, resolved] = backlogAlerts;
    assert.equal(firing!.version, "4");
    assert.equal(firing!.receiver, "floodgate");
    assert.equal(firing!.externalURL, "http://127.0.0.1:9464/status");
    assert.deepEqual(firing!.alerts[0]!.labels, {
      alertname: "FloodgateScanBacklogHigh",
      severity: "warning",
      service: "floodgate",
      instance: "mx-test",
    });
    assert.equal(firing!.alerts[0]!.startsAt, new Date(T0 + 25_000).toISOString());
    assert.equal(firing!.alerts[0]!.endsAt, "0001-01-01T00:00:00Z");
    assert.match(
      firing!.alerts[0]!.annotations.description,
      /^backlog 5000 jobs, oldest waiting 500 s, arrivals 50\.00\/s, completions 20\.00\/s$/,
    );
    assert.equal(resolved!.alerts[0]!.status, "resolved");
    assert.equal(resolved!.alerts[0]!.startsAt, firing!.alerts[0]!.startsAt);
    assert.equal(resolved!.alerts[0]!.endsAt, new Date(T0 + 65_000).toISOString());
    assert.equal(resolved!.alerts[0]!.fingerprint, firing!.alerts[0]!.fingerprint);
  });

  /** The receiver took the backlog alert's firing notification once, at the third attempt. */
  const assertDeliveredOnceAfterThreeAttempts = () => {
    assert.equal(receiver.attempts, 3);
    assert.deepEqual(
      receiver.bodies.map((b) => [b.groupLabels.alertname, b.status]),
      [["FloodgateScanBacklogHigh", "firing"]],
    );
  };

  void test("a receiver that fails twice then succeeds still gets the notification, once", async () => {
    receiver.respond = (attempt) => (attempt <= 2 ? 503 : 200);
    const retriedBefore = await counter("retried");
    const { m, step } = manager();
    await step(0, 5000);
    await step(10, 5000);
    await m.flush();
    await m.stop();
    assertDeliveredOnceAfterThreeAttempts();
    assert.equal((await counter("retried")) - retriedBefore, 2);
  });

  void test("a receiver that does not answer does not hold up evaluation; the notification is retried until it is taken", async () => {
    receiver.respond = (attempt) => (attempt <= 2 ? "hang" : 200);
    const { m, step } = manager({ timeoutMs: 100, backoffMs: 10 });
    await step(0, 5000);
    const handedOut = await step(10, 5000);
    assert.deepEqual(
      handedOut.map((n) => n.status),
      ["firing"],
      "evaluate returns with the delivery still in flight",
    );
    await m.flush();
    await m.stop();
    assertDeliveredOnceAfterThreeAttempts();
  });

  void test("a receiver that refuses a notification for good (HTTP 400) gets the next one instead", async () => {
    receiver.respond = (attempt) => (attempt === 1 ? 400 : 200);
    const failedBefore = await counter("failed");
    const { m, step } = manager();
    await step(0, 5000);
    await step(10, 5000);
    await step(20, 0);
    await step(30, 0);
    await m.flush();
    await m.stop();
    assert.deepEqual(
      receiver.bodies.map((b) => b.status),
      ["resolved"],
    );
    assert.equal((await counter("failed")) - failedBefore, 1);
  });

  void test("a receiver that is down: the notifications wait in the spool file, the next process delivers them in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-spool-"));
    try {
      receiver.respond = () => 503;
      const first = manager({ backoffMs: 10 }, dir);
      await first.step(0, 5000);
      await first.step(10, 5000);
      await first.step(20, 0);
      await first.step(30, 0);
      const spool = new SpoolFile(spoolFileFor(dir, url));
      await pollUntil("both notifications in the spool", () => spool.load().length === 2, 10_000, 10);
      assert.deepEqual(
        first.m.delivery(T0 + 40_000),
        { pending: 2, oldestAgeSeconds: 30, capacity: 1000 },
        "the manager reports what waits",
      );
      assert.ok(!readFileSync(spool.path, "utf8").includes("SECRET-TOKEN"), "the file never holds the URL");
      await first.m.stop();
      assert.deepEqual(
        spool.load().map((q) => q.notification.status),
        ["firing", "resolved"],
        "closing keeps what was not delivered",
      );
      assert.equal(receiver.bodies.length, 0);

      receiver.respond = () => 200;
      const second = manager({ backoffMs: 10 }, dir);
      await second.m.flush();
      await second.m.stop();
      assert.deepEqual(
        receiver.bodies.map((b) => [b.groupLabels.alertname, b.status]),
        [
          ["FloodgateScanBacklogHigh", "firing"],
          ["FloodgateScanBacklogHigh", "resolved"],
        ],
      );
      assert.ok(!existsSync(spool.path), "the spool file goes once everything is delivered");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void test("the spool is bounded: past the bound the oldest reminder goes first, then the oldest notification", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-spool-"));
    const spool = new SpoolFile(spoolFileFor(dir, "http://127.0.0.1:9/down"));
    const notifier = new WebhookNotifier({ url: "http://127.0.0.1:9/down", backoffMs: 60_000, maxPending: 3, spool });
    try {
      const n = (alertname: string, repeat = false): AlertNotification => ({
        alertname,
        severity: "critical",
        status: "firing",
        repeat,
        instance: "mx1",
        value: 1,
        summary: "s",
        description: "d",
        startsAt: T0,
        endsAt: null,
      });
      notifier.notify(n("A"));
      await pollUntil("the first failure to open the spool", () => spool.load().length === 1, 10_000, 10);
      notifier.notify(n("B", true));
      notifier.notify(n("C"));
      notifier.notify(n("D"));
      notifier.notify(n("E"));
      assert.deepEqual(
        spool.load().map((q) => q.notification.alertname),
        ["C", "D", "E"],
      );
      assert.equal(notifier.stats().pending, 3);
    } finally {
      await notifier.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void test("spool files of webhooks no longer configured are kept and said at start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-spool-"));
    try {
      const orphan = new SpoolFile(spoolFileFor(dir, "http://127.0.0.1:9/gone"));
      orphan.save([{ queuedAt: T0, notification: { ...sampleNotification(), alertname: "FloodgateRedisDown" } }]);
      const warnings: string[] = [];
      const logger = { warn: (_fields: object, message: string) => warnings.push(message) } as unknown as Logger;
      const config = defaultConfig();
      config.alerts.webhooks = [{ url, timeoutMs: 1000, backoffMs: 10, maxBackoffMs: 100, headers: {} }];
      const m = createAlertManager({
        alerts: config.alerts,
        sampler: async () => sampleSamples(),
        spoolDirectory: dir,
        logger,
      });
      await m.stop();
      assert.deepEqual(warnings, [
        "alert notifications wait for webhooks no longer configured; they are delivered if the webhook comes back",
      ]);
      assert.equal(orphan.load().length, 1, "kept");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
