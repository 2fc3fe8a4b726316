/**
 * The MTA's side of the silence through the private Sendmail: its smart host down, the messages Floodgate passed stay
 * in Sendmail's queue as deferred; Floodgate samples it with `mailq` (the real listing, parsed as it streams) and
 * fires FloodgateMtaDeferredHigh to a real webhook receiver.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "../../src/util/tcp-port.js";
import { startSendmail, type SendmailLab } from "../support/sendmail.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { metricValue, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { pollUntil } from "../support/poll.js";
import { mtaQueueDaemonConfig, sendToRemoteReaders } from "../support/mta-queue.js";
import { received, statusDocument } from "../support/alerts.js";
import { stopInOrder } from "../support/cleanups.js";

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
    const mtaQueue = { mta: "sendmail", command: sendmail.queueCommand(), timeoutSeconds: 20 };
    daemon = await startDaemonProcess(
      mtaQueueDaemonConfig({ redisUrl: redis.url, hookUrl: hook.url, mtaQueue, deferredHigh: 3 }),
      { milterPort },
    );
  });

  after(() => stopInOrder(daemon, sendmail, hook, redis));

  test("the smart host down: mailq shows the deferred messages and FloodgateMtaDeferredHigh fires", async () => {
    await sendToRemoteReaders(sendmail.smtpPort, 3, () => sendmail.diagnostics());
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
