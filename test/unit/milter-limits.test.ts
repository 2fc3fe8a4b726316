/**
 * The TypeScript engine's limits on what a peer makes a session buffer and parse: a macro, CONNECT, HELO, MAIL, RCPT
 * or UNKNOWN packet larger than any MTA sends closes the session as soon as its length is read, a macro packet is read
 * only up to the per-stage limit of pairs, a MAIL or RCPT only up to 64 ESMTP arguments, and the bytes all sessions
 * buffer beyond their free share are bounded by `milter.packetBudgetBytes` (a session past it is closed with a
 * warning, the others go on).
 */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { encodeCommand, macroPairs, MAX_ESMTP_ARGS, parseCommand, readMacroPairs } from "../../src/milter/commands.js";
import * as C from "../../src/milter/constants.js";
import { FrameDecoder } from "../../src/milter/decoder.js";
import { encodeFrame } from "../../src/milter/encoder.js";
import { splitCStrings } from "../../src/milter/strings.js";
import { MacroStore, MAX_MACRO_PACKET_BYTES } from "../../src/milter/macros.js";
import { MAX_PACKET_BYTES_OF, MAX_SMTP_COMMAND_PACKET_BYTES } from "../../src/milter/packet-caps.js";
import { packetBudget, SESSION_FREE_PACKET_BYTES } from "../../src/engine/typescript/packet-budget.js";
import { noopPolicy } from "../../src/policy/noop-policy.js";
import { SessionHarness } from "../support/session-harness.js";

const POSTFIX = encodeCommand.optneg(6, 0x1ff, 0x1fffff);
const CONNECT = encodeCommand.connect({ hostname: "h", family: "inet", address: "192.0.2.1", port: 4000 });
const KiB = 1024;
const MiB = 1024 * KiB;

function message(subject = "s"): Buffer[] {
  return [
    encodeCommand.mail("a@example.org"),
    encodeCommand.rcpt("b@example.net"),
    encodeCommand.data(),
    encodeCommand.header("Subject", ` ${subject}`),
    encodeCommand.eoh(),
    encodeCommand.body(Buffer.from("hello\r\n")),
    encodeCommand.eob(),
  ];
}

/** The first `bytes` bytes of a packet announcing `length` (code and payload), its payload all 'x'. */
function packetStart(code: number, length: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes, 0x78);
  out.writeUInt32BE(length, 0);
  out[4] = code;
  return out;
}

/** A `D` payload as the decoder hands it over: the command code, then NUL-terminated strings. */
const payload = (code: number, strings: string[]) =>
  Buffer.concat([Buffer.of(code), ...strings.map((x) => Buffer.from(`${x}\0`))]);

describe("macro packets: the size an MTA sends (milter-protocol.md §1.2, §1.7)", () => {
  test("a D packet longer than libmilter accepts is refused once its code is read, before its payload", () => {
    const decoder = new FrameDecoder(16 * MiB, new Map([[C.SMFIC_MACRO, MAX_MACRO_PACKET_BYTES]]));
    const result = decoder.push(packetStart(C.SMFIC_MACRO, 16 * MiB - 1, 5));
    assert.ok(!Array.isArray(result));
    assert.deepEqual(result, {
      kind: "too-large",
      length: 16 * MiB - 1,
      limit: MAX_MACRO_PACKET_BYTES,
      code: C.SMFIC_MACRO,
    });
    assert.equal(decoder.pending, 0, "nothing kept");
  });

  test("a D packet of libmilter's largest payload (65535 bytes, §1.2) is taken; other codes keep the session's cap", () => {
    const decoder = new FrameDecoder(16 * MiB, new Map([[C.SMFIC_MACRO, MAX_MACRO_PACKET_BYTES]]));
    const macro = Buffer.alloc(C.MILTER_MAX_DATA_SIZE, 0x61);
    macro[0] = C.SMFIC_BODYEOB;
    const header = Buffer.alloc(200 * KiB, 0x61);
    const frames = decoder.push(
      Buffer.concat([encodeFrame(C.SMFIC_MACRO, macro), encodeFrame(C.SMFIC_HEADER, header)]),
    );
    assert.ok(Array.isArray(frames));
    assert.deepEqual(
      frames.map((f) => [f.code, f.payload.length]),
      [
        [C.SMFIC_MACRO, C.MILTER_MAX_DATA_SIZE],
        [C.SMFIC_HEADER, 200 * KiB],
      ],
    );
  });

  test("the code of a packet split after its length is checked when its next byte comes", () => {
    const decoder = new FrameDecoder(16 * MiB, new Map([[C.SMFIC_MACRO, MAX_MACRO_PACKET_BYTES]]));
    const start = packetStart(C.SMFIC_MACRO, MAX_MACRO_PACKET_BYTES + 1, 5);
    assert.deepEqual(decoder.push(start.subarray(0, 4)), []);
    const result = decoder.push(start.subarray(4));
    assert.ok(!Array.isArray(result) && result.kind === "too-large");
  });

  test("a session sent a 16 MiB D packet for end of message is closed with a warning at its first bytes", () => {
    const h = new SessionHarness(noopPolicy());
    h.send(POSTFIX, CONNECT, ...message().slice(0, -1));
    h.send(packetStart(C.SMFIC_MACRO, 16 * MiB - 15, 64 * KiB));
    assert.ok(h.closed instanceof Error, String(h.closed));
    assert.match(h.closed.message, /'D' packet length 16777201 > 65536/);
    assert.deepEqual(h.protocolErrors, ["too-large"]);
  });
});

