/**
 * The libmilter engine (koffi + native/build/libfloodgate_shim.so + libmilter) driven by src/client in Postfix and
 * Sendmail styles, side by side with the TypeScript engine on the same policy: the same negotiation, the same
 * answers and modifications, several transactions per session, the deadline fail mode with its status header, the
 * shim's own safety timeout when JavaScript cannot answer, and 100 concurrent sessions.
 * libmilter runs one smfi_main per process, so this file starts one libmilter engine for all its tests.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MilterClient, simpleMessage, type ClientOptions, type TestMessage } from "../../src/client/milter-client.js";
import { defaultConfig } from "../../src/config/schema.js";
import * as C from "../../src/milter/constants.js";
import { startLibmilterServer } from "../../src/engine/libmilter/engine.js";
import { loadShim } from "../../src/engine/libmilter/native.js";
import { startMilterServer } from "../../src/engine/typescript/server.js";
import type { MilterServer } from "../../src/engine/engine.js";
import type { Verdict } from "../../src/vocabulary/verdict.js";
import type { SessionSettings } from "../../src/session/session-api.js";
import { threadsOf } from "../../src/harness/thread-cpu.js";
import { createLogger } from "../../src/util/logger.js";
import { THREAD_NAMES } from "../../src/util/thread-name.js";
import { freePort } from "../../src/util/tcp-port.js";
import * as S from "../support/scripted-policy.js";

const logger = createLogger("silent");
/** A recipient whose RCPT blocks the JavaScript thread past the shim's safety timeout. */
const STALL_RCPT = "stall@box.lab";
const STALL_MS = 2500;

/** A subject whose end of message blocks the JavaScript thread past the shim's safety timeout. */
const STALL_SUBJECT = "stall at end of message";

/**
 * The scripted policy, plus a recipient and a subject that stall the event loop (a JS that cannot answer in time).
 */
function policy() {
  const base = S.scriptedPolicy({ slowMs: 900 });
  return {
    ...base,
    endOfMessage(...args: Parameters<typeof base.endOfMessage>) {
      const subject = args[0].transaction?.headers.find((h) => h.name === "Subject")?.value.trim();
      if (subject === STALL_SUBJECT) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STALL_MS);
      return base.endOfMessage(...args);
    },
    macros: { [C.SMFIM_CONNECT]: ["j", "{daemon_name}"], [C.SMFIM_EOM]: ["i", "{msg_id}"] },
    rcptTo(
      ctx: Parameters<NonNullable<typeof base.rcptTo>>[0],
      recipient: { address: string; args: string[] },
      signal: AbortSignal,
    ): Verdict | Promise<Verdict> {
      if (recipient.address === STALL_RCPT) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STALL_MS);
        return { kind: "continue" };
      }
      return base.rcptTo!(ctx, recipient, signal);
    },
  };
}

const settings = {
  ...defaultConfig().milter,
  // The tests compare answers stage by stage: only header and body are promised no reply.
  noReplyStages: ["header", "body"] as const,
  commandDeadlineMs: 300,
  eomDeadlineMs: 300,
  deadlineFailMode: "continue" as SessionSettings["deadlineFailMode"],
};
/** What the libmilter engine reads at each wake-up: a test swaps it to play a reload. */
let current = settings;
const header = (mods: { kind: string; name?: string; value?: string }[], name: string) =>
  mods.find((m) => m.kind === "addHeader" && m.name === name)?.value?.trim();

function message(subject: string, recipients = ["bob@box.lab"]): TestMessage {
  return simpleMessage("alice@lab.local", recipients, subject, `Hello\nthis is ${subject}\n`);
}

/** One session: negotiation, connect/helo, then the messages; what the client saw, without timings. */
async function run(spec: string, options: ClientOptions, messages: TestMessage[]) {
  const client = await MilterClient.connect(spec, options);
  const negotiated = await client.negotiate();
  const open = (await client.open()).map((s) => s.response);
  const results = [];
  for (const m of messages) {
    const r = await client.transaction({ ...m, queueId: "QID1" });
    results.push({
      steps: r.steps.map((s) => `${s.command}:${s.response}`),
      replies: r.steps.flatMap((s) => (s.reply === undefined ? [] : [s.reply])),
      eom: r.eom && { action: r.eom.action, reply: r.eom.reply, modifications: r.eom.modifications },
      earlyExit: r.earlyExit,
    });
  }
  await client.quit();
  return { negotiated, open, results };
}

