// MessageCapture (src/session/message-capture.ts): the bytes kept are exactly the first `cap` bytes of the message
// as rebuilt from header and body packets, the size counts every byte, and the result is one SharedArrayBuffer;
// the budget of all captures and the room of header fields bound what is kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureBudget, INITIAL_CAPTURE_BYTES } from "../../src/session/capture-budget.js";
import { MessageCapture } from "../../src/session/message-capture.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { seededRandom } from "../../src/util/seeded-random.js";

type Piece = { header: [string, string] } | { eoh: true } | { body: Buffer };

/** A header field as the plain concatenation writes it. */
function field(name: string, value: string, leadingSpace: boolean): Buffer {
  return Buffer.from(`${name}${leadingSpace ? ":" : ": "}${value.replace(/\r?\n/g, "\r\n")}\r\n`, "utf8");
}

/** The message the pieces make, built the plain way (one concatenation), as the reference. */
function reference(pieces: Piece[], leadingSpace: boolean): Buffer {
  const out: Buffer[] = [];
  let ended = false;
  const endHeaders = () => {
    if (!ended) out.push(Buffer.from("\r\n"));
    ended = true;
  };
  for (const p of pieces) {
    if ("header" in p) out.push(field(...p.header, leadingSpace));
    else if ("eoh" in p) endHeaders();
    else {
      endHeaders();
      out.push(p.body);
    }
  }
  endHeaders();
  return Buffer.concat(out);
}

/**
 * The header fields of `pieces` found in order at the start of `raw`, each whole: how many bytes they take, and how
 * many of those are fields other than Subject (the one name among the random ones still kept past the header room).
 */
function keptFields(raw: Buffer, pieces: Piece[], leadingSpace: boolean): { bytes: number; ordinary: number } {
  let bytes = 0;
  let ordinary = 0;
  for (const p of pieces) {
    if (!("header" in p)) continue;
    const bytesOfField = field(...p.header, leadingSpace);
    if (!raw.subarray(bytes, bytes + bytesOfField.length).equals(bytesOfField)) continue;
    bytes += bytesOfField.length;
    if (p.header[0] !== "Subject") ordinary += bytesOfField.length;
  }
  return { bytes, ordinary };
}

function capture(pieces: Piece[], cap: number, leadingSpace: boolean) {
  const c = new MessageCapture(cap, leadingSpace);
  for (const p of pieces) {
    if ("header" in p) c.addHeader(...p.header);
    else if ("eoh" in p) c.endOfHeaders();
    else c.addBody(p.body);
  }
  return c.finish();
}

const WORDS = [
  "Subject",
  "x",
  "naïve café",
  "日本語のテキスト",
  "emoji 😀 here",
  "folded\n\tline",
  "crlf\r\n line",
  "",
];

function randomMessage(random: () => number): Piece[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const pieces: Piece[] = [];
  const headers = Math.floor(random() * 30);
  for (let i = 0; i < headers; i++)
    pieces.push({ header: [pick(WORDS) || "X-H", pick(WORDS).repeat(1 + Math.floor(random() * 40))] });
  if (random() < 0.5) pieces.push({ eoh: true });
  const chunks = Math.floor(random() * 4);
  for (let i = 0; i < chunks; i++) {
    const body = Buffer.alloc(Math.floor(random() * 70_000));
    for (let j = 0; j < body.length; j++) body[j] = Math.floor(random() * 256);
    pieces.push({ body });
  }
  return pieces;
}

