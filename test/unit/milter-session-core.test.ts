/**
 * The engine-agnostic session core (src/session/session-core.ts) and the modification rules (modifications.ts), driven
 * directly as both engines drive them: a respond callback or none, the end-of-message delivery, the summary log line.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import * as C from "../../src/milter/constants.js";
import { defaultConfig } from "../../src/config/schema.js";
import { noopPolicy } from "../../src/policy/noop-policy.js";
import { negotiatedModifications } from "../../src/session/modifications.js";
import { MAX_OBSERVED_RECIPIENTS, type MilterPolicy } from "../../src/vocabulary/policy-api.js";
import { captureBudget } from "../../src/session/capture-budget.js";
import type { Modification } from "../../src/vocabulary/modification.js";
import type { Verdict } from "../../src/vocabulary/verdict.js";
import { SessionCore } from "../../src/session/session-core.js";
import type { SessionSettings } from "../../src/session/session-api.js";

const SENDER = { address: "a@example.org", args: [] };
const RECIPIENT = { address: "b@example.net", args: [] };

/** A core with an in-memory log, the observer's calls and macros from a plain map. */
function coreFor(
  policy: MilterPolicy,
  overrides: Partial<SessionSettings> = {},
  summaryFields?: Record<string, unknown>,
  loopLagMs = 0,
) {
  const settings = { ...defaultConfig().milter, ...overrides };
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: "debug" },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const failModes: string[] = [];
  const decided: string[] = [];
  const decidedSeconds: number[] = [];
  const macros = new Map([["i", "Q123"]]);
  const core = new SessionCore({
    engine: "typescript",
    policy,
    settings: () => settings,
    logger,
    observer: {
      failMode: (reason) => failModes.push(reason),
      messageDecided: (verdict, seconds) => {
        decided.push(verdict);
        decidedSeconds.push(seconds);
      },
    },
    macro: (name) => macros.get(name),
    summaryFields,
    loopLag: { recentMaxMs: () => loopLagMs },
  });
  core.negotiated(C.SMFIF_ADDHDRS | C.SMFIF_CHGHDRS | C.SMFIF_CHGBODY, 0);
  return { core, logs, failModes, decided, decidedSeconds };
}

void describe("modifications", () => {
  const header: Modification = { kind: "addHeader", name: "X-A", value: "1" };
  const body: Modification = { kind: "replaceBody", body: Buffer.from("b") };
  const quarantine: Modification = { kind: "quarantine", reason: "q" };
  const change: Modification = { kind: "changeHeader", index: 1, name: "Subject", value: "s" };

  void test("body replacement contiguous, quarantine last, the rest in the policy's order (§1.4)", () => {
    const all = C.SMFIF_ADDHDRS | C.SMFIF_CHGHDRS | C.SMFIF_CHGBODY | C.SMFIF_QUARANTINE;
    const out = negotiatedModifications([quarantine, body, header, body, change], all, () =>
      assert.fail("none dropped"),
    );
    assert.deepEqual(out, [header, change, body, body, quarantine]);
  });

  void test("what the negotiation does not allow is dropped and reported (§1.4, §1.5)", () => {
    const dropped: string[] = [];
    const withArgs: Modification = { kind: "addRecipient", address: "c@x", args: ["NOTIFY=NEVER"] };
    const plain: Modification = { kind: "addRecipient", address: "d@x" };
    const out = negotiatedModifications([withArgs, plain, header], C.SMFIF_ADDHDRS | C.SMFIF_ADDRCPT, (m) =>
      dropped.push(m.kind),
    );
    assert.deepEqual(out, [plain, header]);
    assert.deepEqual(dropped, ["addRecipient"], "a recipient with ESMTP arguments needs SMFIF_ADDRCPT_PAR");
  });
});

