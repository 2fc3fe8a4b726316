/**
 * `floodgate run` against peers that make sessions buffer or parse: a 16 MiB macro packet, a 70 KiB RCPT, sessions
 * each holding most of a 16 MiB header packet, and a stream of unknown commands. The macro packet and the RCPT close
 * their session at once (no MTA sends one over 64 KiB, milter-protocol.md §1.2); the partial packets spend
 * `milter.packetBudgetBytes` and the sessions past it are closed with a warning; unknown commands are counted and
 * close their session past 100; a well-behaved session is answered as usual throughout, and the daemon's buffers go
 * back to none.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { encodeCommand } from "../../src/milter/commands.js";
import { encodeFrame } from "../../src/milter/encoder.js";
import * as C from "../../src/milter/constants.js";
import { MilterClient, simpleMessage } from "../../src/client/milter-client.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { metricValue, startCountingDaemon, transactionInOwnSession, type DaemonProcess } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";

const MiB = 1024 * 1024;
const HELD_PER_SESSION = 15 * MiB;

/** The first `bytes` bytes of a packet announcing `length` (code and payload). */
function packetStart(code: number, length: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes, 0x61);
  out.writeUInt32BE(length, 0);
  out[4] = code;
  return out;
}

describe("floodgate run: the packet budget, the per-command packet caps and unknown commands", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;
  const hostile: MilterClient[] = [];

  before(async () => {
    redis = await startTestRedis();
    daemon = await startCountingDaemon(redis.url, {
      milter: { maxPacketBytes: 16 * MiB, packetBudgetBytes: 32 * MiB },
    });
  });

  after(async () => {
    for (const c of hostile) c.destroy();
    const code = await daemon?.stop();
    await redis?.stop();
    assert.equal(code, 0, `floodgate run exited cleanly on SIGTERM:\n${daemon?.logs().slice(-3000)}`);
  });

  /** One ordinary message in its own session: answered with continue and a status header. */
  async function wellBehaved(subject: string): Promise<void> {
    const result = await transactionInOwnSession(
      daemon.milter,
      simpleMessage("a@example.org", ["b@example.net"], subject, `An ordinary message ${Math.random()}.\n`),
    );
    assert.equal(result.eom?.action, "continue");
    const status = result.eom?.modifications.find((m) => "name" in m && m.name === "X-Floodgate-Status");
    assert.ok(status, `no status header: ${JSON.stringify(result.eom)}`);
  }

  /**
   * Wait for the daemon's warning of a session closed, with `text` in it. The warning comes over the daemon's stdout
   * pipe, which this process may read after it has seen the session's socket close, so it is waited for.
   */
  async function warned(text: string): Promise<void> {
    const logged = () =>
      daemon
        .logs()
        .split("\n")
        .some((line) => line.includes('"closing milter session"') && line.includes(text));
    await pollUntil(`the warning with ${text}`, logged, 20_000, 50).catch(() => {
      assert.fail(`no "closing milter session" warning with ${text}; the log ends:\n${daemon.logs().slice(-3000)}`);
    });
  }
  const metric = (name: string, labels: Record<string, string> = {}) => metricValue(daemon.metricsUrl, name, labels);

  test("a 16 MiB macro packet closes its session at its first bytes; the next session is served", async () => {
    const client = await MilterClient.connect(daemon.milter);
    hostile.push(client);
    await client.open();
    client.sendRaw(Buffer.concat([encodeCommand.mail("a@example.org"), encodeCommand.rcpt("b@example.net")]));
    client.sendRaw(packetStart(C.SMFIC_MACRO, 16 * MiB - 15, 64 * 1024));
    await pollUntil("the session closed", () => client.closed, 20_000, 50);
    assert.ok((await metric("floodgate_protocol_errors_total", { kind: "too-large" })) >= 1);
    await warned("'D' packet length 16777201 > 65536");
    await wellBehaved("after a large macro packet");
  });

  test("a 70 KiB RCPT closes its session as too large, whatever milter.maxPacketBytes; the next session is served", async () => {
    const client = await MilterClient.connect(daemon.milter);
    hostile.push(client);
    await client.open();
    const before = await metric("floodgate_protocol_errors_total", { kind: "too-large" });
    const rcpt = encodeCommand.rcpt(`${"r".repeat(70 * 1024)}@example.net`);
    client.sendRaw(Buffer.concat([encodeCommand.mail("a@example.org"), rcpt]));
    await pollUntil("the session closed", () => client.closed, 20_000, 50);
    assert.equal(await metric("floodgate_protocol_errors_total", { kind: "too-large" }), before + 1);
    await warned(`'R' packet length ${rcpt.readUInt32BE(0)} > 65536`);
    await wellBehaved("after a large RCPT");
  });

  test("150 unknown commands: each counted, one warning, the session closed after 100; the next session is served", async () => {
    const client = await MilterClient.connect(daemon.milter);
    hostile.push(client);
    await client.open();
    const unknown = encodeFrame(0x7a, Buffer.from("zz"));
    client.sendRaw(Buffer.concat(Array.from({ length: 150 }, () => unknown)));
    await pollUntil("the session closed", () => client.closed, 20_000, 50);
    assert.equal(await metric("floodgate_protocol_errors_total", { kind: "unknown-command" }), 101);
    await warned("more than 100 unknown commands");
    const ignored = daemon
      .logs()
      .split("\n")
      .filter((line) => line.includes('"ignoring unknown milter commands"'));
    assert.equal(ignored.length, 1, "one warning for the session");
    await wellBehaved("after unknown commands");
  });

  test("sessions holding partial packets spend the budget; those past it are closed, a small session still served", async () => {
    const sessions: MilterClient[] = [];
    for (let i = 0; i < 4; i++) {
      const client = await MilterClient.connect(daemon.milter);
      hostile.push(client);
      sessions.push(client);
      await client.open();
      const before = await metric("floodgate_packet_buffer_bytes");
      client.sendRaw(packetStart(C.SMFIC_HEADER, 16 * MiB, HELD_PER_SESSION));
      // Read whole (the budget grew by nearly the packet) or closed.
      await pollUntil(
        `session ${i} read or closed`,
        async () => client.closed || (await metric("floodgate_packet_buffer_bytes")) >= before + HELD_PER_SESSION - MiB,
        20_000,
        50,
      );
    }
    // 32 MiB holds two sessions' 15 MiB beyond their free 128 KiB, not three.
    assert.deepEqual(
      sessions.map((c) => c.closed),
      [false, false, true, true],
    );
    assert.ok((await metric("floodgate_packet_buffer_bytes")) <= 32 * MiB);
    assert.equal(await metric("floodgate_protocol_errors_total", { kind: "packet-budget" }), 2);
    await warned('"kind":"packet-budget"');
    await wellBehaved("while the budget is spent");
    for (const c of sessions) c.destroy();
    await pollUntil(
      "the buffers given back",
      async () => (await metric("floodgate_packet_buffer_bytes")) === 0,
      20_000,
      50,
    );
    await wellBehaved("after the hostile sessions");
  });
});
