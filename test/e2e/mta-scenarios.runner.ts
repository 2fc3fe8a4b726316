/**
 * The one runner of the real-MTA scenarios (test/e2e/mta-scenarios/, one file per case): it plays every scenario
 * through a private Postfix or Sendmail whose only milter is an engine (TypeScript or libmilter) running the scripted
 * policy in this process, and checks what the SMTP client was told, what the policy was told and what was delivered.
 * The entry files (mta-scenarios*.test.ts) choose the MTA, the engine and the transport; one libmilter engine per
 * process means one combination per libmilter file. The scenarios change only the JavaScript-side settings, which
 * both engines read at each session, never what the libmilter shim fixes at start.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultConfig, type MilterConfig } from "../../src/config/schema.js";
import type { MilterServer } from "../../src/engine/engine.js";
import { headerValues } from "../../src/lab/maildir.js";
import { buildMessage, SmtpSession, type SendMailResult, type SmtpReplyLine } from "../../src/lab/smtp.js";
import { engineLabel, startEngine, type EngineName, type Transport } from "../support/e2e-engines.js";
import { startMtaLab, type MtaLab } from "../support/mta-lab.js";
import {
  forMta,
  type BodySpec,
  type MtaName,
  type ReplyExpectation,
  type Scenario,
  type TransactionStep,
} from "../support/mta-scenario.js";
import { scriptedPolicy, type ScriptedPolicy } from "../support/scripted-policy.js";

const FROM = "sender@client.lab.local";
const EOM_DEADLINE_MS = 500;
const SCENARIO_DIR = fileURLToPath(new URL("./mta-scenarios/", import.meta.url));

/** Every scenario file's default export, by file name (a file without a scenario fails the load with its name). */
async function loadScenarios(): Promise<{ file: string; scenario: Scenario }[]> {
  const files = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".js"))
    .sort();
  return Promise.all(
    files.map(async (file) => {
      const mod = (await import(join(SCENARIO_DIR, file))) as { default?: Scenario };
      const scenario = mod.default;
      if (!scenario?.name || !Array.isArray(scenario.steps))
        throw new Error(`${file}: its default export is not a Scenario`);
      return { file, scenario };
    }),
  );
}

/** Every scenario, loaded once per process. */
export const scenarios = await loadScenarios();

/** The scenarios `mta` plays on `transport`. */
export function scenariosFor(mta: MtaName, transport: Transport): { file: string; scenario: Scenario }[] {
  return scenarios.filter(
    ({ scenario }) => (scenario.only?.mtas.includes(mta) ?? true) && (transport === "tcp" || scenario.unixSocket),
  );
}