test("random messages and caps: header fields kept whole within their share, then the body up to the cap", () => {
  const random = seededRandom(7);
  for (let i = 0; i < 300; i++) {
    const pieces = randomMessage(random);
    const leadingSpace = random() < 0.5;
    const whole = reference(pieces, leadingSpace);
    // Caps around the sizes that matter: inside the headers (often inside a multi-byte character), around the
    // store's first size and its doublings, past the end.
    const cap = [
      0,
      1,
      Math.floor(random() * 200),
      16_384,
      16_385,
      40_000,
      Math.floor(random() * whole.length),
      whole.length,
      whole.length + 10,
    ][i % 9]!;
    const got = capture(pieces, cap, leadingSpace);
    const label = `message ${i}: ${whole.length} bytes, cap ${cap}`;
    assert.equal(got.totalBytes, whole.length, label);
    assert.ok(got.raw.buffer instanceof SharedArrayBuffer, label);
    const fields = keptFields(got.raw, pieces, leadingSpace);
    assert.ok(fields.ordinary <= cap / 2, `${label}: ${fields.ordinary} bytes of ordinary fields`);
    assert.ok(fields.bytes <= (cap * 3) / 4, `${label}: ${fields.bytes} bytes of fields`);
    // After the fields kept: the blank line and the body, as far as the cap.
    const rest = Buffer.concat([Buffer.from("\r\n"), ...pieces.flatMap((p) => ("body" in p ? [p.body] : []))]);
    assert.equal(got.raw.length, Math.min(cap, fields.bytes + rest.length), label);
    assert.ok(got.raw.subarray(fields.bytes).equals(rest.subarray(0, got.raw.length - fields.bytes)), label);
    assert.equal(got.truncated, got.raw.length < whole.length, label);
    const headerBytes = whole.length - rest.length;
    if (headerBytes <= cap / 2) assert.ok(got.raw.equals(whole.subarray(0, Math.min(cap, whole.length))), label);
  }
});

test("a header field is kept whole or not at all: one over half the cap is counted, not kept", () => {
  const note = "X-Note: é\r\n";
  const bytes = Buffer.byteLength(note);
  const cut = capture([{ header: ["X-Note", "é"] }, { body: Buffer.from("body") }], 2 * bytes - 1, false);
  assert.equal(cut.raw.toString(), "\r\nbody");
  assert.equal(cut.totalBytes, bytes + "\r\nbody".length);
  assert.equal(cut.truncated, true);
  const kept = capture([{ header: ["X-Note", "é"] }, { body: Buffer.from("body") }], 2 * bytes, false);
  assert.equal(kept.raw.toString(), `${note}\r\nbody`);
});

test("a body chunk is copied: changing the packet's buffer afterwards does not change the message", () => {
  const chunk = Buffer.from("hello");
  const c = new MessageCapture(1024, false);
  c.addBody(chunk);
  chunk.fill(0x21);
  assert.equal(c.finish().raw.toString(), "\r\nhello");
});

// Finding (memory): each capture held up to messageCaptureBytes whatever the number of sessions, so peak memory grew
// with sessions x the cap. The budget of all captures bounds it.
test("captures grow only by what the budget grants, and give it back at release", () => {
  const budget = new CaptureBudget();
  const limit = 100_000;
  const body = Buffer.alloc(300_000, 0x61);
  const first = new MessageCapture(1024 * 1024, false, { budget, limit });
  first.addBody(body);
  assert.ok(budget.held <= limit, `${budget.held} held`);
  const second = new MessageCapture(1024 * 1024, false, { budget, limit });
  second.addBody(body);
  const a = first.finish();
  const b = second.finish();
  assert.ok(budget.held <= limit, `${budget.held} held`);
  assert.equal(a.truncated && b.truncated, true, "both were captured short");
  assert.equal(a.totalBytes, body.length + 2, "every byte is still counted");
  assert.ok(
    a.raw.length + b.raw.length <= limit + 2 * INITIAL_CAPTURE_BYTES,
    "held at most the budget and two first stores",
  );
  assert.ok(b.raw.length >= INITIAL_CAPTURE_BYTES - 2, "a message past the budget keeps its first store");
  first.release();
  second.release();
  assert.equal(budget.held, 0);
  const third = new MessageCapture(1024 * 1024, false, { budget, limit });
  third.addBody(body.subarray(0, 50_000));
  assert.equal(third.finish().truncated, false, "released bytes serve the next message");
});

