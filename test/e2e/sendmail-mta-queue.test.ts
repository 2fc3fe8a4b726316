/**
 * The MTA's side of the silence through the private Sendmail: its smart host down, the messages Floodgate passed stay
 * in Sendmail's queue as deferred; Floodgate samples it with `mailq` (the real listing, parsed as it streams) and
 * fires FloodgateMtaDeferredHigh to a real webhook receiver.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { sendMail } from "../../src/lab/smtp.js";
import { loadHam } from "../../src/lab/corpus.js";
import { freePort } from "../../src/util/tcp-port.js";
import { startSendmail, type SendmailLab } from "../support/sendmail.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { metricValue, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { pollUntil } from "../support/poll.js";
import { received, statusDocument } from "../support/alerts.js";

describe("mail piling up in Sendmail's queue", () => {
  let redis: TestRedis;
  let hook: WebhookReceiver;
  let sendmail: SendmailLab;
  let daemon: DaemonProcess;

  before(async () => {
    redis = await startTestRedis();
    hook = await startWebhookReceiver();
    const milterPort = await freePort();
    sendmail = await startSendmail({ milter: `inet:${milterPort}@127.0.0.1`, nextHopDown: true });
    daemon = await startDaemonProcess(
      {
        redis: { url: redis.url },
        worker: { processes: 0 },
        mtaQueue: { mta: "sendmail", command: sendmail.queueCommand(), intervalSeconds: 1, timeoutSeconds: 20 },
        alerts: {
          evaluateIntervalMs: 250,
          webhooks: [{ url: hook.url, backoffMs: 100 }],
          mtaQueue: { deferred: { high: 3, low: 0, forSeconds: 0, clearForSeconds: 0 } },
        },
      },
      { milterPort },
    );
  });

  after(async () => {
    await daemon?.stop();
    await sendmail?.stop();
    await hook?.close();
    await redis?.stop();
  });

  test("the smart host down: mailq shows the deferred messages and FloodgateMtaDeferredHigh fires", async () => {
    const messages = loadHam({ limit: 3 }).slice(0, 3);
    for (const [i, m] of messages.entries()) {
      const r = await sendMail({
        port: sendmail.smtpPort,
        from: "list@example.org",
        to: [`reader${i}@remote.example`],
        data: m.bytes,
      });
      assert.ok(r.accepted, `accepted through the milter: ${r.finalCode} ${r.finalText}\n${sendmail.diagnostics()}`);
    }
    await pollUntil("FloodgateMtaDeferredHigh at the webhook", () =>
      received(hook.bodies, "FloodgateMtaDeferredHigh", "firing"),
    ).catch(async (error: Error) => {
      const doc = await statusDocument(daemon.metricsUrl);
      assert.fail(`${error.message}\n${JSON.stringify(doc["health"])}\n${sendmail.diagnostics()}`);
    });
    assert.equal(await metricValue(daemon.metricsUrl, "floodgate_mta_queue_messages", { queue: "deferred" }), 3);
    const doc = await statusDocument(daemon.metricsUrl);
    const queue = (doc["health"] as { mtaQueue: { mta: string; counts: { total: number; oldestAgeSeconds: number } } })
      .mtaQueue;
    assert.equal(queue.mta, "sendmail");
    assert.equal(queue.counts.total, 3);
    assert.ok(queue.counts.oldestAgeSeconds < 600, `the queue time is read as today's: ${JSON.stringify(queue)}`);
  });
});