describe("CONNECT, HELO, MAIL, RCPT and UNKNOWN packets: libmilter's cap for every packet (milter-protocol.md §1.2)", () => {
  const capped = [C.SMFIC_CONNECT, C.SMFIC_HELO, C.SMFIC_MAIL, C.SMFIC_RCPT, C.SMFIC_UNKNOWN];

  test("one byte over 64 KiB is refused once its code is read, whatever the session's cap; 64 KiB is taken", () => {
    assert.equal(MAX_SMTP_COMMAND_PACKET_BYTES, C.MILTER_MAX_DATA_SIZE + 1);
    for (const code of capped) {
      const decoder = new FrameDecoder(16 * MiB, MAX_PACKET_BYTES_OF);
      const over = decoder.push(packetStart(code, MAX_SMTP_COMMAND_PACKET_BYTES + 1, 5));
      assert.deepEqual(over, { kind: "too-large", length: 65537, limit: 65536, code }, String.fromCharCode(code));
      const within = new FrameDecoder(16 * MiB, MAX_PACKET_BYTES_OF);
      const frames = within.push(packetStart(code, MAX_SMTP_COMMAND_PACKET_BYTES, 4 + MAX_SMTP_COMMAND_PACKET_BYTES));
      assert.ok(Array.isArray(frames) && frames[0]?.payload.length === C.MILTER_MAX_DATA_SIZE);
    }
    const header = new FrameDecoder(16 * MiB, MAX_PACKET_BYTES_OF).push(packetStart(C.SMFIC_HEADER, 200 * KiB, 5));
    assert.deepEqual(header, [], "header packets keep the session's cap: Postfix sends fields up to 100 KiB");
  });

  test("after negotiation a 70 KiB RCPT closes the session as too large; a 64 KiB one is answered", async () => {
    const h = new SessionHarness(noopPolicy(), { maxPacketBytes: 16 * MiB, noReplyStages: [] });
    const rcpt = (bytes: number) => encodeCommand.rcpt(`${"r".repeat(bytes)}@example.net`);
    h.send(POSTFIX, CONNECT, encodeCommand.mail("a@example.org"), rcpt(C.MILTER_MAX_DATA_SIZE - 20));
    await h.waitFor(4);
    assert.equal(h.closed, null);
    const big = rcpt(70 * KiB);
    h.send(big);
    const closed = h.closed as SessionHarness["closed"];
    assert.ok(closed instanceof Error, String(closed));
    assert.equal(closed.message, `'R' packet length ${big.readUInt32BE(0)} > 65536`);
    assert.deepEqual(h.protocolErrors, ["too-large"]);
  });
});

