/**
 * The MIME split's feeding of mailsplit (src/fingerprint/mime-split.ts): the body goes in pieces, each once the one
 * before it is parsed, and nothing more once a limit ended the split or the parser failed; and pieces cut anywhere,
 * even inside a delimiter line and its line break, split a message as it is.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Transform, type TransformCallback } from "node:stream";
import { extractParts } from "../../src/fingerprint/extract.js";
import { reduceHead } from "../../src/fingerprint/message-head.js";
import { FEED_BYTES, feed } from "../../src/fingerprint/mime-split.js";

/** A stream that records what it is given, and parses nothing: `fail` makes it fail the write numbered so. */
class Recorder extends Transform {
  readonly pieces: number[] = [];
  ended = false;
  constructor(private readonly fail = -1) {
    super();
    this.on("error", () => undefined);
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pieces.push(chunk.byteLength);
    setImmediate(() => callback(this.pieces.length - 1 === this.fail ? new Error("parse failed") : null));
  }
  override _flush(callback: TransformCallback): void {
    this.ended = true;
    callback();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 50));

void describe("feeding the Splitter", () => {
  void test("the whole body in pieces of FEED_BYTES, then the end", async () => {
    const stream = new Recorder();
    stream.resume();
    feed(stream, Buffer.alloc(2 * FEED_BYTES + 10), () => false);
    await settle();
    assert.deepEqual(stream.pieces, [FEED_BYTES, FEED_BYTES, 10]);
    assert.equal(stream.ended, true);
  });

  void test("once stopped, no further piece and no end", async () => {
    const stream = new Recorder();
    stream.resume();
    feed(stream, Buffer.alloc(4 * FEED_BYTES), () => stream.pieces.length >= 2);
    await settle();
    assert.deepEqual(stream.pieces, [FEED_BYTES, FEED_BYTES]);
    assert.equal(stream.ended, false);
  });

  void test("after a piece the parser failed, nothing more is written", async () => {
    const stream = new Recorder(0);
    feed(stream, Buffer.alloc(3 * FEED_BYTES), () => false);
    await settle();
    assert.deepEqual(stream.pieces, [FEED_BYTES]);
    assert.equal(stream.ended, false);
  });
});

void test("pieces cut inside a delimiter line or its line break split the message as it is", async () => {
  const head = "Subject: pieces\r\nContent-Type: multipart/mixed; boundary=bnd\r\n\r\n";
  for (let shift = 0; shift < 24; shift++) {
    // The first part's text ends a few bytes either side of the first piece's end, so the CRLF and the delimiter
    // after it fall across the cut at every offset.
    const first = "x".repeat(FEED_BYTES - 60 - shift) + " first part ends";
    const body =
      `--bnd\r\nContent-Type: text/plain\r\n\r\n${first}\r\n` +
      `--bnd\r\nContent-Type: text/plain\r\n\r\nsecond part\r\n--bnd--\r\n`;
    const parts = await extractParts({ ...reduceHead(Buffer.from(head + body, "latin1")), truncated: false }, 1024);
    assert.equal(parts.limit, null, `shift ${shift}`);
    assert.equal(parts.text, `${first}\nsecond part`, `shift ${shift}`);
  }
});
