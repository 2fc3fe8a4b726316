/**
 * The end-to-end cases through a real Postfix 3.7 (issue 2 "Proven by"), for either milter engine (issue 7): the
 * engine runs in the test process with the scripted policy, a private Postfix (src/lab/postfix.ts, configured
 * from deploy/postfix/main.cf.snippet) points `smtpd_milters` at it with `milter_default_action = tempfail`, and mail
 * goes in over SMTP. Each case checks what the SMTP client was told and what was delivered to the Maildir.
 * The entry files (postfix*.test.ts) pick the engine and the transports; one libmilter engine per process means one
 * transport per libmilter file. Every case here runs on both engines: the fail-mode cases change only the
 * JavaScript-side settings (read at each session by both engines), never what the libmilter shim fixes at start.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, type MilterConfig } from "../../src/config/schema.js";
import type { MilterServer } from "../../src/engine/engine.js";
import { failModeVerdict } from "../../src/vocabulary/fail-reasons.js";
import { engineLabel, startEngine, type EngineName, type Transport } from "../support/e2e-engines.js";
import { startPostfix, type PostfixLab } from "../../src/lab/postfix.js";
import { buildMessage, sendMail, SmtpSession } from "../../src/lab/smtp.js";
import {
  byMessageId,
  headerValues,
  readMaildir,
  waitForMessage,
  type DeliveredMessage,
} from "../../src/lab/maildir.js";
import {
  CHANGED_SUBJECT,
  REJECT_RCPT,
  REJECT_RCPT_REPLY,
  TAG_HEADER,
  TAG_VALUE,
  TEMPFAIL_REPLY,
  scriptedPolicy,
  type ScriptedPolicy,
} from "../support/scripted-policy.js";

const FROM = "sender@client.lab.local";
const EOM_DEADLINE_MS = 500;

/** The engine with the scripted policy; `milter` is read at each new session, so a test may change it. */
async function startScriptedMilter(engine: EngineName, listen: string, policy: ScriptedPolicy) {
  const milter: MilterConfig = { ...defaultConfig().milter, eomDeadlineMs: EOM_DEADLINE_MS, socketMode: "0666" };
  const server = await startEngine(engine, listen, policy, () => milter);
  return { server, milter };
}

/** The milter warnings Postfix logs before it applies `milter_default_action` (a timeout, a broken session). */
function assertNoDefaultAction(maillog: string): void {
  const lines = maillog
    .split("\n")
    .filter((l) => /warning: milter |warning: connect to Milter service|Service unavailable - try again later/.test(l));
  assert.deepEqual(lines, [], "Postfix applied its milter_default_action instead of Floodgate's fail mode");
}

async function delivered(lab: PostfixLab, user: string, messageId: string): Promise<DeliveredMessage> {
  return waitForMessage(() => readMaildir(lab.mailbox(user)), byMessageId(messageId), {
    timeoutMs: 30_000,
    describe: () => `--- maillog ---\n${lab.maillog()}`,
  });
}

function copies(lab: PostfixLab, user: string, messageId: string): number {
  return readMaildir(lab.mailbox(user)).filter(byMessageId(messageId)).length;
}

/**
 * Define the Postfix cases against `engine`, one describe per transport (TCP with every case, a unix socket with the
 * core ones). A libmilter engine takes one transport per test file.
 */
export function definePostfixSuite(engine: EngineName, transports: readonly Transport[] = ["tcp", "unix"]): void {
  if (transports.includes("tcp")) defineTcp(engine);
  if (transports.includes("unix")) defineUnix(engine);
}