void describe("libmilter engine", () => {
  let lib: MilterServer;
  let ts: MilterServer;
  let libPolicy: ReturnType<typeof policy>;

  before(async () => {
    const loaded = await loadShim();
    assert.ok(
      loaded.ok,
      `the libmilter engine must load here (make -C native; koffi; libmilter1.0.1): ${loaded.ok ? "" : loaded.reason}`,
    );
    libPolicy = policy();
    const port = await freePort();
    lib = await startLibmilterServer({
      listen: [`inet:127.0.0.1:${port}`],
      policy: libPolicy,
      settings: () => current,
      logger,
    });
    ts = await startMilterServer({ listen: ["inet:127.0.0.1:0"], policy: policy(), settings: () => settings, logger });
  });
  after(async () => {
    await libPolicy?.settled();
    await lib?.close(2000);
    await ts?.close(1000);
  });

  void test("libmilter's threads carry the shim's name, apart from Node's (ps -L, top -H, per-thread CPU)", async () => {
    // The smfi_main thread, libmilter's signal thread and its worker pool's, all made from the one the shim names.
    // They start after the engine's start returns, so on a loaded host they may not exist yet: wait up to 10 s.
    const named = (names: string[]) => names.filter((n) => n === THREAD_NAMES.libmilter).length;
    let names = threadsOf(process.pid).map((t) => t.name);
    for (const until = Date.now() + 10_000; named(names) < 2 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 50));
      names = threadsOf(process.pid).map((t) => t.name);
    }
    assert.ok(named(names) >= 2, `threads named ${THREAD_NAMES.libmilter}: ${names.join(", ")}`);
    assert.equal(
      threadsOf(process.pid).find((t) => t.tid === process.pid)?.name,
      "node",
      "the main thread keeps its name",
    );
  });

  const offers: Array<[string, ClientOptions]> = [
    ["postfix, full offer", { style: "postfix" }],
    ["sendmail, full offer", { style: "sendmail" }],
    [
      "postfix, no no-reply flags offered",
      { style: "postfix", protocol: C.SMFI_V2_PROT | C.SMFIP_NODATA | C.SMFIP_NOUNKNOWN },
    ],
    [
      "protocol version 2, V2 actions",
      { style: "sendmail", version: 2, actions: C.SMFI_V2_ACTS, protocol: C.SMFI_V2_PROT },
    ],
  ];
  for (const [name, options] of offers) {
    void test(`${name}: the same negotiation and answers as the TypeScript engine`, async () => {
      const messages = [
        message("tag"),
        message("reject"),
        message("tempfail"),
        message("change"),
        message("x", [S.REJECT_RCPT, "bob@box.lab"]),
      ];
      const fromLib = await run(lib.addresses[0]!, options, messages);
      const fromTs = await run(ts.addresses[0]!, options, messages);
      // Subsets of the offer are checked by the client itself (MilterClient.negotiate throws otherwise).
      assert.deepEqual(fromLib.negotiated, fromTs.negotiated);
      if (options.version === undefined) assert.deepEqual(fromLib.negotiated.macros[C.SMFIM_EOM], ["i", "{msg_id}"]);
      assert.deepEqual(fromLib.open, fromTs.open);
      assert.deepEqual(fromLib.results, fromTs.results);
    });
  }

  void test("a tagged message gets its header; a reject gets the exact custom reply", async () => {
    const { results } = await run(lib.addresses[0]!, { style: "postfix" }, [
      message("tag"),
      message("reject"),
      message("tempfail"),
    ]);
    assert.equal(results[0]!.eom?.action, "continue");
    assert.equal(header(results[0]!.eom.modifications, S.TAG_HEADER), S.TAG_VALUE);
    assert.equal(
      results[1]!.eom?.reply,
      "550-5.7.1 Message rejected by the Floodgate test policy\r\n550-5.7.1 100%% certain: it asked to be rejected\r\n550 5.7.1 See you later",
    );
    assert.equal(results[2]!.eom?.reply, "451 4.7.1 Test policy says: try again later");
  });

  void test("several transactions on one session, with what the policy saw", async () => {
    const before = libPolicy.seen.length;
    const subjects = ["one", "two", "three", "four"];
    const { results } = await run(
      lib.addresses[0]!,
      { style: "sendmail" },
      subjects.map((s) => message(s)),
    );
    assert.deepEqual(
      results.map((r) => r.eom?.action),
      ["continue", "continue", "continue", "continue"],
    );
    const seen = libPolicy.seen.slice(before);
    assert.deepEqual(
      seen.map((m) => m.subject),
      subjects,
    );
    for (const m of seen) {
      assert.equal(m.sender?.address, "alice@lab.local");
      assert.deepEqual(
        m.recipients.map((r) => r.address),
        ["bob@box.lab"],
      );
      assert.equal(m.queueId, "QID1");
      assert.equal(m.connect?.address, "127.0.0.1");
      assert.equal(m.helo, "client.example");
      assert.equal(m.headers.length, 5);
      assert.equal(new Set(seen.map((x) => x.sessionId)).size, 1);
    }
  });

  void test("end of message past its deadline: the fail mode, with the status header", async () => {
    const { results } = await run(lib.addresses[0]!, { style: "postfix" }, [message("slow"), message("tag")]);
    assert.equal(results[0]!.eom?.action, "continue");
    assert.equal(header(results[0]!.eom.modifications, settings.statusHeader), "skipped; reason=eom-deadline");
    assert.equal(header(results[0]!.eom.modifications, S.TAG_HEADER), undefined, "the late answer is dropped");
    assert.equal(header(results[1]!.eom!.modifications, S.TAG_HEADER), S.TAG_VALUE, "the session goes on");
  });

  void test("JavaScript unable to answer: the shim's safety timeout applies the fail mode in C", async () => {
    const { results } = await run(lib.addresses[0]!, { style: "postfix" }, [message("tag", [STALL_RCPT])]);
    assert.deepEqual(results[0]!.steps.slice(0, 2), ["mail:continue", "rcpt:continue"]);
    assert.equal(results[0]!.eom?.action, "continue");
    assert.equal(header(results[0]!.eom.modifications, settings.statusHeader), "skipped; reason=rcpt-safety-timeout");
    assert.equal(header(results[0]!.eom.modifications, S.TAG_HEADER), S.TAG_VALUE);
  });

  void test("the shim's safety timeout at end of message removes forged Floodgate headers after any padding (§1.4)", async () => {
    const plain = message(STALL_SUBJECT);
    const forged: TestMessage = {
      ...plain,
      headers: [
        ...plain.headers,
        ...Array.from({ length: 1200 }, (_, i): [string, string] => [`X-Pad-${i}`, "x"]),
        ["X-Floodgate-Campaign", "000000000000; copies=1; recipients=1"],
        ["X-Floodgate-Status", "continue; ham"],
        ["x-floodgate-status", "continue; ham"],
      ],
    };
    const { results } = await run(lib.addresses[0]!, { style: "postfix" }, [forged]);
    assert.equal(results[0]!.eom?.action, "continue");
    const changes = results[0]!.eom.modifications.map((mod) => {
      const m = mod as { kind: string; index?: number; name?: string; value?: string };
      return [m.kind, m.index, m.name, m.value?.trim()];
    });
    assert.deepEqual(changes.sort(), [
      ["changeHeader", 1, "X-Floodgate-Campaign", ""],
      ["changeHeader", 1, "X-Floodgate-Status", "skipped; reason=eom-safety-timeout"],
      ["changeHeader", 2, "X-Floodgate-Status", ""],
    ]);
  });

  void test("a reload reaches the C side: its safety timeout now applies fail mode tempfail", async () => {
    current = { ...settings, deadlineFailMode: "tempfail" };
    try {
      const { results } = await run(lib.addresses[0]!, { style: "postfix" }, [
        message("tag", [STALL_RCPT, "bob@box.lab"]),
      ]);
      assert.deepEqual(results[0]!.steps.slice(0, 3), ["mail:continue", "rcpt:replyCode", "rcpt:continue"]);
      assert.equal(
        results[0]!.replies[0],
        "451 4.7.1 Floodgate: rcpt-safety-timeout, try again later",
        "the text the shim writes in C, not JavaScript's",
      );
    } finally {
      current = settings;
    }
  });

  void test("100 concurrent sessions each get their answer", async () => {
    const sessions = 100;
    const outcomes = await Promise.all(
      Array.from({ length: sessions }, async (_, i) => {
        const style = i % 2 === 0 ? "postfix" : "sendmail";
        const subject = i % 10 === 0 ? "reject" : `m${i}`;
        const { results } = await run(lib.addresses[0]!, { style }, [message(subject), message(`again ${i}`)]);
        return results.map((r) => r.eom?.action);
      }),
    );
    assert.equal(outcomes.filter(([a, b]) => a === "continue" && b === "continue").length, 90);
    assert.equal(outcomes.filter(([a, b]) => a === "replyCode" && b === "continue").length, 10);
    assert.equal(lib.sessionCount(), 0);
  });

  void test("the listen spec: several sockets are refused with a clear error", async () => {
    await assert.rejects(
      startLibmilterServer({
        listen: ["inet:127.0.0.1:1", "unix:/tmp/x"],
        policy: policy(),
        settings: () => settings,
        logger,
      }),
      /exactly one socket/,
    );
  });
});
