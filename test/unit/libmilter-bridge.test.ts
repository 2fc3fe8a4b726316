/**
 * The pure parts of the libmilter engine: listen spec conversion, the shim's event decoding, the answer encoding
 * (SMTP reply split for smfi_setreply, modification records), the decide mask and the macro lists.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { libmilterListen } from "../../src/engine/libmilter/conn-spec.js";
import { encodeModifications, encodeReply, statusOf, SMFIS_REJECT } from "../../src/engine/libmilter/answer.js";
import { decideMask, macroLines } from "../../src/engine/libmilter/engine.js";
import * as E from "../../src/engine/libmilter/events.js";
import { formatReply } from "../../src/milter/reply-code.js";
import { noopPolicy } from "../../src/policy/noop-policy.js";

void describe("libmilter listen spec", () => {
  const cases: Array<[string, string]> = [
    ["inet:127.0.0.1:10030", "inet:10030@127.0.0.1"],
    ["inet:10030@127.0.0.1", "inet:10030@127.0.0.1"],
    ["inet6:[::1]:10030", "inet6:10030@::1"],
    ["unix:/run/floodgate/milter.sock", "unix:/run/floodgate/milter.sock"],
    ["local:/run/x.sock", "unix:/run/x.sock"],
  ];
  for (const [spec, conn] of cases)
    void test(`${spec} → ${conn}`, () => assert.equal(libmilterListen([spec]).conn, conn));

  void test("several specs are refused, saying why", () => {
    assert.throws(() => libmilterListen(["inet:127.0.0.1:1", "unix:/x"]), /exactly one socket .*got 2/);
  });
  void test("port 0 is refused", () => {
    assert.throws(() => libmilterListen(["inet:127.0.0.1:0"]), /needs a real port, not 0/);
  });
});

/** Build one event as the shim lays it out. */
function event(slot: number, gen: number, seq: number, type: number, flags: number, fields: Buffer[]): Buffer {
  const body = Buffer.concat(fields.flatMap((f) => [u32(f.length), f]));
  const head = Buffer.alloc(20);
  head.writeUInt32LE(20 + body.length, 0);
  head.writeUInt32LE(slot, 4);
  head.writeUInt32LE(gen, 8);
  head.writeUInt32LE(seq, 12);
  head[16] = type;
  head[17] = flags;
  head.writeUInt16LE(fields.length, 18);
  return Buffer.concat([head, body]);
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
};

void describe("shim events", () => {
  void test("several events in one poll buffer", () => {
    const buf = Buffer.concat([
      event(3, 7, 0, E.FG_EV_HEADER, 0, [Buffer.from("Subject"), Buffer.from(" hi")]),
      event(3, 7, 12, E.FG_EV_EOM, E.FG_FLAG_WANTS_REPLY, [Buffer.from("i\0Q1\0{mail_addr}\0a@b\0")]),
      event(4, 9, 0, E.FG_EV_CLOSE, 0, []),
    ]);
    const events = E.decodeEvents(buf, buf.length);
    assert.deepEqual(
      events.map((e) => [e.slot, e.gen, e.seq, e.type, e.wantsReply, e.fields.length]),
      [
        [3, 7, 0, E.FG_EV_HEADER, false, 2],
        [3, 7, 12, E.FG_EV_EOM, true, 1],
        [4, 9, 0, E.FG_EV_CLOSE, false, 0],
      ],
    );
    assert.equal(E.text(events[0]!.fields[1]), " hi");
    assert.deepEqual(E.macroPairs(events[1]!.fields[0]), [
      ["i", "Q1"],
      ["mail_addr", "a@b"],
    ]);
  });

  void test("a truncated buffer is an error, not a silent loss", () => {
    const buf = event(1, 1, 0, E.FG_EV_BODY, 0, [Buffer.alloc(100)]);
    assert.throws(() => E.decodeEvents(buf, buf.length - 1), /bad event length/);
  });

  void test("connect info for each family", () => {
    const f = (...s: string[]) => s.map((x) => Buffer.from(x));
    assert.deepEqual(E.connectInfo(f("mx.example", "4", "2525", "192.0.2.1")), {
      hostname: "mx.example",
      family: "inet",
      address: "192.0.2.1",
      port: 2525,
    });
    assert.deepEqual(E.connectInfo(f("h", "6", "25", "2001:db8::1")), {
      hostname: "h",
      family: "inet6",
      address: "2001:db8::1",
      port: 25,
    });
    assert.deepEqual(E.connectInfo(f("h", "L", "", "/run/s")), {
      hostname: "h",
      family: "unix",
      address: "/run/s",
      port: null,
    });
    assert.deepEqual(E.connectInfo(f("h", "U", "", "")), {
      hostname: "h",
      family: "unknown",
      address: null,
      port: null,
    });
  });
});

