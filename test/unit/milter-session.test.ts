/**
 * The session state machine: negotiation, macros, ordering leniency, deadlines and fail modes, end-of-message
 * responses (milter-protocol.md §1.3–1.12).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { encodeCommand } from "../../src/milter/commands.js";
import * as C from "../../src/milter/constants.js";
import { encodeFrame } from "../../src/milter/encoder.js";
import { negotiate } from "../../src/milter/negotiate.js";
import { MacroStore } from "../../src/milter/macros.js";
import { noopPolicy } from "../../src/policy/noop-policy.js";
import type { MilterPolicy } from "../../src/vocabulary/policy-api.js";
import type { Verdict } from "../../src/vocabulary/verdict.js";
import { defaultConfig } from "../../src/config/schema.js";
import { MAX_UNKNOWN_COMMANDS } from "../../src/engine/typescript/protocol-session.js";
import { SessionHarness } from "../support/session-harness.js";

const POSTFIX = encodeCommand.optneg(6, 0x1ff, 0x1fffff);
const CONNECT = encodeCommand.connect({ hostname: "h", family: "inet", address: "192.0.2.1", port: 4000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function message(subject = "s", body = "hello\r\n"): Buffer[] {
  return [
    encodeCommand.mail("a@example.org", ["SIZE=100"]),
    encodeCommand.rcpt("b@example.net"),
    encodeCommand.data(),
    encodeCommand.header("Subject", ` ${subject}`),
    encodeCommand.eoh(),
    encodeCommand.body(Buffer.from(body)),
    encodeCommand.eob(),
  ];
}

describe("negotiation (§1.5)", () => {
  const wants = {
    actions: C.SMFIF_ADDHDRS | C.SMFIF_CHGHDRS,
    decidesAt: new Set<never>(),
    noReplyStages: ["header", "body"] as const,
  };
  test("Postfix's full offer", () => {
    const n = negotiate(
      { version: 6, actions: 0x1ff, protocol: 0x1fffff },
      { ...wants, noReplyStages: ["header", "body"] },
    );
    assert.equal(n.version, 6);
    assert.equal(n.actions, C.SMFIF_ADDHDRS | C.SMFIF_CHGHDRS);
    assert.equal(n.protocol, C.SMFIP_NR_HDR | C.SMFIP_NR_BODY | C.SMFIP_HDR_LEADSPC | C.SMFIP_NOUNKNOWN);
  });
  test("masks are subsets of the offer; no-reply only where offered (v2 offers none)", () => {
    const n = negotiate({ version: 2, actions: 0x0f, protocol: 0x3f }, { ...wants, noReplyStages: ["header", "body"] });
    assert.equal(n.version, 2);
    assert.equal(n.actions & ~0x0f, 0);
    assert.equal(n.protocol & ~0x3f, 0);
    assert.equal(n.protocol & C.SMFIP_NR_HDR, 0);
    assert.equal(n.missingActions, C.SMFIF_CHGHDRS);
  });
  test("never promise no reply at a stage the policy decides at", () => {
    const n = negotiate(
      { version: 6, actions: 0x1ff, protocol: 0x1fffff },
      { ...wants, decidesAt: new Set(["header"] as const), noReplyStages: ["header", "body"] },
    );
    assert.equal(n.protocol & C.SMFIP_NR_HDR, 0);
  });
  test("version 1 is refused", () => {
    assert.throws(
      () => negotiate({ version: 1, actions: 0x0f, protocol: 0x3f }, { ...wants, noReplyStages: [] }),
      /older than 2/,
    );
  });
  test("macro lists only with SETSYMLIST offered, and the action bit set", () => {
    const m = { 5: ["i"] };
    assert.equal(
      negotiate({ version: 6, actions: 0xff, protocol: 0 }, { ...wants, noReplyStages: [], macros: m }).macros,
      undefined,
    );
    const n = negotiate({ version: 6, actions: 0x1ff, protocol: 0 }, { ...wants, noReplyStages: [], macros: m });
    assert.deepEqual(n.macros, m);
    assert.ok(n.actions & C.SMFIF_SETSYMLIST);
  });
  test("the session replies min(6, MTA) and subset masks", async () => {
    const h = new SessionHarness(noopPolicy());
    h.send(encodeCommand.optneg(4, 0x3f, 0x7f));
    const [r] = await h.waitFor(1);
    assert.ok(r?.type === "optneg");
    assert.equal(r.version, 4);
    assert.equal(r.actions & ~0x3f, 0);
    assert.equal(r.protocol & ~0x7f, 0);
  });
});

describe("macros with stage scoping (§1.7)", () => {
  test("later stages are cleared; x and {x} match; transient codes live one command", () => {
    const m = new MacroStore();
    m.define(C.SMFIC_CONNECT, [
      ["j", "mx"],
      ["{daemon_name}", "d"],
    ]);
    m.define(C.SMFIC_MAIL, [["{mail_addr}", "a@b"]]);
    m.define(C.SMFIC_RCPT, [["{rcpt_addr}", "c@d"]]);
    assert.equal(m.get("{j}"), "mx");
    assert.equal(m.get("daemon_name"), "d");
    assert.equal(m.get("rcpt_addr"), "c@d");
    m.define(C.SMFIC_MAIL, [["{mail_addr}", "e@f"]]);
    assert.equal(m.get("rcpt_addr"), undefined, "a new MAIL clears RCPT macros");
    assert.equal(m.get("mail_addr"), "e@f");
    m.define(C.SMFIC_HEADER, [["i", "Q1"]]);
    assert.equal(m.get("i"), "Q1");
    m.endCommand();
    assert.equal(m.get("i"), undefined);
  });
  test("the same pairs again still replace their stage and clear later ones, and count drops", () => {
    const m = new MacroStore(2);
    const mail: Array<[string, string]> = [
      ["{mail_addr}", "a@b"],
      ["{mail_host}", "b"],
      ["{mail_mailer}", "smtp"], // over the limit of 2
    ];
    m.define(C.SMFIC_MAIL, mail);
    m.define(C.SMFIC_RCPT, [["{rcpt_addr}", "c@d"]]);
    m.clearFrom(C.SMFIM_ENVFROM);
    m.define(C.SMFIC_MAIL, [["{mail_addr}", "x@y"]]);
    m.define(C.SMFIC_RCPT, [["{rcpt_addr}", "e@f"]]);
    m.define(C.SMFIC_MAIL, mail);
    assert.equal(m.get("mail_addr"), "a@b");
    assert.equal(m.get("rcpt_addr"), undefined, "a MAIL packet clears the RCPT stage");
    assert.equal(m.get("mail_mailer"), undefined);
    assert.equal(m.dropped, 2, "the value over the limit is counted at each definition");
    const header: Array<[string, string]> = [["i", "Q1"]];
    for (let n = 0; n < 3; n++) {
      m.define(C.SMFIC_HEADER, header);
      assert.equal(m.get("i"), "Q1", `header ${n}`);
      m.endCommand();
      assert.equal(m.get("i"), undefined);
    }
  });
});

describe("macros kept as their packets, parsed at the first lookup (§1.7)", () => {
  /** A `D` packet's payload as the decoder hands it over: the command code, then the pairs. */
  const payload = (code: number, strings: string[]) =>
    Buffer.concat([Buffer.of(code), ...strings.map((x) => Buffer.from(`${x}\0`))]);

  test("the same lookups as the parsed pairs: scoping, x and {x}, transient codes, odd counts, empty names", () => {
    const m = new MacroStore();
    m.definePacket(payload(C.SMFIC_CONNECT, ["j", "mx", "{daemon_name}", "d", "", "no name", "{odd}"]));
    m.definePacket(payload(C.SMFIC_MAIL, ["{mail_addr}", "a@b"]));
    m.definePacket(payload(C.SMFIC_RCPT, ["{rcpt_addr}", "c@d"]));
    assert.equal(m.get("{j}"), "mx");
    assert.equal(m.get("daemon_name"), "d");
    assert.equal(m.get(""), undefined, "a pair with an empty name is skipped");
    assert.equal(m.get("odd"), undefined, "a name without its value is skipped");
    assert.equal(m.get("rcpt_addr"), "c@d");
    m.definePacket(payload(C.SMFIC_MAIL, ["{mail_addr}", "e@f"]));
    assert.equal(m.get("rcpt_addr"), undefined, "a new MAIL clears RCPT macros");
    assert.equal(m.get("mail_addr"), "e@f");
    m.definePacket(payload(C.SMFIC_HEADER, ["i", "Q1"]));
    assert.equal(m.get("i"), "Q1");
    m.endCommand();
    assert.equal(m.get("i"), undefined);
    m.definePacket(payload(C.SMFIC_HELO, []));
    assert.equal(m.get("j"), "mx", "zero pairs (Postfix's D before HELO) replace the HELO stage only");
    m.definePacket(Buffer.alloc(0));
    assert.equal(m.get("j"), "mx", "an empty payload is a transient stage of no values");
  });

  test("a stage's packet is copied: the bytes it came in may be reused after the command", () => {
    const m = new MacroStore();
    const bytes = payload(C.SMFIC_CONNECT, ["{client_addr}", "192.0.2.7"]);
    m.definePacket(bytes);
    bytes.fill(0x41);
    assert.equal(m.get("client_addr"), "192.0.2.7");
  });

  test("values over the per-stage limit are dropped and counted when the stage is parsed", () => {
    const m = new MacroStore(2);
    m.definePacket(payload(C.SMFIC_MAIL, ["{mail_addr}", "a@b", "{mail_host}", "b", "{mail_mailer}", "smtp"]));
    assert.equal(m.dropped, 0, "nothing is parsed before a lookup");
    assert.equal(m.get("mail_addr"), "a@b");
    assert.equal(m.get("mail_mailer"), undefined);
    assert.equal(m.dropped, 1);
    assert.equal(m.get("mail_host"), "b");
    assert.equal(m.dropped, 1, "a stage is parsed once");
  });
});