// Finding ("ways past the filter"): a flood of header fields filled the capture, so the body was never captured.
test("header fields take at most half the cap; past it the MIME fields and Subject are still kept", () => {
  const cap = 256 * 1024;
  const c = new MessageCapture(cap, false);
  for (let i = 0; i < 20_000; i++) c.addHeader("X-Pad", `padding field ${i}`);
  c.addHeader("Subject", "the subject");
  c.addHeader("Content-Type", "text/plain");
  c.addHeader("Subject", "a second subject");
  c.addBody(Buffer.from("the body after the flood"));
  const got = c.finish().raw.toString();
  assert.ok(got.length <= cap);
  assert.ok(got.endsWith("\r\nSubject: the subject\r\nContent-Type: text/plain\r\n\r\nthe body after the flood"));
  assert.ok(!got.includes("a second subject"));
  assert.equal(c.headers.length, MessageCapture.MAX_LISTED_HEADERS);
});

// Finding ("ways past the filter"): past the header room every field named Content-* was kept, the first of each, so
// 60,000 distinct names filled the capture and no body was kept: different bodies behind one flood were one campaign.
test("a flood of distinct Content-* names past the header room leaves the body in the capture", () => {
  const cap = 1024 * 1024;
  const c = new MessageCapture(cap, false);
  for (let i = 0; i < 60_000; i++) c.addHeader(`Content-Pad-${i}`, `padding field number ${i}`);
  c.addHeader("Content-Type", "text/plain");
  c.addBody(Buffer.from("the body after the flood"));
  const got = c.finish().raw.toString();
  assert.ok(got.length <= cap / 2 + 1024, `${got.length} bytes kept`);
  assert.ok(got.endsWith("\r\nContent-Type: text/plain\r\n\r\nthe body after the flood"));
});

test("past the header room the MIME fields and Subject are kept once each, each up to 8 KiB", () => {
  const c = new MessageCapture(256 * 1024, false);
  for (let i = 0; i < 20_000; i++) c.addHeader("X-Pad", `padding field ${i}`);
  const fieldOf = (name: string, bytes: number) => [name, "d".repeat(bytes - `${name}: \r\n`.length)] as const;
  const pastRoom: Array<readonly [string, string]> = [
    ["MIME-Version", "1.0"],
    ["Content-Type", "text/plain"],
    ["Content-Type", "text/html"],
    ["Content-Transfer-Encoding", "quoted-printable"],
    ["content-transfer-encoding", "base64"],
    fieldOf("Content-Disposition", 8 * 1024),
    fieldOf("Subject", 8 * 1024 + 1),
    ["Subject", "a short subject after the long one"],
    ["Content-Language", "en"],
  ];
  for (const [name, value] of pastRoom) c.addHeader(name, value);
  c.addBody(Buffer.from("the body"));
  const message = c.finish();
  const raw = message.raw.toString();
  const afterFlood = raw.slice(raw.indexOf("\r\n", raw.lastIndexOf("X-Pad: ")) + 2);
  const disposition = `Content-Disposition: ${fieldOf("Content-Disposition", 8 * 1024)[1]}\r\n`;
  const expected = `MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n`;
  assert.equal(afterFlood, `${expected}${disposition}\r\nthe body`);
  const padBytes = Array.from({ length: 20_000 }, (_, i) => `X-Pad: padding field ${i}\r\n`.length);
  const fieldBytes = [...padBytes, ...pastRoom.map(([name, value]) => `${name}: ${value}\r\n`.length)];
  const total = fieldBytes.reduce((a, b) => a + b) + "\r\nthe body".length;
  assert.equal(message.totalBytes, total, "the fields not kept are counted");
});

