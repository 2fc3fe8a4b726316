/**
 * `floodgate run` with a real Redis and one fingerprint thread, driven by src/client: a sender who floods it with
 * messages as costly to fingerprint as a message can be (a megabyte of spans, each with a colour to read) must not
 * make other mail skip the filter. Each such message takes the thread a hundred milliseconds or more; read in the
 * order they came, a score of them waiting ahead of an ordinary message outlast the pool's task timeout (1.5 s), and
 * the ordinary message goes out `skipped; reason=pool-timeout`, unfingerprinted and uncounted, under the default
 * fail mode (so it did before the pool read the smallest waiting messages first: src/fingerprint/batch-queue.ts).
 * Nor may the flood's own copies skip it for being costly: those the pool cannot read in time are deferred
 * (`policy.largeMailFailMode`, tempfail by default), none delivered unfiltered.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { TransactionResult } from "../../src/client/milter-client.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import { costlyMessage } from "../../src/lab/costly-mail.js";
import { loadHam } from "../../src/lab/corpus.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { metricValue, startCountingDaemon, transactionInOwnSession, type DaemonProcess } from "../support/daemon.js";

/** Sessions sending costly messages at once, as an MTA opens many: each keeps one waiting, together more than the
 * task timeout's worth of the thread's time. */
const FLOODING_SESSIONS = 24;
const ORDINARY = 12;

/** A message refused or deferred: its end-of-message answer and reply; else the status header it got. */
function status(result: TransactionResult): string {
  if (result.eom?.action !== "continue") return `${result.eom?.action} ${result.eom?.reply ?? ""}`;
  for (const m of result.eom.modifications) {
    if (m.kind === "addHeader" && m.name === "X-Floodgate-Status") return m.value.trim();
  }
  return `${result.eom?.action} ${result.eom?.reply ?? ""}`;
}

describe("floodgate run: a flood of messages costly to fingerprint", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;

  before(async () => {
    redis = await startTestRedis();
    daemon = await startCountingDaemon(redis.url, { fingerprint: { threads: 1 } });
  });

  after(async () => {
    const code = await daemon?.stop();
    await redis?.stop();
    assert.equal(code, 0, `floodgate run exited cleanly on SIGTERM:\n${daemon?.logs().slice(-3000)}`);
  });

  test("ordinary mail sent during the flood is fingerprinted and counted, none of it skipped", async () => {
    let flooding = true;
    let sent = 0;
    const floodStatuses: string[] = [];
    const flood = Array.from({ length: FLOODING_SESSIONS }, async () => {
      while (flooding) floodStatuses.push(status(await transactionInOwnSession(daemon.milter, costlyMessage(sent++))));
    });
    try {
      // the flood is on once costly messages wait for the thread
      const queued = () => metricValue(daemon.metricsUrl, "floodgate_pool_queue_length");
      for (let tries = 0; (await queued()) < FLOODING_SESSIONS / 2; tries++) {
        assert.ok(tries < 600, "the costly messages never queued up");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const ordinary = loadHam({ limit: ORDINARY });
      for (const [i, ham] of ordinary.entries()) {
        const message = rawToTestMessage(ham.bytes, "someone@example.org", [`user${i}@victim.example`]);
        const result = await transactionInOwnSession(daemon.milter, message);
        assert.match(status(result), /^continue; (new|bulk)/, `${ham.group}/${ham.file} during the flood`);
      }
    } finally {
      flooding = false;
      await Promise.all(flood);
    }
    // the flood itself: each copy fingerprinted and counted, or deferred for want of time; none let past unfiltered
    assert.ok(floodStatuses.length >= FLOODING_SESSIONS);
    const deferred = /^replyCode 451 4\.7\.1 Floodgate: pool-large, try again later/;
    for (const s of floodStatuses) assert.match(s, new RegExp(`^continue; (new|bulk)|${deferred.source}`));
    assert.ok(
      floodStatuses.some((s) => deferred.test(s)),
      "the pool did not keep up with the flood: some deferred",
    );
    assert.equal(daemon.process.exitCode, null, "the daemon is up");
  });
});