function defineTcp(engine: EngineName): void {
  void describe(`Postfix with the milter on TCP (${engineLabel(engine)})`, () => {
    const policy = scriptedPolicy({ slowMs: EOM_DEADLINE_MS + 1000 });
    let server: MilterServer | undefined;
    let milter: MilterConfig;
    let lab: PostfixLab | undefined;

    before(async () => {
      ({ server, milter } = await startScriptedMilter(engine, "inet:127.0.0.1:0", policy));
      lab = await startPostfix({
        milter: server.addresses[0]!,
        defaultAction: "tempfail",
        timeouts: { connect: 10, command: 10, content: 30 },
      });
    });

    after(async () => {
      try {
        await lab?.stop();
      } finally {
        await server?.close(1000);
        await policy.settled();
      }
    });

    void test("a tagged message arrives once, with the header added once", async () => {
      const m = buildMessage({ from: FROM, to: ["alice@box.lab"], subject: "tag" });
      const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["alice@box.lab"], data: m.data });
      assert.equal(result.accepted, true, result.finalLines.join("\n"));
      const got = await delivered(lab!, "alice", m.messageId);
      assert.deepEqual(headerValues(got, TAG_HEADER), [TAG_VALUE]);
      assert.equal(copies(lab!, "alice", m.messageId), 1);
      // real-mta-lab.md: Postfix's queue id (macro i) is known at end of message and matches "queued as" (a long
      // queue id: the shipped snippet sets enable_long_queue_ids).
      const queued = /queued as ([0-9A-Za-z]+)/.exec(result.finalText)?.[1];
      const seen = policy.seen.find((s) =>
        s.headers.some((h) => h.name === "Message-ID" && h.value.includes(m.messageId)),
      );
      assert.ok(seen, "the policy saw the message");
      assert.equal(seen.queueId, queued);
      assert.deepEqual(seen.connect, {
        hostname: "localhost",
        family: "inet",
        address: "127.0.0.1",
        port: seen.connect?.port,
      });
      assert.deepEqual(
        seen.recipients.map((r) => r.address),
        ["alice@box.lab"],
      );
    });

    void test("a changed header is changed in the delivered message", async () => {
      const m = buildMessage({ from: FROM, to: ["bob@box.lab"], subject: "change" });
      const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["bob@box.lab"], data: m.data });
      assert.equal(result.accepted, true, result.finalLines.join("\n"));
      const got = await delivered(lab!, "bob", m.messageId);
      assert.deepEqual(headerValues(got, "Subject"), [CHANGED_SUBJECT]);
      assert.deepEqual(headerValues(got, TAG_HEADER), [TAG_VALUE]);
    });

    void test("a rejected message gets the exact multi-line reply, % intact", async () => {
      const m = buildMessage({ from: FROM, to: ["alice@box.lab"], subject: "reject" });
      const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["alice@box.lab"], data: m.data });
      assert.equal(result.accepted, false);
      // milter-protocol.md §1.9: every line repeats code and enhanced code; % must be escaped as %% on the wire and
      // Postfix turns %% back into %.
      assert.deepEqual(result.finalLines, [
        "550-5.7.1 Message rejected by the Floodgate test policy",
        "550-5.7.1 100% certain: it asked to be rejected",
        "550 5.7.1 See you later",
      ]);
      assert.equal(copies(lab!, "alice", m.messageId), 0);
    });

    void test("a tempfailed message gets 451 4.7.1 with the policy's text", async () => {
      const m = buildMessage({ from: FROM, to: ["alice@box.lab"], subject: "tempfail" });
      const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["alice@box.lab"], data: m.data });
      assert.equal(result.finalCode, 451);
      assert.deepEqual(result.finalLines, [`451 4.7.1 ${String(TEMPFAIL_REPLY.text)}`]);
    });

    void test("a rejected recipient gets its reply while the other recipient is delivered", async () => {
      const m = buildMessage({ from: FROM, to: ["carol@box.lab", REJECT_RCPT], subject: "tag" });
      const result = await sendMail({
        port: lab!.smtpPort,
        from: FROM,
        to: ["carol@box.lab", REJECT_RCPT],
        data: m.data,
      });
      const rcpts = result.replies.filter((r) => r.stage === "rcpt");
      assert.deepEqual(
        rcpts.map((r) => r.lines),
        [["250 2.1.5 Ok"], [`550 ${REJECT_RCPT_REPLY.xcode} ${String(REJECT_RCPT_REPLY.text)}`]],
      );
      assert.equal(result.accepted, true, result.finalLines.join("\n"));
      const got = await delivered(lab!, "carol", m.messageId);
      assert.deepEqual(headerValues(got, TAG_HEADER), [TAG_VALUE]);
      assert.deepEqual(headerValues(got, "Delivered-To"), ["carol@box.lab"]);
      assert.equal(copies(lab!, "reject-rcpt", m.messageId), 0);
    });

    void test("a handler that answers too late gets deadlineFailMode continue: delivered with the status header", async () => {
      const m = buildMessage({ from: FROM, to: ["dave@box.lab"], subject: "slow" });
      const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["dave@box.lab"], data: m.data });
      assert.equal(result.accepted, true, result.finalLines.join("\n"));
      const got = await delivered(lab!, "dave", m.messageId);
      assert.deepEqual(headerValues(got, milter.statusHeader), ["skipped; reason=eom-deadline"]);
      // The late answer (a tag) is dropped, never sent.
      assert.deepEqual(headerValues(got, TAG_HEADER), []);
      assertNoDefaultAction(lab!.maillog());
    });

    void test("a handler that answers too late gets deadlineFailMode tempfail: Floodgate's 451, not Postfix's", async () => {
      milter.deadlineFailMode = "tempfail";
      try {
        const m = buildMessage({ from: FROM, to: ["dave@box.lab"], subject: "slow" });
        const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["dave@box.lab"], data: m.data });
        const expected = failModeVerdict("tempfail", "eom-deadline");
        assert.ok(expected.kind === "tempfail" && expected.reply);
        assert.deepEqual(result.finalLines, [`451 4.7.1 ${String(expected.reply.text)}`]);
        assertNoDefaultAction(lab!.maillog());
      } finally {
        milter.deadlineFailMode = "continue";
      }
    });

    void test("several messages in one SMTP session (RSET, a second and third MAIL) each get their own verdict", async () => {
      const session = await SmtpSession.open(lab!.smtpPort);
      try {
        assert.equal((await session.ehlo()).code, 250);
        const first = buildMessage({ from: FROM, to: ["erin@box.lab"], subject: "tag" });
        const r1 = await session.transaction(FROM, ["erin@box.lab"], first.data);
        assert.equal(r1.accepted, true, r1.finalLines.join("\n"));
        assert.equal((await session.rset()).code, 250);
        // A transaction abandoned after RCPT: Postfix sends ABORT to the milter.
        assert.equal((await session.mail(FROM)).code, 250);
        assert.equal((await session.rcpt("erin@box.lab")).code, 250);
        assert.equal((await session.rset()).code, 250);
        const second = buildMessage({ from: FROM, to: ["erin@box.lab"], subject: "reject" });
        const r2 = await session.transaction(FROM, ["erin@box.lab"], second.data);
        assert.equal(r2.finalCode, 550);
        const third = buildMessage({ from: FROM, to: ["erin@box.lab"], subject: "tag" });
        const r3 = await session.transaction(FROM, ["erin@box.lab"], third.data);
        assert.equal(r3.accepted, true, r3.finalLines.join("\n"));
        for (const m of [first, third]) {
          const got = await delivered(lab!, "erin", m.messageId);
          assert.deepEqual(headerValues(got, TAG_HEADER), [TAG_VALUE]);
        }
        assert.equal(copies(lab!, "erin", second.messageId), 0);
      } finally {
        await session.quit();
      }
    });

    void test("a 10 MB message passes intact", async () => {
      const lines: string[] = [];
      let size = 0;
      while (size < 10 * 1024 * 1024) {
        const line = randomBytes(57).toString("base64");
        lines.push(line);
        size += line.length + 2;
      }
      const body = lines.join("\n") + "\n";
      const m = buildMessage({ from: FROM, to: ["alice@box.lab"], subject: "tag", body });
      const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["alice@box.lab"], data: m.data });
      assert.equal(result.accepted, true, result.finalLines.join("\n"));
      const got = await delivered(lab!, "alice", m.messageId);
      const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
      // Maildir files use LF line endings; the body is compared byte for byte after that.
      assert.equal(sha(got.body.toString("latin1").replace(/\r\n/g, "\n").replace(/\n+$/, "\n")), sha(body));
      assert.deepEqual(headerValues(got, TAG_HEADER), [TAG_VALUE]);
      const seen = policy.seen.find((s) =>
        s.headers.some((h) => h.name === "Message-ID" && h.value.includes(m.messageId)),
      );
      assert.ok(seen && seen.truncated, "the capture is capped, the message is not");
      assert.ok(seen.bodyBytes >= size, `the milter counted ${seen.bodyBytes} bytes`);
    });
  });
}