describe("the session", () => {
  test("a Postfix conversation: replies where owed, none where no reply was promised", async () => {
    const h = new SessionHarness(noopPolicy());
    h.send(
      POSTFIX,
      encodeCommand.macro(C.SMFIC_CONNECT, []),
      CONNECT,
      encodeCommand.macro(C.SMFIC_HELO, []),
      encodeCommand.helo("x"),
    );
    for (const p of message()) h.send(encodeCommand.macro(p[4]!, [["i", "Q1"]]), p);
    h.send(encodeCommand.abort(), encodeCommand.abort());
    await h.waitFor(8);
    await sleep(10);
    // optneg, connect, helo, mail, rcpt, data, eoh, eom: no reply to header or body (NR_HDR, NR_BODY)
    assert.deepEqual(h.types(), [
      "optneg",
      "continue",
      "continue",
      "continue",
      "continue",
      "continue",
      "continue",
      "continue",
    ]);
    assert.equal(h.closed, null);
  });

  test("several transactions, missing and duplicate aborts, repeated HELO (§1.3, §1.12)", async () => {
    const seen: string[] = [];
    const policy: MilterPolicy = {
      ...noopPolicy(),
      endOfMessage: async (ctx, msg) => {
        seen.push(
          `${ctx.transaction!.sender.address}:${ctx.transaction!.recipients.length}:${msg.raw.toString().split("\r\n")[0]}`,
        );
        return { verdict: { kind: "continue" } };
      },
    };
    const h = new SessionHarness(policy);
    h.send(POSTFIX, CONNECT, encodeCommand.helo("a"), encodeCommand.helo("b"));
    h.send(...message("one"));
    h.send(...message("two")); // no abort in between (Sendmail)
    h.send(encodeCommand.abort(), encodeCommand.abort(), encodeCommand.abort());
    h.send(encodeCommand.helo("c"), ...message("three"));
    await h.waitFor(4 + 3 * 5 + 1); // header and body get no reply (NR_HDR, NR_BODY)
    assert.deepEqual(seen, [
      "a@example.org:1:Subject: one",
      "a@example.org:1:Subject: two",
      "a@example.org:1:Subject: three",
    ]);
    assert.equal(h.closed, null);
  });

  test("a rejected recipient is not in the transaction; reject at RCPT is per recipient", async () => {
    let recipients: string[] = [];
    const policy: MilterPolicy = {
      ...noopPolicy(),
      decidesAt: new Set(["rcpt"]),
      rcptTo: (_ctx, r): Verdict =>
        r.address.startsWith("bad")
          ? { kind: "reject", reply: { code: 550, xcode: "5.1.1", text: "no such user" } }
          : { kind: "continue" },
      endOfMessage: async (ctx) => {
        recipients = ctx.transaction!.recipients.map((r) => r.address);
        return { verdict: { kind: "continue" } };
      },
    };
    const h = new SessionHarness(policy);
    h.send(POSTFIX, CONNECT, encodeCommand.mail("a@b"), encodeCommand.rcpt("bad@x"), encodeCommand.rcpt("good@x"));
    h.send(encodeCommand.data(), encodeCommand.eoh(), encodeCommand.eob());
    await h.waitFor(7);
    assert.deepEqual(h.responses[3], { type: "replyCode", text: "550 5.1.1 no such user" });
    assert.deepEqual(recipients, ["good@x"]);
  });

  test("end of message: modifications then one final reply, in one write", async () => {
    const writes: number[] = [];
    const policy: MilterPolicy = {
      ...noopPolicy(),
      actions: C.SMFIF_ADDHDRS | C.SMFIF_CHGHDRS,
      endOfMessage: async () => ({
        verdict: { kind: "reject", reply: { code: 550, xcode: "5.7.1", text: ["campaign abc", "100% spam"] } },
        modifications: [
          { kind: "addHeader", name: "X-Floodgate-Status", value: "reject" },
          { kind: "changeHeader", index: 1, name: "Subject", value: "x" },
          { kind: "deleteRecipient", address: "<b@example.net>" }, // not negotiated: dropped
        ],
      }),
    };
    const h = new SessionHarness(policy);
    const transport = h.session["transport"];
    const original = transport.write.bind(transport);
    transport.write = (d: Buffer) => {
      writes.push(d.length);
      original(d);
    };
    h.send(POSTFIX, CONNECT, ...message());
    await h.waitFor(8);
    const tail = h.responses.slice(-3);
    assert.deepEqual(tail[0], {
      type: "modification",
      modification: { kind: "addHeader", name: "X-Floodgate-Status", value: " reject" },
    });
    assert.deepEqual(tail[1], {
      type: "modification",
      modification: { kind: "changeHeader", index: 1, name: "Subject", value: " x" },
    });
    assert.deepEqual(tail[2], { type: "replyCode", text: "550-5.7.1 campaign abc\r\n550 5.7.1 100%% spam" });
    assert.equal(writes.length, 7, "optneg, connect, mail, rcpt, data, eoh, and the whole EOM answer in one write");
  });

  test("the defaults against Postfix's offer: only DATA and end of message are answered (real-mta-lab.md, TCP traps)", async () => {
    const writes: number[] = [];
    const h = new SessionHarness(noopPolicy(), { noReplyStages: defaultConfig().milter.noReplyStages });
    const transport = h.session["transport"];
    const original = transport.write.bind(transport);
    transport.write = (d: Buffer) => {
      writes.push(d.length);
      original(d);
    };
    h.send(POSTFIX, CONNECT, encodeCommand.helo("client.example"), ...message());
    await h.waitFor(3);
    await sleep(20); // a stray reply would arrive now
    const optneg = h.responses[0]!;
    assert.equal(optneg.type, "optneg");
    const promised =
      C.SMFIP_NR_CONN | C.SMFIP_NR_HELO | C.SMFIP_NR_MAIL | C.SMFIP_NR_RCPT | C.SMFIP_NR_HDR | C.SMFIP_NR_EOH;
    assert.equal(optneg.protocol & (promised | C.SMFIP_NR_BODY), promised | C.SMFIP_NR_BODY);
    assert.equal(optneg.protocol & C.SMFIP_NR_DATA, 0, "DATA is answered");
    assert.deepEqual(
      h.responses.slice(1).map((r) => r.type),
      ["continue", "continue"],
      "the answer to DATA, then the end-of-message verdict",
    );
    assert.equal(writes.length, 3, "optneg, DATA, end of message");
  });

  test("an invalid custom reply falls back to the plain verdict", async () => {
    const policy: MilterPolicy = {
      ...noopPolicy(),
      endOfMessage: async () => ({ verdict: { kind: "reject", reply: { code: 451, text: "wrong class" } } }),
    };
    const h = new SessionHarness(policy);
    h.send(POSTFIX, CONNECT, ...message());
    await h.waitFor(7);
    assert.equal(h.responses.at(-1)!.type, "reject");
  });

  test("an end-of-message handler past its deadline gets fail mode continue, labelled in the header", async () => {
    const policy: MilterPolicy = { ...noopPolicy(), endOfMessage: () => new Promise(() => undefined) };
    const h = new SessionHarness(policy, { eomDeadlineMs: 30 });
    h.send(POSTFIX, CONNECT, ...message());
    await h.waitFor(8);
    assert.deepEqual(h.responses.slice(-2), [
      {
        type: "modification",
        modification: { kind: "addHeader", name: "X-Floodgate-Status", value: " skipped; reason=eom-deadline" },
      },
      { type: "continue" },
    ]);
    assert.deepEqual(h.failModes, ["eom-deadline"]);
  });

  test("fail mode tempfail: a 451 that says why", async () => {
    const policy: MilterPolicy = { ...noopPolicy(), endOfMessage: () => Promise.reject(new Error("boom")) };
    const h = new SessionHarness(policy, { deadlineFailMode: "tempfail" });
    h.send(POSTFIX, CONNECT, ...message());
    await h.waitFor(7);
    assert.deepEqual(h.responses.at(-1), {
      type: "replyCode",
      text: "451 4.7.1 Floodgate: eom-error, try again later",
    });
  });

  test("a slow RCPT handler: fail mode at RCPT, reason carried to the header at end of message", async () => {
    const policy: MilterPolicy = {
      ...noopPolicy(),
      decidesAt: new Set(["rcpt"]),
      rcptTo: () => new Promise<Verdict>(() => undefined),
    };
    const h = new SessionHarness(policy, { commandDeadlineMs: 20 });
    h.send(POSTFIX, CONNECT, ...message());
    await h.waitFor(8);
    assert.deepEqual(h.responses.at(-2), {
      type: "modification",
      modification: { kind: "addHeader", name: "X-Floodgate-Status", value: " skipped; reason=rcpt-deadline" },
    });
  });

  test("progress packets while a long end of message runs (§1.4)", async () => {
    const policy: MilterPolicy = {
      ...noopPolicy(),
      endOfMessage: async () => {
        await sleep(380);
        return { verdict: { kind: "accept" } };
      },
    };
    const h = new SessionHarness(policy, { eomDeadlineMs: 5000, progressIntervalMs: 100 });
    h.send(POSTFIX, CONNECT, ...message());
    await h.waitFor(10);
    const tail = h.types().slice(6);
    assert.ok(tail.slice(0, -1).every((t) => t === "progress") && tail.length >= 3, tail.join(","));
    assert.equal(tail.at(-1), "accept");
  });

  test("the captured message: headers rebuilt, body kept up to the cap, the size counted", async () => {
    let captured: { raw: string; truncated: boolean; totalBytes: number; shared: boolean } | undefined;
    const policy: MilterPolicy = {
      ...noopPolicy(),
      endOfMessage: async (_ctx, m) => {
        captured = {
          raw: m.raw.toString(),
          truncated: m.truncated,
          totalBytes: m.totalBytes,
          shared: m.raw.buffer instanceof SharedArrayBuffer,
        };
        return { verdict: { kind: "continue" } };
      },
    };
    const h = new SessionHarness(policy, { messageCaptureBytes: 1024 });
    h.send(POSTFIX, CONNECT, ...message("hi", "x".repeat(5000)));
    await h.waitFor(7);
    assert.ok(captured);
    assert.ok(captured.raw.startsWith("Subject: hi\r\n\r\nxxx"));
    assert.equal(captured.raw.length, 1024);
    assert.equal(captured.truncated, true);
    assert.equal(captured.totalBytes, "Subject: hi\r\n\r\n".length + 5000);
    assert.ok(captured.shared, "backed by a SharedArrayBuffer");
  });

  test("a packet over the size cap closes that session with an error", () => {
    const h = new SessionHarness(noopPolicy(), { maxPacketBytes: 2048 });
    h.send(POSTFIX, CONNECT, encodeCommand.body(Buffer.alloc(4096)));
    assert.ok(h.closed instanceof Error && /too-large|packet length/.test(h.closed.message));
  });

  // Finding (memory): before option negotiation a session buffered a packet of up to maxPacketBytes (16 MiB), for
  // whatever connected to the port, times every session.
  test("before option negotiation a packet over 1 KiB closes the session at once, without buffering it", () => {
    const h = new SessionHarness(noopPolicy());
    const header = Buffer.alloc(5);
    header.writeUInt32BE(16 * 1024 * 1024 - 1, 0);
    header[4] = C.SMFIC_OPTNEG;
    h.send(header, Buffer.alloc(64 * 1024));
    assert.ok(h.closed instanceof Error && /packet length/.test(h.closed.message), String(h.closed));
    // After negotiation the configured limit applies.
    const after = new SessionHarness(noopPolicy());
    after.send(POSTFIX, CONNECT, encodeCommand.body(Buffer.alloc(64 * 1024)));
    assert.equal(after.closed, null);
  });

  test("a command before option negotiation closes the session", () => {
    const h = new SessionHarness(noopPolicy());
    h.send(CONNECT);
    assert.ok(h.closed instanceof Error);
    assert.equal(h.responses.length, 0);
  });

  test("a macro packet identical to the last one defines its values again (Postfix repeats them, §1.7)", async () => {
    const seen: Array<string | undefined> = [];
    const policy: MilterPolicy = {
      ...noopPolicy(),
      endOfMessage: async (ctx) => {
        seen.push(`${ctx.macro("mail_addr")}/${ctx.macro("i")}`);
        return { verdict: { kind: "continue" } };
      },
    };
    const h = new SessionHarness(policy);
    const mailMacros = encodeCommand.macro(C.SMFIC_MAIL, [["{mail_addr}", "a@example.org"]]);
    const eomMacros = encodeCommand.macro(C.SMFIC_BODYEOB, [["i", "Q1"]]);
    h.send(POSTFIX, CONNECT);
    h.send(mailMacros, ...message("one").slice(0, -1), eomMacros, encodeCommand.eob());
    // QUIT_NC forgets every macro; the next macro packet is byte for byte the last one seen, and must count again.
    h.send(encodeCommand.quitNc(), CONNECT, ...message("two").slice(0, -1), eomMacros, encodeCommand.eob());
    await h.waitFor(2 + 2 * 5);
    assert.deepEqual(seen, ["a@example.org/Q1", "undefined/Q1"]);
    assert.equal(h.closed, null);
  });

  test("unknown command codes are ignored without a reply; QUIT_NC resets for a new connection", async () => {
    const h = new SessionHarness(noopPolicy());
    h.send(POSTFIX, CONNECT, encodeFrame(0x7a, Buffer.from("zz")), encodeCommand.quitNc(), CONNECT);
    await h.waitFor(3);
    await sleep(10);
    assert.deepEqual(h.types(), ["optneg", "continue", "continue"]);
    assert.equal(h.closed, null);
    assert.deepEqual(h.protocolErrors, ["unknown-command"], "counted, though the session goes on");
  });

  test("unknown command codes: one warning a session, each counted, the session closed past 100", async () => {
    const warnings: string[] = [];
    const logger = pino(
      { level: "warn" },
      { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) },
    );
    const unknown = encodeFrame(0x7a, Buffer.from("zz"));
    const h = new SessionHarness(noopPolicy(), {}, logger);
    h.send(POSTFIX, CONNECT, ...Array.from({ length: MAX_UNKNOWN_COMMANDS }, () => unknown), ...message());
    await h.waitFor(4);
    assert.equal(h.closed, null, "a hundred are ignored");
    h.send(...Array.from({ length: 50 }, () => unknown));
    await sleep(10);
    const closed = h.closed as SessionHarness["closed"];
    assert.ok(closed instanceof Error, String(closed));
    assert.equal(closed.message, "more than 100 unknown commands");
    assert.equal(h.protocolErrors.length, MAX_UNKNOWN_COMMANDS + 1);
    assert.ok(h.protocolErrors.every((kind) => kind === "unknown-command"));
    assert.deepEqual(warnings, ["ignoring unknown milter commands", "closing milter session"]);
  });

  test("QUIT closes cleanly", () => {
    const h = new SessionHarness(noopPolicy());
    h.send(POSTFIX, encodeCommand.quit());
    assert.equal(h.closed, "clean");
  });
});
