/**
 * The milter server on port 0 (and a unix socket) driven by src/client in Postfix and Sendmail styles: several
 * transactions per session, 1,000 concurrent sessions, a 10 MB body, the session limit, a malformed session beside
 * healthy ones, idle timeout, a peer that never negotiates, and graceful shutdown: the sessions open get the grace, and no longer.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MilterClient, simpleMessage } from "../../src/client/milter-client.js";
import { defaultConfig } from "../../src/config/schema.js";
import { encodeCommand } from "../../src/milter/commands.js";
import * as C from "../../src/milter/constants.js";
import { startMilterServer } from "../../src/engine/typescript/server.js";
import type { MilterServer } from "../../src/engine/engine.js";
import type { MilterPolicy } from "../../src/vocabulary/policy-api.js";
import { createLogger } from "../../src/util/logger.js";

const logger = createLogger("silent");

/** A policy that tags every message with a digest of what it received, so the test can check every byte arrived. */
function digestPolicy(): MilterPolicy {
  return {
    name: "digest",
    decidesAt: new Set(["eom"]),
    actions: C.SMFIF_ADDHDRS,
    endOfMessage: async (ctx, message) => ({
      verdict: ctx.transaction!.recipients.some((r) => r.address.startsWith("reject"))
        ? { kind: "reject", reply: { code: 554, xcode: "5.7.1", text: "rejected by test" } }
        : { kind: "continue" },
      modifications: [
        { kind: "addHeader", name: "X-Digest", value: createHash("sha256").update(message.raw).digest("hex") },
        { kind: "addHeader", name: "X-Size", value: `${message.totalBytes}` },
        { kind: "addHeader", name: "X-Queue-Id", value: ctx.transaction!.queueId ?? "none" },
      ],
    }),
  };
}

function start(
  overrides: Partial<ReturnType<typeof defaultConfig>["milter"]> = {},
  listen = ["inet:127.0.0.1:0"],
  policy = digestPolicy(),
) {
  const settings = { ...defaultConfig().milter, messageCaptureBytes: 16 * 1024 * 1024, ...overrides };
  return startMilterServer({ listen, policy, settings: () => settings, logger });
}

