/**
 * Golden bytes for every command and response, and the frame decoder fed every split of a stream
 * (milter-protocol.md §1.2–1.9).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { encodeCommand, parseCommand, parseConnect } from "../../src/milter/commands.js";
import { encodeFrame, encodeStringsFrame } from "../../src/milter/encoder.js";
import { FrameDecoder, type Frame } from "../../src/milter/decoder.js";
import { encodeModification, encodeResponse, parseResponse } from "../../src/milter/responses.js";
import { formatReply, parseReply, ReplyCodeError } from "../../src/milter/reply-code.js";
import * as C from "../../src/milter/constants.js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const hex = (b: Buffer) => b.toString("hex");
function single(bytes: Buffer): Frame {
  const frames = new FrameDecoder(1 << 20).push(bytes);
  assert.ok(Array.isArray(frames) && frames.length === 1, "exactly one frame");
  return frames[0]!;
}

describe("commands: golden bytes", () => {
  const cases: Array<[string, Buffer, string]> = [
    // Postfix's offer: version 6, actions 0x1FF, protocol 0x1FFFFF (real-mta-lab.md, §1.5)
    ["optneg", encodeCommand.optneg(6, 0x1ff, 0x1fffff), "0000000d4f00000006000001ff001fffff"],
    ["macro, zero pairs (Postfix's D before HELO, §1.7)", encodeCommand.macro(C.SMFIC_HELO, []), "000000024448"],
    ["macro i", encodeCommand.macro(C.SMFIC_DATA, [["i", "ABC"]]), "000000084454690041424300"],
    [
      "connect inet",
      encodeCommand.connect({ hostname: "h", family: "inet", address: "1.2.3.4", port: 25 }),
      "0000000e4368003400193" + "12e322e332e3400",
    ],
    [
      "connect unknown",
      encodeCommand.connect({ hostname: "h", family: "unknown", address: null, port: null }),
      "00000004436800" + "55",
    ],
    ["helo", encodeCommand.helo("x.y"), "00000005487" + "82e7900"],
    ["mail with args", encodeCommand.mail("a@b", ["SIZE=10"]), "0000000f4d3c6140623e0053495a453d313000"],
    ["rcpt", encodeCommand.rcpt("c@d"), "00000007523c6340643e00"],
    ["data", encodeCommand.data(), "0000000154"],
    ["header", encodeCommand.header("Subject", " hi"), "0000000d4c5375626a656374002068690" + "0"],
    ["eoh", encodeCommand.eoh(), "000000014e"],
    ["body", encodeCommand.body(Buffer.from("ab\r\n")), "0000000542" + "61620d0a"],
    ["eob", encodeCommand.eob(), "0000000145"],
    ["unknown", encodeCommand.unknown("XYZ"), "0000000555" + "58595a00"],
    ["abort", encodeCommand.abort(), "0000000141"],
    ["quit", encodeCommand.quit(), "0000000151"],
    ["quit_nc", encodeCommand.quitNc(), "000000014b"],
  ];
  for (const [name, bytes, golden] of cases) {
    test(name, () => assert.equal(hex(bytes), golden.replace(/\s/g, "")));
  }

  test("parsed back", () => {
    assert.deepEqual(parseCommand(single(encodeCommand.optneg(6, 0x1ff, 0x1fffff))), {
      type: "optneg",
      version: 6,
      actions: 0x1ff,
      protocol: 0x1fffff,
    });
    assert.deepEqual(parseCommand(single(encodeCommand.mail("a@b", ["SIZE=10", "BODY=8BITMIME"]))), {
      type: "mail",
      sender: { address: "a@b", args: ["SIZE=10", "BODY=8BITMIME"] },
    });
    const header = parseCommand(single(encodeCommand.header("X", "\tfolded\n\tline")));
    assert.equal(header.type === "header" && header.value, "\tfolded\n\tline");
  });

  test("the null sender, bracketed or empty (Postfix cleanup, §1.3)", () => {
    assert.deepEqual(parseCommand(single(encodeFrame(C.SMFIC_MAIL, Buffer.from("<>\0")))), {
      type: "mail",
      sender: { address: "", args: [] },
    });
    assert.deepEqual(parseCommand(single(encodeFrame(C.SMFIC_MAIL, Buffer.from("\0")))), {
      type: "mail",
      sender: { address: "", args: [] },
    });
    assert.deepEqual(parseCommand(single(encodeFrame(C.SMFIC_MAIL, Buffer.from("bare@x\0")))), {
      type: "mail",
      sender: { address: "bare@x", args: [] },
    });
  });

  test("connect families 4/6/L/U and Sendmail's IPv6: prefix (§1.8)", () => {
    const c6 = encodeCommand.connect({ hostname: "h6", family: "inet6", address: "::1", port: 587 }, true);
    assert.deepEqual(parseConnect(single(c6).payload), { hostname: "h6", family: "inet6", address: "::1", port: 587 });
    const unix = encodeCommand.connect({ hostname: "localhost", family: "unix", address: "/run/s", port: 0 });
    assert.deepEqual(parseConnect(single(unix).payload), {
      hostname: "localhost",
      family: "unix",
      address: "/run/s",
      port: null,
    });
    const bracket = Buffer.concat([Buffer.from("h\x004"), Buffer.from([0, 25]), Buffer.from("[10.0.0.1]\0")]);
    assert.equal(parseConnect(bracket).address, "10.0.0.1");
    // Sendmail with mail on stdin: no address at all
    assert.deepEqual(parseConnect(Buffer.from("localhost\0")), {
      hostname: "localhost",
      family: "unknown",
      address: null,
      port: null,
    });
  });

  test("macros: odd count, empty name, any code byte (§1.7)", () => {
    const odd = encodeFrame(C.SMFIC_MACRO, Buffer.from("Ci\0Q1\0{lonely}\0"));
    assert.deepEqual(parseCommand(single(odd)), { type: "macro", forCode: C.SMFIC_CONNECT, pairs: [["i", "Q1"]] });
    const empty = encodeFrame(C.SMFIC_MACRO, Buffer.from("B"));
    assert.deepEqual(parseCommand(single(empty)), { type: "macro", forCode: C.SMFIC_BODY, pairs: [] });
    assert.deepEqual(parseCommand(single(encodeFrame(C.SMFIC_MACRO))), { type: "macro", forCode: 0, pairs: [] });
  });

  test("a short OPTNEG is malformed", () => {
    assert.throws(() => parseCommand(single(encodeFrame(C.SMFIC_OPTNEG, Buffer.alloc(8)))), /need 12/);
  });
});

describe("responses: golden bytes", () => {
  const cases: Array<[string, Buffer, string]> = [
    ["continue", encodeResponse.continue(), "0000000163"],
    ["accept", encodeResponse.accept(), "0000000161"],
    ["reject", encodeResponse.reject(), "0000000172"],
    ["tempfail", encodeResponse.tempfail(), "0000000174"],
    ["discard", encodeResponse.discard(), "0000000164"],
    ["skip", encodeResponse.skip(), "0000000173"],
    ["progress", encodeResponse.progress(), "0000000170"],
    ["shutdown", encodeResponse.shutdown(), "0000000134"],
    [
      "replycode",
      encodeResponse.replyCode("550 5.7.1 no"),
      "0000000e79" + Buffer.from("550 5.7.1 no\0").toString("hex"),
    ],
    ["optneg", encodeResponse.optneg(6, 0x11, 0x100080), "0000000d4f000000060000001100100080"],
    [
      "optneg with a macro list (§1.6)",
      encodeResponse.optneg(6, 0x101, 0, { 5: ["i", "{msg_id}"] }),
      "0000001c4f00000006000001010000000000000005" + Buffer.from("i {msg_id}\0").toString("hex"),
    ],
  ];
  for (const [name, bytes, golden] of cases) test(name, () => assert.equal(hex(bytes), golden));

  const mods: Array<[string, Buffer[], string[]]> = [
    [
      "addheader",
      encodeModification({ kind: "addHeader", name: "X-A", value: "v" }, false),
      ["0000000768582d41007600"],
    ],
    [
      "addheader with LEADSPC adds the space (§1.4, OpenARC PR#40)",
      encodeModification({ kind: "addHeader", name: "X-A", value: "v" }, true),
      ["0000000868582d4100207600"],
    ],
    [
      "insheader",
      encodeModification({ kind: "insertHeader", index: 0, name: "X", value: "v" }, false),
      ["00000009690000000058007600"],
    ],
    [
      "chgheader deletes with an empty value",
      encodeModification({ kind: "changeHeader", index: 1, name: "X", value: "" }, true),
      ["000000086d00000001580000"],
    ],
    [
      "chgfrom",
      encodeModification({ kind: "changeFrom", address: "<a@b>", args: ["RET=HDRS"] }, false),
      ["0000001065" + Buffer.from("<a@b>\0RET=HDRS\0").toString("hex")],
    ],
    ["addrcpt", encodeModification({ kind: "addRecipient", address: "<a@b>" }, false), ["000000072b3c6140623e00"]],
    [
      "addrcpt_par",
      encodeModification({ kind: "addRecipient", address: "<a@b>", args: ["NOTIFY=NEVER"] }, false),
      ["0000001432" + Buffer.from("<a@b>\0NOTIFY=NEVER\0").toString("hex")],
    ],
    ["delrcpt", encodeModification({ kind: "deleteRecipient", address: "<a@b>" }, false), ["000000072d3c6140623e00"]],
    ["quarantine", encodeModification({ kind: "quarantine", reason: "r" }, false), ["0000000371" + "7200"]],
  ];
  for (const [name, frames, golden] of mods) test(name, () => assert.deepEqual(frames.map(hex), golden));

  test("header values fold with LF only, never CRLF (§1.4)", () => {
    const [frame] = encodeModification({ kind: "addHeader", name: "X", value: "a\r\n\tb" }, false);
    assert.ok(!frame!.includes("\r"));
  });

  test("body replacement in chunks of at most 65535 bytes, contiguous", () => {
    const frames = encodeModification({ kind: "replaceBody", body: Buffer.alloc(150_000, 0x61) }, false);
    assert.deepEqual(
      frames.map((f) => f.readUInt32BE(0) - 1),
      [65535, 65535, 150_000 - 2 * 65535],
    );
    assert.ok(frames.every((f) => f[4] === C.SMFIR_REPLBODY));
  });

  test("responses parse back", () => {
    assert.deepEqual(parseResponse(single(encodeResponse.optneg(6, 0x101, 0x80, { 5: ["i"] }))), {
      type: "optneg",
      version: 6,
      actions: 0x101,
      protocol: 0x80,
      macros: { 5: ["i"] },
    });
    const [chg] = encodeModification({ kind: "changeHeader", index: 2, name: "S", value: "x" }, false);
    assert.deepEqual(parseResponse(single(chg!)), {
      type: "modification",
      modification: { kind: "changeHeader", index: 2, name: "S", value: "x" },
    });
  });
});

describe("reply codes (§1.9)", () => {
  test("single line", () => {
    assert.equal(formatReply({ code: 550, xcode: "5.7.1", text: "go away" }, "reject"), "550 5.7.1 go away");
  });
  test("multi-line: dash on all but the last, CRLF between, no trailing CRLF", () => {
    assert.equal(
      formatReply({ code: 451, xcode: "4.7.1", text: ["a", "b", "c"] }, "tempfail"),
      "451-4.7.1 a\r\n451-4.7.1 b\r\n451 4.7.1 c",
    );
  });
  test("% is escaped as %% (Sendmail would use its default text otherwise)", () => {
    assert.equal(formatReply({ code: 550, text: "100% spam" }, "reject"), "550 5.0.0 100%% spam");
    assert.deepEqual(parseReply("550 5.0.0 100%% spam"), { code: 550, xcode: "5.0.0", text: ["100% spam"] });
  });
  const bad: Array<[string, Parameters<typeof formatReply>[0], "reject" | "tempfail", RegExp]> = [
    ["class mismatch with verdict", { code: 450, text: "x" }, "reject", /does not match a reject/],
    [
      "enhanced code class mismatch (smf-spf#33)",
      { code: 550, xcode: "4.7.1", text: "x" },
      "reject",
      /does not match reply code/,
    ],
    ["not 4xx/5xx", { code: 250, text: "x" }, "reject", /not 4xx or 5xx/],
    ["two digits", { code: 55, text: "x" }, "reject", /not 4xx or 5xx/],
    ["CR in text", { code: 550, text: "a\rb" }, "reject", /CR, LF or NUL/],
    ["too many lines", { code: 550, text: new Array(33).fill("x") }, "reject", /at most 32/],
    ["line too long", { code: 550, text: "x".repeat(981) }, "reject", /longer than 980/],
    ["malformed xcode", { code: 550, xcode: "5.x.1", text: "x" }, "reject", /malformed/],
  ];
  for (const [name, reply, kind, error] of bad) {
    test(`refused: ${name}`, () =>
      assert.throws(
        () => formatReply(reply, kind),
        (e: unknown) => e instanceof ReplyCodeError && error.test(e.message),
      ));
  }
});

describe("string packets are written in one allocation (§1.2)", () => {
  // The frame of the strings concatenated, as the encoders built it before writing in place.
  const reference = (code: number, values: string[], prefix?: Buffer) =>
    encodeFrame(
      code,
      Buffer.concat([prefix ?? Buffer.alloc(0), ...values.flatMap((v) => [Buffer.from(v, "utf8"), Buffer.alloc(1)])]),
    );
  const cases: Array<[string, number, string[], Buffer?]> = [
    ["no strings", C.SMFIC_MACRO, [], Buffer.from([C.SMFIC_HELO])],
    ["empty strings", C.SMFIC_MAIL, ["", ""]],
    ["a header with non-ASCII text", C.SMFIC_HEADER, ["Subject", " Grüße, 東京 — ✓ 😀"]],
    ["an index prefix", C.SMFIR_CHGHEADER, ["X-Spam", "yes"], Buffer.from([0, 0, 0, 2])],
    ["a long value", C.SMFIC_HEADER, ["Received", "from x ".repeat(2000)]],
  ];
  for (const [name, code, values, prefix] of cases)
    test(name, () => assert.equal(hex(encodeStringsFrame(code, values, prefix)), hex(reference(code, values, prefix))));
});

describe("frame decoder", () => {
  const stream = Buffer.concat([
    encodeCommand.optneg(6, 0x1ff, 0x1fffff),
    encodeCommand.macro(C.SMFIC_CONNECT, [["j", "mx"]]),
    encodeCommand.connect({ hostname: "h", family: "inet", address: "1.2.3.4", port: 25 }),
    encodeCommand.body(Buffer.alloc(300, 7)),
    encodeCommand.eob(),
  ]);
  const whole = (() => {
    const f = new FrameDecoder(1 << 20).push(stream);
    assert.ok(Array.isArray(f));
    return f.map((x) => [x.code, hex(x.payload)]);
  })();

  test("every split into two and three pieces gives the same frames", () => {
    for (let i = 0; i <= stream.length; i++) {
      const d = new FrameDecoder(1 << 20);
      const a = d.push(stream.subarray(0, i));
      const b = d.push(stream.subarray(i));
      assert.ok(Array.isArray(a) && Array.isArray(b));
      assert.deepEqual(
        [...a, ...b].map((x) => [x.code, hex(x.payload)]),
        whole,
        `split at ${i}`,
      );
    }
    for (let i = 0; i < stream.length; i += 7) {
      for (let j = i; j <= stream.length; j += 11) {
        const d = new FrameDecoder(1 << 20);
        const parts = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)].map((p) => d.push(p));
        const frames = parts.flatMap((p) => (Array.isArray(p) ? p : assert.fail("decoder error")));
        assert.deepEqual(
          frames.map((x) => [x.code, hex(x.payload)]),
          whole,
        );
      }
    }
  });

  test("byte by byte", () => {
    const d = new FrameDecoder(1 << 20);
    const out: Frame[] = [];
    for (const byte of stream) {
      const r = d.push(Buffer.from([byte]));
      assert.ok(Array.isArray(r));
      out.push(...r);
    }
    assert.deepEqual(
      out.map((x) => [x.code, hex(x.payload)]),
      whole,
    );
    assert.equal(d.pending, 0);
  });

  test("a packet written a byte at a time is held in about its own size, not a Buffer a byte (§1.2)", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const held = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const d = new FrameDecoder(1 << 24);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(8 << 20, 0);
    head[4] = C.SMFIC_BODY;
    assert.deepEqual(d.push(head), []);
    const before = held();
    const bytes = 256 * 1024;
    // Each read its own ArrayBuffer, as a socket gives them.
    for (let i = 0; i < bytes; i++) assert.deepEqual(d.push(Buffer.allocUnsafeSlow(1).fill(i)), []);
    const grown = held() - before;
    assert.equal(d.pending, bytes + 5);
    assert.ok(grown < 4 * bytes, `${grown} bytes held for ${bytes} bytes of a packet`);
  });

  test("length 0 is an error (§1.2)", () => {
    assert.deepEqual(new FrameDecoder(100).push(Buffer.from([0, 0, 0, 0, 0x43])), { kind: "bad-length", length: 0 });
  });

  test("a packet over the cap is refused before it is buffered", () => {
    const d = new FrameDecoder(1024);
    // "post" as a length: text written onto a milter socket (postsrsd#185, §1.2)
    assert.deepEqual(d.push(Buffer.from("postfix/smtpd")), { kind: "too-large", length: 0x706f7374, limit: 1024 });
    assert.equal(d.pending, 0);
  });
});
