// Alert notifications to a real HTTP receiver on a free port: exactly one firing and one resolved notification for a
// backlog that rises then drains, retries with backoff after failures, and evaluation that never waits for delivery.
import { test, describe, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { once } from "node:events";
import { defaultConfig } from "../../src/config/schema.js";
import { createAlertManager } from "../../src/ops/alerts/manager.js";
import type { Samples } from "../../src/ops/alerts/rules.js";
import type { AlertmanagerPayload } from "../../src/ops/alerts/notification.js";
import { registry } from "../../src/metrics/metrics.js";

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
  const metric = await registry.getSingleMetric("floodgate_alert_notifications_total")?.get();
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

  function manager(webhook: Partial<ReturnType<typeof defaultConfig>["alerts"]["webhooks"][number]> = {}) {
    const config = defaultConfig();
    config.alerts.backlog = { enabled: true, high: 1000, low: 100, forSeconds: 10, clearForSeconds: 10 };
    config.alerts.instance = "mx-test";
    config.alerts.webhooks = [
      { url, timeoutMs: 2000, maxAttempts: 5, backoffMs: 20, headers: { authorization: "Bearer t0k" }, ...webhook },
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

  void test("a receiver that fails twice then succeeds still gets the notification, once", async () => {
    receiver.respond = (attempt) => (attempt <= 2 ? 503 : 200);
    const retriedBefore = await counter("retried");
    const { m, step } = manager();
    await step(0, 5000);
    await step(10, 5000);
    await m.flush();
    await m.stop();
    assert.equal(receiver.attempts, 3);
    assert.deepEqual(
      receiver.bodies.map((b) => [b.groupLabels.alertname, b.status]),
      [["FloodgateScanBacklogHigh", "firing"]],
    );
    assert.equal((await counter("retried")) - retriedBefore, 2);
  });

  void test("a receiver that never answers does not hold up evaluation; the delivery gives up after maxAttempts", async () => {
    receiver.respond = () => "hang";
    const failedBefore = await counter("failed");
    const { m, step } = manager({ timeoutMs: 100, maxAttempts: 2, backoffMs: 10 });
    await step(0, 5000);
    const handedOut = await step(10, 5000);
    assert.deepEqual(
      handedOut.map((n) => n.status),
      ["firing"],
      "evaluate returns with the delivery still in flight",
    );
    await m.flush();
    await m.stop();
    assert.equal(receiver.attempts, 2);
    assert.deepEqual(receiver.bodies, []);
    assert.equal((await counter("failed")) - failedBefore, 1);
  });
});
