/**
 * The end-to-end cases through a real Sendmail 8.17 (issue 2 "Proven by"), for either milter engine (issue 7): the
 * engine runs in the test process with the scripted policy; a private Sendmail (test/support/sendmail.ts, milter line
 * from deploy/sendmail/floodgate.mc.snippet, F=T) relays accepted mail to an smtp-sink whose dump files are read back.
 * Sendmail speaks the protocol differently from Postfix (real-mta-lab.md: queue id at MAIL, no `D` before T/L/N/B, no
 * abort after end of message), so the core cases are run here too. Few messages: Sendmail forks per connection and per
 * delivery. Every case runs on both engines: the fail-mode case changes only the JavaScript-side fail mode, which
 * both engines read at each session.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig, type MilterConfig } from "../../src/config/schema.js";
import type { MilterServer } from "../../src/engine/engine.js";
import { failModeVerdict } from "../../src/vocabulary/fail-reasons.js";
import { engineLabel, portOf, startEngine, type EngineName } from "../support/e2e-engines.js";
import { startSendmail, type SendmailLab } from "../support/sendmail.js";
import { buildMessage, sendMail } from "../../src/lab/smtp.js";
import {
  byMessageId,
  headerValues,
  readSinkDir,
  waitForMessage,
  type DeliveredMessage,
} from "../../src/lab/maildir.js";
import { REJECT_RCPT, REJECT_RCPT_REPLY, TAG_HEADER, TAG_VALUE, scriptedPolicy } from "../support/scripted-policy.js";

const FROM = "sender@client.lab.local";
const EOM_DEADLINE_MS = 500;

/** Define the Sendmail cases against `engine` (TCP; one libmilter engine per test file). */
export function defineSendmailSuite(engine: EngineName): void {
  void describe(`Sendmail with the milter on TCP (${engineLabel(engine)})`, () => {
    const policy = scriptedPolicy({ slowMs: EOM_DEADLINE_MS + 1000 });
    const milter: MilterConfig = { ...defaultConfig().milter, eomDeadlineMs: EOM_DEADLINE_MS };
    let server: MilterServer | undefined;
    let lab: SendmailLab | undefined;

    before(async () => {
      server = await startEngine(engine, "inet:127.0.0.1:0", policy, () => milter);
      const port = portOf(server.addresses[0]!);
      // Sendmail spells it inet:PORT@HOST (milter-protocol.md §1.1); E (a total from end of message) stays well above
      // the engine's deadline so that Floodgate's fail mode, not Sendmail's F=T, answers a late handler.
      lab = await startSendmail({
        milter: `inet:${port}@127.0.0.1`,
        timeouts: { connect: 10, send: 10, read: 10, eom: 30 },
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

    const delivered = (messageId: string): Promise<DeliveredMessage> =>
      waitForMessage(() => readSinkDir(lab!.sinkDir), byMessageId(messageId), {
        timeoutMs: 30_000,
        describe: () => lab!.diagnostics(),
      });

    void test("a tagged message is relayed once with the header added once; a rejected recipient gets its reply", async () => {
      const m = buildMessage({ from: FROM, to: ["alice@box.lab"], subject: "tag" });
      const result = await sendMail({
        port: lab!.smtpPort,
        from: FROM,
        to: ["alice@box.lab", REJECT_RCPT],
        data: m.data,
      });
      const rcpts = result.replies.filter((r) => r.stage === "rcpt");
      assert.equal(rcpts[0]?.code, 250);
      // Sendmail prefixes the address to a milter's RCPT reply text.
      assert.deepEqual(rcpts[1]?.lines, [
        `550 ${REJECT_RCPT_REPLY.xcode} <${REJECT_RCPT}>... ${String(REJECT_RCPT_REPLY.text)}`,
      ]);
      assert.equal(result.accepted, true, result.finalLines.join("\n"));
      const got = await delivered(m.messageId);
      assert.deepEqual(headerValues(got, TAG_HEADER), [TAG_VALUE]);
      assert.equal(readSinkDir(lab!.sinkDir).filter(byMessageId(m.messageId)).length, 1);
      assert.deepEqual(headerValues(got, "X-Rcpt-Args"), ["<alice@box.lab>"]);
      // real-mta-lab.md: Sendmail gives the queue id at MAIL; it is the one in "Message accepted".
      const seen = policy.seen.find((s) =>
        s.headers.some((h) => h.name === "Message-ID" && h.value.includes(m.messageId)),
      );
      assert.ok(seen, "the policy saw the message");
      assert.ok(
        seen.queueId && result.finalText.includes(seen.queueId),
        `queue id ${seen.queueId} in ${result.finalText}`,
      );
    });

    void test("a rejected message gets the exact multi-line reply, % intact", async () => {
      const m = buildMessage({ from: FROM, to: ["alice@box.lab"], subject: "reject" });
      const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["alice@box.lab"], data: m.data });
      // milter-protocol.md §1.9: an unescaped % would make Sendmail fall back to "550 5.7.1 Command rejected".
      assert.deepEqual(result.finalLines, [
        "550-5.7.1 Message rejected by the Floodgate test policy",
        "550-5.7.1 100% certain: it asked to be rejected",
        "550 5.7.1 See you later",
      ]);
    });

    void test("a handler that answers too late gets deadlineFailMode continue: relayed with the status header", async () => {
      const m = buildMessage({ from: FROM, to: ["bob@box.lab"], subject: "slow" });
      const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["bob@box.lab"], data: m.data });
      assert.equal(result.accepted, true, result.finalLines.join("\n"));
      const got = await delivered(m.messageId);
      assert.deepEqual(headerValues(got, milter.statusHeader), ["skipped; reason=eom-deadline"]);
      assert.deepEqual(headerValues(got, TAG_HEADER), []);
    });

    void test("a handler that answers too late gets deadlineFailMode tempfail: Floodgate's 451, not Sendmail's F=T", async () => {
      milter.deadlineFailMode = "tempfail";
      try {
        const m = buildMessage({ from: FROM, to: ["bob@box.lab"], subject: "slow" });
        const result = await sendMail({ port: lab!.smtpPort, from: FROM, to: ["bob@box.lab"], data: m.data });
        const expected = failModeVerdict("tempfail", "eom-deadline");
        assert.ok(expected.kind === "tempfail" && expected.reply);
        assert.deepEqual(result.finalLines, [`451 4.7.1 ${String(expected.reply.text)}`]);
      } finally {
        milter.deadlineFailMode = "continue";
      }
    });
  });
}