/** Define one test per scenario that `mta` plays on `transport`, against `engine`. */
export function runMtaScenarios(mta: MtaName, engine: EngineName, transport: Transport): void {
  void describe(`${mta} with the milter on ${transport === "tcp" ? "TCP" : "a unix socket"} (${engineLabel(engine)})`, () => {
    const policy = scriptedPolicy({ slowMs: EOM_DEADLINE_MS + 1000 });
    const milter: MilterConfig = { ...defaultConfig().milter, eomDeadlineMs: EOM_DEADLINE_MS, socketMode: "0666" };
    let server: MilterServer | undefined;
    let lab: MtaLab | undefined;
    let sockDir: string | undefined;

    before(async () => {
      let listen = "inet:127.0.0.1:0";
      if (transport === "unix") {
        // Postfix's smtpd runs as the postfix user: the folder must be searchable, the socket writable (0666).
        sockDir = mkdtempSync(join(tmpdir(), "floodgate-sock-"));
        chmodSync(sockDir, 0o755);
        listen = `unix:${join(sockDir, "milter.sock")}`;
      }
      server = await startEngine(engine, listen, policy, () => milter);
      lab = await startMtaLab(mta, server.addresses[0]!);
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

    for (const { file, scenario } of scenariosFor(mta, transport)) {
      void test(`${scenario.name} [${file}]`, async () => {
        const saved = { ...milter };
        Object.assign(milter, scenario.milter);
        try {
          await play(scenario, { mta, lab: lab!, policy, milter });
        } finally {
          Object.assign(milter, saved);
        }
      });
    }
  });
}

interface PlayContext {
  mta: MtaName;
  lab: MtaLab;
  policy: ScriptedPolicy;
  milter: MilterConfig;
}

/** One SMTP session through the MTA with the scenario's steps, each checked as it ends. */
async function play(scenario: Scenario, ctx: PlayContext): Promise<void> {
  const mark = ctx.lab.logMark();
  const session = await SmtpSession.open(ctx.lab.smtpPort);
  try {
    assert.equal((await session.ehlo()).code, 250);
    for (const step of scenario.steps) {
      if (step.kind === "rset") {
        if (step.abandon) {
          // A transaction abandoned after RCPT: the MTA sends ABORT to the milter.
          assert.equal((await session.mail(FROM)).code, 250);
          for (const rcpt of step.abandon) assert.equal((await session.rcpt(rcpt)).code, 250);
        }
        assert.equal((await session.rset()).code, 250);
      } else {
        await transaction(session, step, ctx);
      }
    }
  } finally {
    await session.quit();
  }
  assert.deepEqual(
    ctx.lab.fallbackWarnings(mark) ?? [],
    [],
    `${ctx.mta} applied its own milter default action instead of Floodgate's answer`,
  );
}

async function transaction(session: SmtpSession, step: TransactionStep, ctx: PlayContext): Promise<void> {
  const body = bodyText(step.body);
  const m = buildMessage({ from: FROM, to: [...step.to], subject: step.subject, body });
  const result = await session.transaction(FROM, step.to, m.data);
  const context = `${ctx.mta} said:\n${result.replies.map((r) => r.lines.join("\n")).join("\n")}`;

  const rcptReplies = step.rcptReplies && forMta(step.rcptReplies, ctx.mta);
  if (rcptReplies) {
    const got = result.replies.filter((r) => r.stage === "rcpt");
    assert.equal(got.length, rcptReplies.length, context);
    rcptReplies.forEach((want, i) => assertReply(got[i]!, want, context));
  }
  const final = forMta(step.finalReply, ctx.mta);
  if (final === "accepted") assert.equal(result.accepted, true, context);
  else assertReply(finalReplyOf(result), final, context);

  if (step.delivered) await checkDelivered(step, m.messageId, body, ctx);
  for (const rcpt of step.notDeliveredTo ?? [])
    assert.equal(ctx.lab.copies(rcpt, m.messageId), 0, `a copy reached ${rcpt}`);
  if (step.policySaw) checkPolicy(step, m.messageId, body, result, ctx);
}

async function checkDelivered(step: TransactionStep, messageId: string, body: string | undefined, ctx: PlayContext) {
  const expected = step.delivered!;
  for (const rcpt of expected.to) {
    const got = await ctx.lab.delivered(rcpt, messageId);
    assert.equal(ctx.lab.copies(rcpt, messageId), 1, `copies delivered to ${rcpt}`);
    for (const [name, values] of Object.entries(expected.headers ? forMta(expected.headers, ctx.mta) : {}))
      assert.deepEqual(headerValues(got, name), values, `${name} delivered to ${rcpt}`);
    if (expected.bodyIntact) {
      // Delivered files use LF line endings; the body is compared byte for byte after that.
      const delivered = got.body.toString("latin1").replace(/\r\n/g, "\n").replace(/\n+$/, "\n");
      assert.equal(sha256(delivered), sha256(`${body ?? ""}`), "the delivered body differs from the one sent");
    }
  }
}

function checkPolicy(
  step: TransactionStep,
  messageId: string,
  body: string | undefined,
  result: SendMailResult,
  ctx: PlayContext,
) {
  const want = forMta(step.policySaw!, ctx.mta);
  const seen = ctx.policy.seen.find((s) =>
    s.headers.some((h) => h.name === "Message-ID" && h.value.includes(messageId)),
  );
  assert.ok(seen, "the policy saw the message");
  if (want.queueIdInFinalReply) {
    assert.ok(seen.queueId, "the MTA gave the milter a queue id");
    assert.equal(seen.queueId, ctx.lab.queueIdInReply(result.finalText), `queue id in "${result.finalText}"`);
  }
  if (want.connect) assert.deepEqual(seen.connect, { ...want.connect, port: seen.connect?.port });
  if (want.recipients)
    assert.deepEqual(
      seen.recipients.map((r) => r.address),
      want.recipients,
    );
  if (want.capturedTruncated !== undefined) {
    assert.equal(seen.truncated, want.capturedTruncated, "the capture is capped, the message is not");
    const sent = Buffer.byteLength((body ?? "").replace(/\n/g, "\r\n"));
    assert.ok(seen.bodyBytes >= sent, `the milter counted ${seen.bodyBytes} of ${sent} body bytes`);
  }
}

/** The reply that ended the transaction, as `SmtpSession` records it. */
function finalReplyOf(result: SendMailResult): SmtpReplyLine {
  return { stage: "message", code: result.finalCode, lines: result.finalLines, text: result.finalText };
}

function assertReply(got: SmtpReplyLine, want: ReplyExpectation, context: string): void {
  if (typeof want === "number") assert.equal(got.code, want, context);
  else assert.deepEqual(got.lines, want, context);
}

function bodyText(spec: BodySpec | undefined): string | undefined {
  if (spec === undefined || typeof spec === "string") return spec;
  const lines: string[] = [];
  let size = 0;
  while (size < spec.randomBase64Bytes) {
    const line = randomBytes(57).toString("base64");
    lines.push(line);
    size += line.length + 2;
  }
  return lines.join("\n") + "\n";
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
