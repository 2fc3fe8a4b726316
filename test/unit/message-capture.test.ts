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

/** The message the pieces make, built the plain way (one concatenation), as the reference. */
function reference(pieces: Piece[], leadingSpace: boolean): Buffer {
  const out: Buffer[] = [];
  let ended = false;
  const endHeaders = () => {
    if (!ended) out.push(Buffer.from("\r\n"));
    ended = true;
  };
  for (const p of pieces) {
    if ("header" in p) {
      const [name, value] = p.header;
      out.push(Buffer.from(`${name}${leadingSpace ? ":" : ": "}${value.replace(/\r?\n/g, "\r\n")}\r\n`, "utf8"));
    } else if ("eoh" in p) endHeaders();
    else {
      endHeaders();
      out.push(p.body);
    }
  }
  endHeaders();
  return Buffer.concat(out);
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

test("random messages and caps: the first cap bytes of the plain concatenation, every byte counted", () => {
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
    assert.equal(got.truncated, whole.length > cap, label);
    assert.ok(got.raw.buffer instanceof SharedArrayBuffer, label);
    assert.ok(got.raw.equals(whole.subarray(0, Math.min(cap, whole.length))), label);
  }
});

test("the cap inside a multi-byte character keeps the bytes before the cap, not the whole character", () => {
  const got = capture([{ header: ["Subject", "é"] }], "Subject: ".length + 1, false);
  assert.deepEqual([...got.raw], [...Buffer.from("Subject: "), 0xc3]);
  assert.equal(got.truncated, true);
  assert.equal(got.totalBytes, Buffer.byteLength("Subject: é\r\n\r\n"));
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
