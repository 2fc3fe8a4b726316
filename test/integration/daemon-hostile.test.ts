/**
 * `floodgate run` with a real Redis, driven by src/client, against the hostile messages that once crashed it or went
 * past the filter: each test names the finding it pins. After each message the daemon must still be up, and the
 * message must carry a campaign (it was fingerprinted and counted) or a counted reason.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MilterClient, type TestMessage, type TransactionResult } from "../../src/client/milter-client.js";
import { startTestRedis, type PrivateRedis } from "../support/redis.js";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon.js";

/** The value of a header the daemon added, if any. */
function added(result: TransactionResult, name: string): string | undefined {
  for (const m of result.eom?.modifications ?? []) {
    if (m.kind === "addHeader" && m.name.toLowerCase() === name.toLowerCase()) return m.value.trim();
  }
  return undefined;
}

function htmlMessage(html: string): TestMessage {
  // Lines of 76 characters, as an MTA would carry them.
  const body = html.replace(/(.{76})/g, "$1\r\n") + "\r\n";
  return {
    sender: "sender@hostile.example",
    recipients: ["rcpt@victim.example"],
    headers: [
      ["From", "<sender@hostile.example>"],
      ["Subject", "hostile html"],
      ["Content-Type", "text/html; charset=utf-8"],
    ],
    body,
  };
}

describe("floodgate run: hostile messages", () => {
  let redis: PrivateRedis;
  let daemon: DaemonProcess;

  before(async () => {
    redis = await startTestRedis();
    daemon = await startDaemonProcess({
      redis: { url: redis.url },
      policy: { holdBulk: false },
      queue: { enabled: false },
      worker: { processes: 0 },
    });
  });

  after(async () => {
    const code = await daemon?.stop();
    await redis?.stop();
    assert.equal(code, 0, `floodgate run exited cleanly on SIGTERM:\n${daemon?.logs().slice(-3000)}`);
  });

  /** Send one message in a session of its own; the daemon must be alive afterwards. */
  async function send(message: TestMessage): Promise<TransactionResult> {
    const client = await MilterClient.connect(daemon.milter);
    try {
      await client.open();
      return await client.transaction(message);
    } finally {
      client.destroy();
      assert.equal(daemon.process.exitCode, null, `the daemon died:\n${daemon.logs().slice(-3000)}`);
    }
  }

  // Finding: "One e-mail kills the daemon": this 128 KB HTML message made a fingerprint thread reach its heap limit,
  // which aborted the whole process.
  test("8,000 nested blockquotes then 8,000 line breaks: answered, fingerprinted, the daemon stays up", async () => {
    const result = await send(htmlMessage("<blockquote>".repeat(8000) + "<br>".repeat(8000) + "cheap pills"));
    assert.equal(result.eom?.action, "continue");
    assert.ok(added(result, "X-Floodgate-Campaign"), `no campaign: ${added(result, "X-Floodgate-Status")}`);
    // and the next message is served as usual
    const next = await send(htmlMessage("<p>an ordinary message</p>"));
    assert.ok(added(next, "X-Floodgate-Campaign"));
  });
});
