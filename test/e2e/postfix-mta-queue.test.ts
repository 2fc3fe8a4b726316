/**
 * The MTA's side of the silence, end to end through the private Postfix: its next hop unreachable, mail that
 * Floodgate passed piles up in Postfix's deferred queue. Floodgate samples the queue with `postqueue -j`, exports it,
 * fires FloodgateMtaDeferredHigh to a real webhook receiver and shows the queue in `floodgate status`; once the next
 * hop answers again and the queue is flushed, the alert resolves. With the privileges of the shipped systemd unit,
 * `postqueue -j` reads the queue only with the postdrop group its Postfix drop-in gives.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { startPostfix, stopChild, type PostfixLab } from "../../src/lab/postfix.js";
import { freePort, waitForPort } from "../../src/util/tcp-port.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { metricValue, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { pollUntil } from "../support/poll.js";
import { mtaQueueDaemonConfig, sendToRemoteReaders } from "../support/mta-queue.js";
import { edgesOf, floodgateStatus, received, statusDocument } from "../support/alerts.js";
import { shippedUnit, type UnitSections } from "../support/systemd-unit.js";

const run = promisify(execFile);

/**
 * `postqueue -j` of the private Postfix with the privileges the shipped unit gives Floodgate: no new privileges (the
 * setgid bit ignored), no capabilities (an empty CapabilityBoundingSet: nothing read past the file modes) and the
 * unit's supplementary groups only. It runs as root only because Postfix lets no other user name a second instance's
 * configuration (-c); without capabilities root reads what the file modes let it, as the unit's user would.
 */
async function postqueueUnder(unit: UnitSections, configDir: string): Promise<{ ok: boolean; output: string }> {
  const service = unit.get("Service");
  assert.deepEqual(service?.get("NoNewPrivileges"), ["yes"]);
  assert.deepEqual(service?.get("CapabilityBoundingSet"), [""]);
  const groups = (service?.get("SupplementaryGroups") ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  const privileges = ["--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"];
  const membership = groups.length > 0 ? `--groups=${groups.join(",")}` : "--clear-groups";
  try {
    const { stdout, stderr } = await run(
      "setpriv",
      [...privileges, membership, "--", "/usr/sbin/postqueue", "-c", configDir, "-j"],
      { timeout: 30_000 },
    );
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? e.message}` };
  }
}

describe("mail piling up in Postfix's queue", () => {
  let redis: TestRedis;
  let hook: WebhookReceiver;
  let postfix: PostfixLab;
  let daemon: DaemonProcess;
  let nextHop: ChildProcess | null = null;
  let nextHopPort: number;

  before(async () => {
    redis = await startTestRedis();
    hook = await startWebhookReceiver();
    const milterPort = await freePort();
    // Nothing listens there yet: every delivery to another domain is deferred.
    nextHopPort = await freePort();
    const transport = `smtp:[127.0.0.1]:${nextHopPort}`;
    postfix = await startPostfix({
      milter: `inet:127.0.0.1:${milterPort}`,
      extraMain: { default_transport: transport, relay_transport: transport },
    });
    const mtaQueue = { mta: "postfix", command: ["/usr/sbin/postqueue", "-c", postfix.configDir, "-j"] };
    daemon = await startDaemonProcess(
      mtaQueueDaemonConfig({ redisUrl: redis.url, hookUrl: hook.url, mtaQueue, deferredHigh: 5 }),
      { milterPort },
    );
  });

  after(async () => {
    if (nextHop) await stopChild(nextHop);
    await daemon?.stop();
    await postfix?.stop();
    await hook?.close();
    await redis?.stop();
  });

  test("the next hop unreachable: the deferred queue grows and FloodgateMtaDeferredHigh fires, then resolves", async () => {
    await sendToRemoteReaders(postfix.smtpPort, 8, () => postfix.maillog());
    await pollUntil("FloodgateMtaDeferredHigh at the webhook", () =>
      received(hook.bodies, "FloodgateMtaDeferredHigh", "firing"),
    );
    assert.ok((await metricValue(daemon.metricsUrl, "floodgate_mta_queue_messages", { queue: "deferred" })) >= 5);
    const doc = await statusDocument(daemon.metricsUrl);
    const queue = (doc["health"] as { mtaQueue: { counts: { deferred: number; oldestAgeSeconds: number } } }).mtaQueue;
    assert.ok(queue.counts.deferred >= 5, JSON.stringify(queue));
    const status = await floodgateStatus(daemon.metricsUrl);
    assert.equal(status.code, 1, "a warning: mail waits downstream");
    assert.match(status.stdout, /postfix queue: deferred \d+, active \d+, hold 0, incoming \d+, oldest \d+ s/);
    assert.match(status.stdout, /WARNING FloodgateMtaDeferredHigh/);

    // The next hop answers again; a flush sends the queue on.
    nextHop = spawn("/usr/sbin/smtp-sink", ["-u", "nobody", `127.0.0.1:${nextHopPort}`, "128"], { stdio: "ignore" });
    await waitForPort(nextHopPort, { what: "smtp-sink" });
    await run("/usr/sbin/postqueue", ["-c", postfix.configDir, "-f"], { timeout: 30_000 });
    await pollUntil("FloodgateMtaDeferredHigh resolved", () =>
      received(hook.bodies, "FloodgateMtaDeferredHigh", "resolved"),
    );
    assert.deepEqual(edgesOf(hook.bodies, "FloodgateMtaDeferredHigh"), ["firing", "resolved"]);
    assert.equal(await metricValue(daemon.metricsUrl, "floodgate_mta_queue_messages", { queue: "deferred" }), 0);
  });

  test("under the shipped unit, postqueue -j reads the queue with the Postfix drop-in's postdrop group, not without", async () => {
    const bare = await postqueueUnder(shippedUnit("floodgate.service"), postfix.configDir);
    assert.ok(!bare.ok, `without the postdrop group postqueue must not read the queue:\n${bare.output}`);
    assert.match(bare.output, /postqueue: (fatal|warning): .*(Permission denied|not permitted|unavailable)/i);
    const unit = shippedUnit("floodgate.service", { dropIns: true });
    assert.deepEqual(unit.get("Service")?.get("SupplementaryGroups"), ["postdrop"]);
    const withGroup = await postqueueUnder(unit, postfix.configDir);
    assert.ok(withGroup.ok, `with the drop-in's group postqueue reads the queue:\n${withGroup.output}`);
    assert.doesNotMatch(withGroup.output, /fatal|warning/);
  });
});