function defineUnix(engine: EngineName): void {
  void describe(`Postfix with the milter on a unix socket (${engineLabel(engine)})`, () => {
    const policy = scriptedPolicy({ slowMs: EOM_DEADLINE_MS + 1000 });
    let server: MilterServer | undefined;
    let lab: PostfixLab | undefined;
    let sockDir: string | undefined;

    before(async () => {
      // smtpd runs as the postfix user: the folder must be searchable and the socket writable (socketMode 0666).
      sockDir = mkdtempSync(join(tmpdir(), "floodgate-sock-"));
      chmodSync(sockDir, 0o755);
      ({ server } = await startScriptedMilter(engine, `unix:${join(sockDir, "milter.sock")}`, policy));
      lab = await startPostfix({ milter: server.addresses[0]!, defaultAction: "tempfail" });
    });

    after(async () => {
      try {
        await lab?.stop();
      } finally {
        await server?.close(1000);
        await policy.settled();
        if (sockDir) rmSync(sockDir, { recursive: true, force: true });
      }
    });

    void test("a tagged message arrives with its header; a rejected one gets the reply", async () => {
      const m = buildMessage({ from: FROM, to: ["alice@box.lab"], subject: "tag" });
      const ok = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["alice@box.lab"], data: m.data });
      assert.equal(ok.accepted, true, ok.finalLines.join("\n"));
      const got = await delivered(lab!, "alice", m.messageId);
      assert.deepEqual(headerValues(got, TAG_HEADER), [TAG_VALUE]);
      // milter-protocol.md §1.8: Postfix describes the SMTP client, not the milter transport.
      assert.equal(policy.seen.at(-1)?.connect?.family, "inet");

      const r = buildMessage({ from: FROM, to: ["alice@box.lab"], subject: "reject" });
      const no = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["alice@box.lab"], data: r.data });
      assert.equal(no.finalCode, 550);
      assert.equal(no.finalLines.length, 3);
      assertNoDefaultAction(lab!.maillog());
    });
  });
}