describe("ESMTP arguments of MAIL and RCPT: the first 64 kept (milter-protocol.md §1.3)", () => {
  test("an RCPT of 64 KiB of NULs keeps 64 arguments, not 64K strings", () => {
    const payload = Buffer.concat([Buffer.from("<b@example.net>\0"), Buffer.alloc(C.MILTER_MAX_DATA_SIZE - 16)]);
    const command = parseCommand({ code: C.SMFIC_RCPT, payload });
    assert.ok(command.type === "rcpt");
    assert.equal(command.recipient.address, "b@example.net");
    assert.equal(command.recipient.args.length, MAX_ESMTP_ARGS);
    assert.equal(MAX_ESMTP_ARGS, 64);
  });

  test("the arguments kept are the first ones, in order; a MAIL within the limit keeps all of them", () => {
    const args = Array.from({ length: 100 }, (_, i) => `X-ARG${i}=${i}`);
    const mail = parseCommand({ code: C.SMFIC_MAIL, payload: encodeCommand.mail("a@x", args).subarray(5) });
    assert.ok(mail.type === "mail");
    assert.deepEqual(mail.sender.args, args.slice(0, 64));
    const few = parseCommand({
      code: C.SMFIC_MAIL,
      payload: encodeCommand.mail("", ["SIZE=10", "BODY=8BITMIME"]).subarray(5),
    });
    assert.ok(few.type === "mail");
    assert.deepEqual(few.sender, { address: "", args: ["SIZE=10", "BODY=8BITMIME"] });
    assert.deepEqual(splitCStrings(Buffer.from("a\0b\0c\0d"), 0, 2), ["a", "b"]);
  });
});

describe("macro packets: read up to the per-stage limit", () => {
  test("the pairs read are those the whole packet gives: odd counts, empty names and values, no final NUL", () => {
    const cases: Buffer[] = [
      Buffer.alloc(0),
      payload(C.SMFIC_MAIL, []),
      payload(C.SMFIC_MAIL, ["{mail_addr}", "a@b", "i", "Q1"]),
      payload(C.SMFIC_MAIL, ["", "no name", "j", "mx", "{odd}"]),
      payload(C.SMFIC_MAIL, ["{if_addr}", "", "x", "y"]),
      Buffer.concat([payload(C.SMFIC_MAIL, ["a", "1"]), Buffer.from("b\0no final NUL")]),
      Buffer.concat([payload(C.SMFIC_MAIL, ["a", "1"]), Buffer.from("name only")]),
    ];
    for (const p of cases) {
      const strings = p.length === 0 ? [] : splitCStrings(p, 1);
      const expected: Array<[string, string]> = [];
      for (let i = 0; i + 1 < strings.length; i += 2)
        if (strings[i] !== "") expected.push([strings[i]!, strings[i + 1]!]);
      assert.deepEqual(macroPairs(p), expected, JSON.stringify(p.toString("latin1")));
    }
  });

  test("the scan stops at the limit and says more followed", () => {
    const many = Buffer.concat([Buffer.of(C.SMFIC_BODYEOB), Buffer.from("a\0b\0".repeat(30_000))]);
    const { pairs, cut } = readMacroPairs(many, 256);
    assert.equal(pairs.length, 256);
    assert.equal(cut, true);
    assert.deepEqual(readMacroPairs(payload(C.SMFIC_MAIL, ["a", "1", "b", "2"]), 2), {
      pairs: [
        ["a", "1"],
        ["b", "2"],
      ],
      cut: false,
    });
  });

  test("a stage's packet past the limit keeps its first pairs, counted once, parsed once", () => {
    const m = new MacroStore(3);
    const strings = ["i", "Q1", "{mail_addr}", "a@b", "j", "mx"];
    for (let n = 0; n < 1000; n++) strings.push(`{m${n}}`, `v${n}`);
    m.definePacket(payload(C.SMFIC_BODYEOB, strings));
    assert.equal(m.get("i"), "Q1");
    assert.equal(m.get("mail_addr"), "a@b");
    assert.equal(m.get("j"), "mx");
    assert.equal(m.get("m0"), undefined, "past the limit");
    assert.equal(m.get("m999"), undefined);
    assert.equal(m.dropped, 1, "one stage cut, whatever it held past the limit");
  });

  test("the bytes kept are those of the stages kept and the transient packet", () => {
    const m = new MacroStore();
    const connect = payload(C.SMFIC_CONNECT, ["j", "mx"]);
    const mail = payload(C.SMFIC_MAIL, ["{mail_addr}", "a@b"]);
    const rcpt = payload(C.SMFIC_RCPT, ["{rcpt_addr}", "c@d"]);
    const header = payload(C.SMFIC_HEADER, ["i", "Q1"]);
    m.definePacket(connect);
    m.definePacket(mail);
    m.definePacket(rcpt);
    m.definePacket(header);
    assert.equal(m.retainedBytes, connect.length + mail.length + rcpt.length + header.length);
    m.endCommand();
    assert.equal(m.retainedBytes, connect.length + mail.length + rcpt.length);
    m.get("rcpt_addr");
    assert.equal(m.retainedBytes, connect.length + mail.length + rcpt.length, "a stage parsed still counts");
    m.definePacket(mail);
    assert.equal(m.retainedBytes, connect.length + mail.length, "a new MAIL stage clears RCPT's");
    m.clearFrom(C.SMFIM_CONNECT);
    assert.equal(m.retainedBytes, 0);
  });
});

