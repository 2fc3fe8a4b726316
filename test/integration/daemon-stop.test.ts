/**
 * `floodgate run` stopped by SIGTERM while an MTA keeps a session open, as it does for the whole of its SMTP session
 * (and a Sendmail session can be long), with each engine: new sessions are refused at once and `/readyz` says the
 * daemon is stopping, a message sent within `milter.shutdownGraceSeconds` is answered, and after the grace the session
 * left open is closed and the daemon exits cleanly instead of waiting for the MTA to quit.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { MilterClient, simpleMessage } from "../../src/client/milter-client.js";
import { startDaemonProcess } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";

const GRACE_SECONDS = 5;

/** Whether a new session is refused: the TypeScript engine stops listening, libmilter refuses at negotiation. */
async function refused(milter: string): Promise<boolean> {
  try {
    const client = await MilterClient.connect(milter, { timeoutMs: 5000 });
    try {
      await client.negotiate();
      return false;
    } finally {
      client.destroy();
    }
  } catch {
    return true;
  }
}

describe("floodgate run: SIGTERM with a session open", () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  for (const engine of ["typescript", "libmilter"] as const) {
    test(`${engine} engine: the message in the grace is answered, then the open session is closed and the daemon exits`, async () => {
      const daemon = await startDaemonProcess({
        redis: { url: redis.url },
        milter: { engine, shutdownGraceSeconds: GRACE_SECONDS },
        policy: { holdBulk: false, dependencyFailMode: "continue" },
        queue: { enabled: false },
        scanWorker: { processes: 0 },
      });
      const exited = once(daemon.process, "exit") as Promise<[number | null, string | null]>;
      let client: MilterClient | undefined;
      try {
        client = await MilterClient.connect(daemon.milter);
        await client.open();
        const first = await client.transaction(simpleMessage("a@b", ["c@d"], "before the stop", "hi\n"));
        assert.equal(first.eom?.action, "continue");
        daemon.process.kill("SIGTERM");
        await pollUntil("new sessions to be refused after SIGTERM", () => refused(daemon.milter), 30_000, 50);
        const readyz = await fetch(`${daemon.metricsUrl}/readyz`);
        const checks = ((await readyz.json()) as { checks: Record<string, unknown> }).checks;
        assert.equal(readyz.status, 503, "not ready while stopping");
        assert.match(String(checks["milter"]), /stopping/);
        const during = await client.transaction(simpleMessage("a@b", ["c@d"], "during the grace", "hi\n"));
        assert.equal(during.eom?.action, "continue", "a message sent within the grace is answered");
        // The session stays open, as between two messages of one SMTP session: the grace ends it, not the MTA.
        let timer: NodeJS.Timeout | undefined;
        const hang = new Promise<"hang">(
          (resolve) => (timer = setTimeout(() => resolve("hang"), GRACE_SECONDS * 10_000)),
        );
        const outcome = await Promise.race([exited, hang]).finally(() => clearTimeout(timer));
        assert.notEqual(outcome, "hang", `no exit within ten times the grace:\n${daemon.logs().slice(-3000)}`);
        assert.deepEqual(outcome, [0, null], `exit code and signal:\n${daemon.logs().slice(-3000)}`);
        await assert.rejects(client.readResponse(5000), /closed/);
      } finally {
        client?.destroy();
        await daemon.stop();
      }
    });
  }
});