// Finding: with the budget spent a capture kept its first store, and header fields filled it: ordinary mail with
// 20 KB of Received fields was captured as headers only, so every such message was one campaign of empty messages.
test("with the budget spent, 30 KB of header fields leave part of the body in the first store", () => {
  const budget = new CaptureBudget();
  const limit = 1024 * 1024;
  budget.reserve(limit, limit);
  const c = new MessageCapture(1024 * 1024, false, { budget, limit });
  const received = (i: number) =>
    `from relay${i}.example.net (relay${i}.example.net [192.0.2.${i % 250}]) by mx.example.org ` +
    `with ESMTPS id ${(i * 2_654_435_761).toString(36)} for <rcpt@example.org>; Mon, 7 Dec 2026 09:${i % 60} +0000`;
  let sent = 0;
  for (let i = 0; sent < 30_000; i++) {
    c.addHeader("Received", received(i));
    sent += Buffer.byteLength(`Received: ${received(i)}\r\n`);
  }
  c.addHeader("Subject", "the weekly report");
  c.addHeader("Content-Type", "text/plain; charset=utf-8");
  const body = Array.from({ length: 400 }, (_, i) => `line ${i} of the report body`).join("\r\n");
  c.addBody(Buffer.from(body));
  const message = c.finish();
  const raw = message.raw.toString();
  const [head = "", kept = ""] = raw.split("\r\n\r\n");
  const ordinary = head.slice(0, head.indexOf("Subject: "));
  assert.equal(budget.held, limit, "nothing more was granted");
  assert.ok(raw.length <= INITIAL_CAPTURE_BYTES, `${raw.length} bytes kept`);
  assert.ok(ordinary.length <= INITIAL_CAPTURE_BYTES / 2, `${ordinary.length} bytes of Received fields kept`);
  assert.ok(head.endsWith("\r\nSubject: the weekly report\r\nContent-Type: text/plain; charset=utf-8"));
  assert.ok(head.length + 4 <= (INITIAL_CAPTURE_BYTES * 3) / 4, `${head.length} bytes of header fields kept`);
  assert.ok(kept.length > 1000 && body.startsWith(kept), `${kept.length} bytes of the body kept`);
  const lastFields = "Subject: the weekly report\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  assert.equal(message.totalBytes, sent + lastFields.length + body.length);
  c.release();
  assert.equal(budget.held, limit);
});

// Finding (a stall): every header value's line endings were converted before deciding what to keep; a 16 MiB value of
// LF characters took seconds of the main thread. A field not kept is counted without converting it.
test("a value of bare LFs is counted as its CRLF form, and kept in that form when it is kept", () => {
  const values = ["\n".repeat(1000), "a\nb\r\nc\r\r\nd\n", "\né\n\t😀\n", "\n".repeat(2 * 1024 * 1024)];
  for (const value of values) {
    const c = new MessageCapture(1024 * 1024, false);
    c.addHeader("X-Lines", value);
    const message = c.finish();
    const crlf = `X-Lines: ${value.replace(/\r?\n/g, "\r\n")}\r\n\r\n`;
    assert.equal(message.totalBytes, Buffer.byteLength(crlf), `a value of ${value.length} characters`);
    if (value.length < 1024 * 1024) assert.equal(message.raw.toString(), crlf);
    else assert.equal(message.raw.toString(), "\r\n", "a field over half the cap is counted, not kept");
  }
});

test("the capture gauge reads the bytes held when scraped", async () => {
  const budget = new CaptureBudget();
  const metrics = createMetrics({ captureHeld: () => budget.held });
  const capture = new MessageCapture(1024 * 1024, false, { budget, limit: 1_000_000 });
  capture.addBody(Buffer.alloc(100_000, 0x61));
  const held = budget.held;
  assert.ok(held > 0);
  assert.match(await metrics.registry.getSingleMetricAsString("floodgate_capture_bytes"), new RegExp(` ${held}\n?$`));
  capture.release();
  assert.match(await metrics.registry.getSingleMetricAsString("floodgate_capture_bytes"), / 0\n?$/);
});