/** A policy whose end of message answers `accept` only once the test releases it; `reached` when it is waiting. */
function heldPolicy(): { policy: MilterPolicy; reached: Promise<void>; release: () => void } {
  let entered = () => {};
  let release = () => {};
  const reached = new Promise<void>((resolve) => (entered = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const policy: MilterPolicy = {
    name: "held",
    decidesAt: new Set(["eom"]),
    actions: 0,
    endOfMessage: async () => {
      entered();
      await released;
      return { verdict: { kind: "accept" } };
    },
  };
  return { policy, reached, release };
}

/** "stopped" if `stopping` resolves within `ms`: a generous bound that only tells a stop from a hang. */
function settledWithin(stopping: Promise<void>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>(
    (resolve) => (timer = setTimeout(() => resolve(`still stopping after ${ms} ms`), ms)),
  );
  return Promise.race([stopping.then(() => "stopped"), late]).finally(() => clearTimeout(timer));
}

const header = (mods: { kind: string; name?: string; value?: string }[], name: string) =>
  mods.find((m) => m.kind === "addHeader" && m.name === name)?.value?.trim();

describe("milter server", () => {
  let server: MilterServer;
  before(async () => {
    server = await start();
  });
  after(async () => {
    await server.close(1000);
  });

  for (const style of ["postfix", "sendmail"] as const) {
    test(`${style} style: several transactions on one session, every byte received`, async () => {
      const client = await MilterClient.connect(server.addresses[0]!, { style });
      await client.open();
      for (let i = 0; i < 5; i++) {
        const msg = simpleMessage("a@example.org", ["b@example.net"], `message ${i}`, `line ${i}\n`.repeat(50 + i));
        const r = await client.transaction({ ...msg, queueId: `QID${i}` });
        assert.equal(r.eom?.action, "continue");
        const expected = Buffer.from(
          msg.headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n" + (msg.body as string),
        );
        assert.equal(header(r.eom.modifications, "X-Digest"), createHash("sha256").update(expected).digest("hex"));
        assert.equal(header(r.eom.modifications, "X-Queue-Id"), `QID${i}`);
      }
      const rejected = await client.transaction(simpleMessage("a@b", ["reject@x"], "s", "b\n"));
      assert.equal(rejected.eom?.action, "replyCode");
      assert.equal(rejected.eom?.reply, "554 5.7.1 rejected by test");
      await client.quit();
    });
  }

  test("a 10 MB body arrives whole", async () => {
    const client = await MilterClient.connect(server.addresses[0]!);
    await client.open();
    const body = Buffer.alloc(10 * 1024 * 1024, "spam and eggs\r\n");
    const r = await client.transaction({ sender: "a@b", recipients: ["c@d"], headers: [["Subject", "big"]], body });
    assert.equal(header(r.eom!.modifications, "X-Size"), String("Subject: big\r\n\r\n".length + body.length));
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from("Subject: big\r\n\r\n"), body]))
      .digest("hex");
    assert.equal(header(r.eom!.modifications, "X-Digest"), expected);
    await client.quit();
  });

  test("1,000 concurrent sessions each get their answer", async () => {
    const sessions = 1000;
    const clients = await Promise.all(
      Array.from({ length: sessions }, () => MilterClient.connect(server.addresses[0]!, { style: "postfix" })),
    );
    const results = await Promise.all(
      clients.map(async (client, i) => {
        await client.open();
        const r = await client.transaction(simpleMessage("a@b", [`r${i}@x`], `m${i}`, `body ${i}\n`));
        await client.quit();
        return r.eom?.action;
      }),
    );
    assert.equal(results.filter((a) => a === "continue").length, sessions);
  });

  test("a malformed session closes alone; the others keep working", async () => {
    const healthy = await MilterClient.connect(server.addresses[0]!);
    await healthy.open();
    const bad = await MilterClient.connect(server.addresses[0]!);
    await bad.negotiate();
    bad.sendRaw(Buffer.from([0, 0, 0, 0, 0x43])); // length 0 (§1.2)
    await assert.rejects(bad.readResponse(5000), /closed/);
    const r = await healthy.transaction(simpleMessage("a@b", ["c@d"], "still", "fine\n"));
    assert.equal(r.eom?.action, "continue");
    await healthy.quit();
  });
});