describe("the packet budget of all sessions", () => {
  const sessions: SessionHarness[] = [];
  afterEach(() => {
    for (const h of sessions.splice(0)) h.session.end();
    assert.equal(packetBudget.held, 0, "every session gave its share back");
  });
  const open = (packetBudgetBytes: number) => {
    const h = new SessionHarness(noopPolicy(), { maxPacketBytes: 16 * MiB, packetBudgetBytes });
    sessions.push(h);
    h.send(POSTFIX, CONNECT);
    return h;
  };

  test("sessions holding large partial packets spend it; the next one past it is closed, a small one still served", async () => {
    const first = open(2 * MiB);
    first.send(...message().slice(0, 3), packetStart(C.SMFIC_HEADER, 8 * MiB, 1536 * KiB));
    assert.equal(first.closed, null);
    assert.equal(packetBudget.held, 1536 * KiB - SESSION_FREE_PACKET_BYTES, "what it buffers beyond its free share");

    const second = open(2 * MiB);
    second.send(packetStart(C.SMFIC_HEADER, 8 * MiB, 1 * MiB));
    assert.ok(second.closed instanceof Error, "past the budget");
    assert.match(second.closed.message, /milter\.packetBudgetBytes/);
    assert.deepEqual(second.protocolErrors, ["packet-budget"]);

    // A session within its free share (a Postfix body chunk of 65535 bytes, §1.2) never asks the budget.
    const third = open(2 * MiB);
    third.send(...message().slice(0, -2), encodeCommand.body(Buffer.alloc(65535, 0x61)), encodeCommand.eob());
    await third.waitFor(7);
    assert.equal(third.closed, null);
    assert.equal(third.types().at(-1), "continue");

    // The first session's packet comes whole: handled, its share given back.
    const rest = Buffer.alloc(8 * MiB + 4 - 1536 * KiB, 0x78);
    first.send(rest);
    assert.equal(first.closed, null);
    assert.equal(packetBudget.held, 0);
  });

  test("a closed session gives its share back", () => {
    const h = open(4 * MiB);
    h.send(packetStart(C.SMFIC_HEADER, 8 * MiB, 3 * MiB));
    assert.ok(packetBudget.held > 0);
    h.session.end();
    assert.equal(packetBudget.held, 0);
  });

  test("macro packets kept by every stage count too", () => {
    const h = open(1 * MiB);
    // Seven stages of 64 KiB each (448 KiB) are within the free share plus the budget; more sessions doing so spend it.
    const stages = [
      C.SMFIC_CONNECT,
      C.SMFIC_HELO,
      C.SMFIC_MAIL,
      C.SMFIC_RCPT,
      C.SMFIC_DATA,
      C.SMFIC_BODYEOB,
      C.SMFIC_EOH,
    ];
    const big = (code: number) => {
      const p = Buffer.alloc(C.MILTER_MAX_DATA_SIZE, 0x61);
      p[0] = code;
      return encodeFrame(C.SMFIC_MACRO, p);
    };
    h.send(...stages.map(big));
    assert.equal(h.closed, null);
    assert.equal(packetBudget.held, 7 * C.MILTER_MAX_DATA_SIZE - SESSION_FREE_PACKET_BYTES);
    const others = [open(1 * MiB), open(1 * MiB), open(1 * MiB)];
    for (const o of others) o.send(...stages.map(big));
    assert.ok(
      others.some((o) => o.closed instanceof Error),
      "a session past the budget is closed",
    );
    assert.ok(packetBudget.held <= 1 * MiB);
  });
});