void describe("answers for the shim", () => {
  void test("a multi-line reply splits into code, enhanced code and the escaped lines of formatReply", () => {
    const reply = { code: 550, xcode: "5.7.1", text: ["first", "100% sure"] };
    const parts = encodeReply({ kind: "reject", reply }).toString().split("\0");
    assert.deepEqual(parts, ["550", "5.7.1", "first", "100%% sure", ""]);
    // libmilter rebuilds the same text the TypeScript engine sends.
    const rebuilt = parts
      .slice(2, -1)
      .map((l, i, a) => `550${i === a.length - 1 ? " " : "-"}5.7.1 ${l}`)
      .join("\r\n");
    assert.equal(rebuilt, formatReply(reply, "reject"));
    assert.equal(statusOf({ kind: "reject", reply }), SMFIS_REJECT);
  });

  void test("a default enhanced code, no reply for other verdicts, and invalid replies throw (§1.9)", () => {
    assert.deepEqual(
      encodeReply({ kind: "tempfail", reply: { code: 451, text: "later" } })
        .toString()
        .split("\0"),
      ["451", "4.0.0", "later", ""],
    );
    assert.equal(encodeReply({ kind: "continue" }).length, 0);
    assert.equal(encodeReply({ kind: "reject" }).length, 0);
    assert.throws(() => encodeReply({ kind: "reject", reply: { code: 451, text: "x" } }), /does not match/);
  });

  void test("modification records: kind, index, two NUL-terminated fields; leading space when negotiated (HDR_LEADSPC, §1.4)", () => {
    const buf = encodeModifications(
      [
        { kind: "addHeader", name: "X-A", value: "one\r\n two" },
        { kind: "changeHeader", index: 2, name: "Subject", value: "" },
        { kind: "addRecipient", address: "<c@d>", args: ["NOTIFY=NEVER"] },
      ],
      true,
    );
    const records: Array<[string, number, string, string]> = [];
    for (let p = 0; p < buf.length;) {
      const kind = String.fromCharCode(buf[p]!);
      const index = buf.readUInt32LE(p + 1);
      const l1 = buf.readUInt32LE(p + 5);
      const f1 = buf.subarray(p + 9, p + 9 + l1).toString();
      assert.equal(buf[p + 9 + l1], 0);
      const l2 = buf.readUInt32LE(p + 9 + l1 + 1);
      const f2 = buf.subarray(p + 14 + l1, p + 14 + l1 + l2).toString();
      assert.equal(buf[p + 14 + l1 + l2], 0);
      records.push([kind, index, f1, f2]);
      p += 14 + l1 + l2 + 1;
    }
    assert.deepEqual(records, [
      ["h", 0, "X-A", " one\n two"],
      ["m", 2, "Subject", ""],
      ["2", 0, "<c@d>", "NOTIFY=NEVER"],
    ]);
  });
});

void describe("engine settings for the shim", () => {
  void test("the decide mask holds the stages with a handler", () => {
    assert.equal(decideMask(noopPolicy()), 0);
    const mask = decideMask({
      ...noopPolicy(),
      rcptTo: () => ({ kind: "continue" }),
      helo: () => ({ kind: "continue" }),
    });
    assert.equal(mask, (1 << E.FG_EV_RCPT) | (1 << E.FG_EV_HELO));
  });
  void test("macro lists, one line per stage", () => {
    assert.equal(
      macroLines({ 0: ["j", "{daemon_name}"], 2: ["{auth_authen}"], 4: [] }),
      "0 j {daemon_name}\n2 {auth_authen}",
    );
    assert.equal(macroLines(undefined), "");
  });
});