describe("listeners and limits", () => {
  test("a unix socket with the configured mode", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "fg-sock-")), "milter.sock");
    const server = await start({ socketMode: "0600" }, [`unix:${path}`]);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const client = await MilterClient.connect(`unix:${path}`);
    await client.open({ hostname: "localhost", family: "unix", address: "/var/run/x", port: 0 });
    const r = await client.transaction(simpleMessage("a@b", ["c@d"], "unix", "hi\n"));
    assert.equal(r.eom?.action, "continue");
    await client.quit();
    await server.close(1000);
  });

  test("the session limit refuses new connections and keeps the established ones", async () => {
    const server = await start({ maxSessions: 2 });
    const a = await MilterClient.connect(server.addresses[0]!);
    const b = await MilterClient.connect(server.addresses[0]!);
    await a.open();
    await b.open();
    const c = await MilterClient.connect(server.addresses[0]!);
    await assert.rejects(c.negotiate(), /closed|reset|ECONNRESET/);
    for (const client of [a, b]) {
      const r = await client.transaction(simpleMessage("a@b", ["c@d"], "kept", "hi\n"));
      assert.equal(r.eom?.action, "continue");
      await client.quit();
    }
    await server.close(1000);
  });

  test("an idle session is closed", async () => {
    const server = await start({ idleTimeoutMs: 100 });
    const client = await MilterClient.connect(server.addresses[0]!);
    await client.negotiate();
    await assert.rejects(client.readResponse(5000), /closed/);
    await server.close(1000);
  });

  test("a session that keeps talking outlives the idle timeout", async () => {
    const server = await start({ idleTimeoutMs: 2000 });
    const client = await MilterClient.connect(server.addresses[0]!);
    await client.open();
    // Seven transactions 500 ms apart: longer than the idle timeout in all, never idle as long as it.
    for (let i = 0; i < 7; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const r = await client.transaction(simpleMessage("a@b", ["c@d"], `talking ${i}`, "hi\n"));
      assert.equal(r.eom?.action, "continue");
    }
    await client.quit();
    await server.close(1000);
  });

  test("a peer that trickles bytes and never finishes negotiating is closed, however active", async () => {
    // The negotiation's deadline is the idle timeout when that is shorter (src/engine/typescript/idle-sweep.ts).
    const server = await start({ idleTimeoutMs: 1000 });
    const port = Number(server.addresses[0]!.split(":").at(-1));
    const socket = connect(port, "127.0.0.1");
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {});
    const optneg = encodeCommand.optneg(6, 0x1ff, 0x1fffff);
    let sent = 0;
    // A byte every 200 ms: never idle for the timeout; the whole packet would take 3.4 s.
    const trickle = setInterval(() => {
      if (sent < optneg.length - 1) socket.write(optneg.subarray(sent, ++sent));
    }, 200);
    await closed;
    clearInterval(trickle);
    assert.ok(sent < optneg.length - 1, `the session stayed open for ${sent} bytes of ${optneg.length}`);
    await server.close(1000);
  });

  test("graceful shutdown: no new connections, the session in flight finishes", async () => {
    const server = await start();
    const client = await MilterClient.connect(server.addresses[0]!);
    await client.open();
    const closing = server.close(5000);
    const port = Number(server.addresses[0]!.split(":").at(-1));
    await new Promise<void>((resolve, reject) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => reject(new Error("a new connection was accepted during shutdown")));
      s.once("error", () => resolve());
    });
    const r = await client.transaction(simpleMessage("a@b", ["c@d"], "in flight", "hi\n"));
    assert.equal(r.eom?.action, "continue");
    await client.quit();
    await closing;
    assert.equal(server.sessionCount(), 0);
  });
});

describe("shutdown grace", () => {
  test("an idle open session does not hold the stop past the grace: it is closed, and the stop resolves", async () => {
    const server = await start();
    const client = await MilterClient.connect(server.addresses[0]!);
    await client.open();
    const r = await client.transaction(simpleMessage("a@b", ["c@d"], "before the stop", "hi\n"));
    assert.equal(r.eom?.action, "continue");
    // The MTA keeps the session open between messages, as for the rest of its SMTP session.
    assert.equal(await settledWithin(server.close(500), 5000), "stopped");
    await assert.rejects(client.readResponse(5000), /closed/);
    assert.equal(server.sessionCount(), 0);
  });

  test("a message at end of message when the stop begins gets its answer within the grace", async () => {
    const held = heldPolicy();
    const server = await start({}, undefined, held.policy);
    const client = await MilterClient.connect(server.addresses[0]!);
    await client.open();
    const answer = client.transaction(simpleMessage("a@b", ["c@d"], "in flight", "hi\n"));
    await held.reached;
    const stopping = server.close(30_000);
    held.release();
    assert.equal((await answer).eom?.action, "accept");
    await client.quit();
    assert.equal(await settledWithin(stopping, 30_000), "stopped");
    assert.equal(server.sessionCount(), 0);
  });

  test("a session still inside a message after the grace is closed, and the stop resolves", async () => {
    const server = await start();
    const client = await MilterClient.connect(server.addresses[0]!);
    await client.open();
    // MAIL and RCPT sent, the rest of the message not (yet): the MTA is inside a transaction.
    await client.step("mail", C.SMFIC_MAIL, encodeCommand.mail("a@b"), null, C.SMFIP_NOMAIL, C.SMFIP_NR_MAIL);
    await client.step("rcpt", C.SMFIC_RCPT, encodeCommand.rcpt("c@d"), null, C.SMFIP_NORCPT, C.SMFIP_NR_RCPT);
    assert.equal(await settledWithin(server.close(500), 5000), "stopped");
    await assert.rejects(client.readResponse(5000), /closed/);
    assert.equal(server.sessionCount(), 0);
  });
});
