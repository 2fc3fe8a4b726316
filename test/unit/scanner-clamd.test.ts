/**
 * The clamd scanner: INSTREAM framing (length-prefixed chunks, zero terminator) against golden bytes, and reply
 * parsing (OK, FOUND, ERROR).
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { once } from "node:events";
import { createClamdScanner, encodeClamdInstream, parseClamdReply, VIRUS_SCORE } from "../../src/scanners/clamd.js";
import { ScannerError } from "../../src/scanners/types.js";

void describe("clamd wire format", () => {
  void test("zINSTREAM, chunks with 4-byte big-endian lengths, zero terminator", () => {
    const bytes = Buffer.concat(encodeClamdInstream(Buffer.from("abcdefg"), 3));
    const golden = Buffer.concat([
      Buffer.from("zINSTREAM\0", "latin1"),
      Buffer.from([0, 0, 0, 3]),
      Buffer.from("abc"),
      Buffer.from([0, 0, 0, 3]),
      Buffer.from("def"),
      Buffer.from([0, 0, 0, 1]),
      Buffer.from("g"),
      Buffer.from([0, 0, 0, 0]),
    ]);
    assert.deepEqual(bytes, golden);
  });
  void test("an empty message is the command and the terminator", () => {
    assert.deepEqual(Buffer.concat(encodeClamdInstream(Buffer.alloc(0))), Buffer.from("zINSTREAM\0\0\0\0\0", "latin1"));
  });
});

void describe("clamd reply parsing", () => {
  void test("OK is ham", () =>
    assert.deepEqual(parseClamdReply("stream: OK\0"), { verdict: "ham", score: 0, threshold: null, rules: [] }));
  void test("FOUND is spam with the virus score", () =>
    assert.deepEqual(parseClamdReply("stream: Eicar-Signature FOUND\0"), {
      verdict: "spam",
      score: VIRUS_SCORE,
      threshold: null,
      rules: ["Eicar-Signature"],
    }));
  for (const reply of [
    "INSTREAM size limit exceeded. ERROR\0",
    "stream: Can't allocate memory ERROR\0",
    "",
    "UNKNOWN COMMAND\0",
  ]) {
    void test(`${JSON.stringify(reply)} is a protocol error`, () =>
      assert.throws(
        () => parseClamdReply(reply),
        (e: unknown) => e instanceof ScannerError && e.code === "protocol",
      ));
  }
});

void test("clamd scanner sends the stream and reads FOUND", async () => {
  const received: Buffer[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on("data", (d: Buffer) => received.push(d));
    socket.on("end", () => socket.end("stream: Win.Test.EICAR_HDB-1 FOUND\0"));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  try {
    const scanner = createClamdScanner({ host: "127.0.0.1", port, timeoutMs: 5000 });
    const message = Buffer.from("Subject: x\r\n\r\nbody\r\n");
    const result = await scanner.scan(message);
    assert.equal(result.verdict, "spam");
    assert.deepEqual(result.rules, ["Win.Test.EICAR_HDB-1"]);
    assert.deepEqual(Buffer.concat(received), Buffer.concat(encodeClamdInstream(message)));
  } finally {
    server.close();
    await once(server, "close");
  }
});