void describe("session core", () => {
  void test("a stage handler that throws gets the fail mode; the recipient does not count", async () => {
    const policy: MilterPolicy = {
      ...noopPolicy(),
      rcptTo: () => {
        throw new Error("boom");
      },
    };
    const { core, logs, failModes } = coreFor(policy, { deadlineFailMode: "tempfail" });
    const answers: Verdict[] = [];
    await core.onMail(SENDER, (v) => answers.push(v));
    await core.onRcpt(RECIPIENT, (v) => answers.push(v));
    assert.equal(answers[0]!.kind, "continue");
    assert.deepEqual(answers[1], {
      kind: "tempfail",
      reply: { code: 451, xcode: "4.7.1", text: "Floodgate: rcpt-error, try again later" },
      formattedReply: "451 4.7.1 Floodgate: rcpt-error, try again later",
    });
    assert.deepEqual(failModes, ["rcpt-error"]);
    assert.deepEqual(core.transaction!.skipReasons, ["rcpt-error"]);
    assert.equal(core.transaction!.recipients.length, 0);
    assert.ok(logs.some((l) => l.msg === "policy handler failed" && l.err === "boom"));
  });

  void test("with no reply owed, a verdict other than continue is dropped with a warning (§1.5, NR_* is a hard promise)", async () => {
    const policy: MilterPolicy = { ...noopPolicy(), helo: () => ({ kind: "reject" }) };
    const { core, logs } = coreFor(policy);
    await core.onHelo("mx.example", null);
    assert.equal(core.helo, "mx.example");
    const warning = logs.find((l) => l.msg === "verdict dropped: no reply was promised");
    assert.equal(warning?.stage, "helo");
    assert.equal(warning?.verdict, "reject");
  });

  void test("an invalid SMTP reply gives way to the plain verdict (§1.9)", async () => {
    const policy: MilterPolicy = {
      ...noopPolicy(),
      mailFrom: () => ({ kind: "reject", reply: { code: 451, text: "x" } }),
    };
    const { core, logs } = coreFor(policy);
    const answers: Verdict[] = [];
    await core.onMail(SENDER, (v) => answers.push(v));
    assert.deepEqual(answers, [{ kind: "reject" }]);
    assert.ok(logs.some((l) => l.msg === "invalid SMTP reply; sending the plain verdict"));
  });

  void test("end of message: one delivery, status header, negotiated modifications, observer, summary line", async () => {
    const policy: MilterPolicy = {
      ...noopPolicy(),
      data: () => Promise.reject(new Error("down")),
      endOfMessage: async (ctx, message) => {
        assert.equal(message.raw.toString(), "Subject: hi\r\n\r\nbody\r\n");
        assert.equal(ctx.transaction!.queueId, "Q123");
        return {
          verdict: { kind: "accept" },
          modifications: [
            { kind: "quarantine", reason: "not negotiated" },
            { kind: "replaceBody", body: Buffer.from("new") },
          ],
        };
      },
    };
    const { core, logs, decided } = coreFor(policy, {}, { engine: "libmilter" });
    await core.onMail(SENDER, null);
    await core.onRcpt(RECIPIENT, null);
    await core.onData(null);
    core.onHeader("Subject", "hi", null);
    await core.onEndOfHeaders(null);
    core.onBody(Buffer.from("body"), null);
    const deliveries: Array<[Verdict, Modification[]]> = [];
    await core.onEndOfMessage(Buffer.from("\r\n"), (v, m) => deliveries.push([v, m]));
    assert.equal(deliveries.length, 1);
    assert.deepEqual(deliveries[0], [
      { kind: "accept" },
      [
        { kind: "addHeader", name: "X-Floodgate-Status", value: "skipped; reason=data-error" },
        { kind: "replaceBody", body: Buffer.from("new") },
      ],
    ]);
    assert.deepEqual(decided, ["accept"]);
    assert.ok(logs.some((l) => l.msg === "modification not negotiated; dropped" && l.modification === "quarantine"));
    const summary = logs.find((l) => l.msg === "message")!;
    assert.deepEqual(Object.keys(summary).slice(Object.keys(summary).indexOf("session"), -1), [
      "session",
      "engine",
      "queueId",
      "client",
      "sender",
      "recipients",
      "bytes",
      "verdict",
      "status",
      "skipped",
      "ms",
    ]);
    assert.equal(summary.status, "skipped; reason=data-error", "the status header's value, in the log too");
    assert.equal(summary.engine, "libmilter");
    assert.equal(summary.recipients, 1);
    assert.deepEqual(summary.skipped, ["data-error"]);
    assert.equal(core.transaction!.queueId, "Q123", "the transaction stays readable until the next one");
  });

  void test("a new MAIL aborts the open transaction; close aborts and tells the policy once each", async () => {
    const calls: string[] = [];
    const policy: MilterPolicy = {
      ...noopPolicy(),
      abort: (ctx) => calls.push(`abort:${ctx.transaction!.sender.address}`),
      close: () => calls.push("close"),
    };
    const { core } = coreFor(policy);
    await core.onMail(SENDER, null);
    await core.onMail({ address: "c@example.org", args: [] }, null);
    core.onClose();
    assert.deepEqual(calls, ["abort:a@example.org", "abort:c@example.org", "close"]);
    assert.equal(core.transaction, null);
  });

  void test("the status header: the policy's own status wins; without one, the reasons a fail mode applied", async () => {
    const statuses: string[] = [];
    for (const status of ["continue; new", undefined]) {
      const policy: MilterPolicy = {
        ...noopPolicy(),
        rcptTo: () => Promise.reject(new Error("down")),
        endOfMessage: async () => ({ verdict: { kind: "continue" }, ...(status ? { status } : {}) }),
      };
      const { core } = coreFor(policy);
      await core.onMail(SENDER, null);
      await core.onRcpt(RECIPIENT, null);
      await core.onEndOfMessage(Buffer.alloc(0), (_v, mods) =>
        statuses.push(...mods.map((m) => ("value" in m ? m.value : ""))),
      );
    }
    assert.deepEqual(statuses, ["continue; new", "skipped; reason=rcpt-error"]);
  });

  void test("at the engine's deadline, forged Floodgate headers are removed and the status says why", async () => {
    const policy: MilterPolicy = { ...noopPolicy(), endOfMessage: () => new Promise(() => undefined) };
    const { core } = coreFor(policy, { eomDeadlineMs: 30 });
    await core.onMail(SENDER, null);
    for (let i = 0; i < 1500; i++) core.onHeader(`X-Pad-${i}`, "x", null);
    core.onHeader("X-Floodgate-Campaign", "000000000000; copies=1; recipients=1", null);
    core.onHeader("X-Floodgate-Status", "continue; ham", null);
    await core.onEndOfHeaders(null);
    const deliveries: Array<[Verdict, Modification[]]> = [];
    await core.onEndOfMessage(Buffer.alloc(0), (v, m) => deliveries.push([v, m]));
    assert.deepEqual(deliveries, [
      [
        { kind: "continue" },
        [
          { kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: "skipped; reason=eom-deadline" },
          { kind: "changeHeader", index: 1, name: "X-Floodgate-Campaign", value: "" },
        ],
      ],
    ]);
  });

  void test("a policy that never answers: the answer leaves before milter.eomDeadlineMs though the loop is late", async () => {
    // The loop has lately fired its timers up to 800 ms late, and is busy for 200 ms when the engine's timer is due:
    // the engine's deadline is set that much earlier, so its answer (eom-deadline) still leaves within the deadline.
    const eomDeadlineMs = 2000;
    const policy: MilterPolicy = { ...noopPolicy(), endOfMessage: () => new Promise(() => undefined) };
    const { core, failModes, decidedSeconds } = coreFor(policy, { eomDeadlineMs }, undefined, 800);
    await core.onMail(SENDER, null);
    const busy = setTimeout(() => {
      const until = performance.now() + 200;
      while (performance.now() < until);
    }, eomDeadlineMs / 2);
    const statuses: string[] = [];
    await core.onEndOfMessage(Buffer.alloc(0), (_v, mods) =>
      statuses.push(...mods.map((m) => ("value" in m ? m.value : ""))),
    );
    clearTimeout(busy);
    assert.deepEqual(failModes, ["eom-deadline"]);
    assert.deepEqual(statuses, ["skipped; reason=eom-deadline"]);
    assert.ok(decidedSeconds[0]! < eomDeadlineMs / 1000, `answered after ${decidedSeconds[0]} s`);
  });

  void test("the deadline counts from when the engine read the end of message, not from when it got to it", async () => {
    const eomDeadlineMs = 2000;
    const policy: MilterPolicy = { ...noopPolicy(), endOfMessage: () => new Promise(() => undefined) };
    const { core, failModes, decidedSeconds } = coreFor(policy, { eomDeadlineMs });
    await core.onMail(SENDER, null);
    // Read 1.2 s ago, behind frames of other commands: 0.8 s of the deadline are left.
    const readAt = performance.now() - 1200;
    await core.onEndOfMessage(Buffer.alloc(0), () => undefined, undefined, readAt);
    assert.deepEqual(failModes, ["eom-deadline"]);
    assert.ok(decidedSeconds[0]! >= 1.2, `counted from the read: ${decidedSeconds[0]} s`);
    assert.ok(decidedSeconds[0]! < eomDeadlineMs / 1000, `answered after ${decidedSeconds[0]} s`);
  });

  void test("past 100 own headers: refused without the policy; in shadow mode it goes on, labelled over the first", async () => {
    const answers: Array<[string, string | undefined, Modification[]]> = [];
    let asked = 0;
    for (const shadow of [false, true]) {
      const policy: MilterPolicy = {
        ...noopPolicy(),
        shadow: () => shadow,
        endOfMessage: async () => {
          asked++;
          return { verdict: { kind: "continue" } };
        },
      };
      const { core, logs } = coreFor(policy);
      await core.onMail(SENDER, null);
      core.onHeader("X-Floodgate-Campaign", "forged", null);
      for (let i = 0; i < 150; i++) core.onHeader("X-Floodgate-Status", `forged ${i}`, null);
      await core.onEndOfHeaders(null);
      await core.onEndOfMessage(Buffer.alloc(0), (v, m) => answers.push([v.kind, v.formattedReply, m]));
      assert.equal(logs.find((l) => l.msg === "message")?.status, `${shadow ? "shadow-" : ""}reject; forged-headers`);
    }
    assert.equal(asked, 0, "the policy is not asked, in shadow mode either");
    assert.deepEqual(answers, [
      ["reject", "550 5.7.1 Message refused: it carries 151 headers named as Floodgate's own", []],
      [
        "continue",
        undefined,
        [{ kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: "shadow-reject; forged-headers" }],
      ],
    ]);
  });

  void test("recipients past MAX_OBSERVED_RECIPIENTS or the capture budget are counted, not listed", async () => {
    const { core, logs } = coreFor(noopPolicy());
    await core.onMail(SENDER, null);
    for (let i = 0; i < MAX_OBSERVED_RECIPIENTS + 5; i++)
      await core.onRcpt({ address: `r${i}@x.example`, args: [] }, null);
    assert.equal(core.transaction!.recipients.length, MAX_OBSERVED_RECIPIENTS);
    assert.equal(core.transaction!.recipients.at(-1)!.address, `r${MAX_OBSERVED_RECIPIENTS - 1}@x.example`);
    assert.ok(captureBudget.held > 64 * MAX_OBSERVED_RECIPIENTS, "their bytes are granted by the budget");
    await core.onEndOfMessage(Buffer.alloc(0), () => undefined);
    const summary = logs.find((l) => l.msg === "message")!;
    assert.equal(summary.recipients, MAX_OBSERVED_RECIPIENTS + 5, "the summary counts every recipient accepted");
    assert.equal(summary.recipientsListed, MAX_OBSERVED_RECIPIENTS);
    assert.equal(captureBudget.held, 0, "given back at end of message");

    // 79 bytes a recipient (64 beside its 15 characters): a budget of 1,000 grants 12 of them.
    const small = coreFor(noopPolicy(), { captureBudgetBytes: 1000 }).core;
    await small.onMail(SENDER, null);
    for (let i = 10; i < 30; i++) await small.onRcpt({ address: `r${i}@example.net`, args: [] }, null);
    assert.equal(small.transaction!.recipients.length, 12);
    assert.equal(captureBudget.held, 12 * 79);
    small.onClose();
    assert.equal(captureBudget.held, 0, "given back when the transaction is aborted");
  });
});
