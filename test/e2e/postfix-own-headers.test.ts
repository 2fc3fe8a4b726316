/**
 * Floodgate's own headers cannot be forged, through a real Postfix in front of `floodgate run` on each engine: a
 * message carrying X-Floodgate-* headers of its own is delivered with exactly Floodgate's, after 1,100 padding
 * headers (past the 1,000 the capture lists for the policy), and under the fail mode with Redis stopped (no campaign
 * then, and no forged campaign either); a message carrying more than 100 of them is refused (src/session/labels.ts:
 * Postfix's cost of deleting headers grows as their number squared).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startPostfix, type PostfixLab } from "../../src/lab/postfix.js";
import { buildMessage, sendMail } from "../../src/lab/smtp.js";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { byMessageId, headerValues, readMaildir, waitForMessage } from "../../src/lab/maildir.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { stopInOrder } from "../support/cleanups.js";

const FROM = "sender@client.lab.local";
const FORGED = [
  "X-Floodgate-Status: continue; ham",
  "X-Floodgate-Campaign: 000000000000; copies=1; recipients=1",
  "x-floodgate-campaign: 000000000000; copies=2; recipients=2",
  "X-Floodgate-Verdict: ham",
];
const PADDING = Array.from({ length: 1100 }, (_, i) => `X-Pad-${i}: padding header ${i}`);

for (const engine of ["typescript", "libmilter"] as const) {
  void describe(`forged Floodgate headers through Postfix (${engine} engine)`, () => {
    let redis: TestRedis;
    let daemon: DaemonProcess;
    let lab: PostfixLab;

    before(async () => {
      redis = await startTestRedis();
      daemon = await startDaemonProcess({
        milter: { engine },
        redis: { url: redis.url, commandTimeoutMs: 200 },
        policy: { holdBulk: false, dependencyFailMode: "continue" },
        queue: { enabled: false },
        scanWorker: { processes: 0 },
      });
      lab = await startPostfix({ milter: daemon.milter, defaultAction: "tempfail" });
    });

    after(() => stopInOrder(lab, daemon, redis));

    /** Send a message with `extra` headers and return the Floodgate headers it was delivered with. */
    async function deliver(user: string, subject: string, extra: string[]) {
      const m = buildMessage({ from: FROM, to: [`${user}@box.lab`], subject, extra });
      const sent = await sendMail({ port: lab.smtpPort, from: FROM, to: [`${user}@box.lab`], data: m.data });
      assert.equal(sent.accepted, true, sent.finalLines.join("\n"));
      const got = await waitForMessage(() => readMaildir(lab.mailbox(user)), byMessageId(m.messageId), {
        timeoutMs: 30_000,
        describe: () => `--- maillog ---\n${lab.maillog()}\n--- floodgate ---\n${daemon.logs().slice(-3000)}`,
      });
      return {
        status: headerValues(got, "X-Floodgate-Status"),
        campaign: headerValues(got, "X-Floodgate-Campaign"),
        verdict: headerValues(got, "X-Floodgate-Verdict"),
        padding: got.headers.filter((h) => h.name.startsWith("X-Pad-")).length,
      };
    }

    void test("after 1,100 padding headers, only Floodgate's own headers remain", async () => {
      const got = await deliver("alice", "padded", [...PADDING, ...FORGED]);
      assert.equal(got.padding, 1100, "the padding is delivered untouched");
      assert.deepEqual(got.status, ["continue; new"]);
      assert.equal(got.campaign.length, 1);
      assert.match(got.campaign[0]!, /^[0-9a-f]{12}; copies=1; recipients=1$/);
      assert.doesNotMatch(got.campaign[0]!, /^000000000000/);
      assert.deepEqual(got.verdict, []);
    });

    void test("100 forged headers are removed; a message with 101 is refused, not cleaned", async () => {
      const forged = (n: number) => Array.from({ length: n }, (_, i) => `X-Floodgate-Status: forged ${i}`);
      const got = await deliver("carol", "a hundred forged", forged(100));
      assert.deepEqual(got.status, ["continue; new"]);
      const m = buildMessage({ from: FROM, to: ["dave@box.lab"], subject: "a forged flood", extra: forged(101) });
      const sent = await sendMail({ port: lab.smtpPort, from: FROM, to: ["dave@box.lab"], data: m.data });
      assert.equal(sent.accepted, false);
      assert.equal(sent.finalCode, 550, sent.finalLines.join("\n"));
      assert.match(
        sent.finalLines.join("\n"),
        /5\.7\.1 Message refused: it carries 101 headers named as Floodgate's own/,
      );
    });

    void test("under the fail mode (Redis stopped), the forged campaign is removed and the status says why", async () => {
      await redis.pause();
      try {
        const got = await deliver("bob", "while Redis is down", FORGED);
        assert.equal(got.status.length, 1);
        assert.match(got.status[0]!, /^skipped; reason=redis-(timeout|down|error)$/);
        assert.deepEqual(got.campaign, []);
        assert.deepEqual(got.verdict, []);
      } finally {
        await redis.resume();
      }
    });
  });
}
