/**
 * The rspamd scanner: the /checkv2 request (method, path, headers, body) seen by a local HTTP server, JSON reply
 * parsing by action and score, and errors (HTTP status, error field, not JSON, refused).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { once } from "node:events";
import { createRspamdScanner, parseRspamdReply } from "../../src/scanners/rspamd.js";
import { ScannerError } from "../../src/scanners/types.js";
import { freePort } from "../../src/util/tcp-port.js";

void describe("rspamd reply parsing", () => {
  const table: [string, unknown, "spam" | "ham"][] = [
    ["reject", { action: "reject", score: 20, required_score: 15 }, "spam"],
    ["add header", { action: "add header", score: 7, required_score: 15 }, "spam"],
    ["rewrite subject", { action: "rewrite subject", score: 9, required_score: 15 }, "spam"],
    ["no action", { action: "no action", score: 1.5, required_score: 15 }, "ham"],
    ["greylist", { action: "greylist", score: 4.5, required_score: 15 }, "ham"],
    ["score over required", { action: "soft reject", score: 16, required_score: 15 }, "spam"],
  ];
  for (const [name, json, verdict] of table) {
    void test(name, () => assert.equal(parseRspamdReply(json).verdict, verdict));
  }
  for (const [name, json] of [
    ["error field", { error: "Message has no body" }],
    ["no action", { score: 1 }],
    ["not an object", "x"],
  ] as [string, unknown][]) {
    void test(`${name} is a protocol error`, () =>
      assert.throws(
        () => parseRspamdReply(json),
        (e: unknown) => e instanceof ScannerError && e.code === "protocol",
      ));
  }
});

void describe("rspamd scanner over HTTP", () => {
  let server: Server;
  let port = 0;
  let last: { method?: string; url?: string; headers: IncomingMessage["headers"]; body: Buffer } | null = null;
  let respond: { status: number; body: string } = { status: 200, body: "{}" };
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (d: Buffer) => chunks.push(d));
      req.on("end", () => {
        last = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) };
        res.writeHead(respond.status, { "Content-Type": "application/json" });
        res.end(respond.body);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  });
  const message = Buffer.from("Subject: x\r\n\r\nbody\r\n");

  void test("POST /checkv2 with the message and the password header", async () => {
    const symbols = {
      BAYES_SPAM: { score: 5.1 },
      R_DKIM_NA: { score: 0 },
      MIME_GOOD: { score: -0.1 },
      FUZZY: { score: 3 },
    };
    respond = {
      status: 200,
      body: JSON.stringify({ action: "add header", score: 8.5, required_score: 15, symbols }),
    };
    const scanner = createRspamdScanner({ url: `http://127.0.0.1:${port}`, timeoutMs: 5000, password: "secret" });
    const result = await scanner.scan(message);
    assert.deepEqual(result, {
      verdict: "spam",
      score: 8.5,
      threshold: 15,
      rules: ["BAYES_SPAM", "FUZZY"],
      details: "add header",
    });
    assert.equal(last?.method, "POST");
    assert.equal(last?.url, "/checkv2");
    assert.equal(last?.headers["password"], "secret");
    assert.deepEqual(last?.body, message);
  });

  void test("an HTTP error status is a protocol error", async () => {
    respond = { status: 500, body: "oops" };
    const scanner = createRspamdScanner({ url: `http://127.0.0.1:${port}`, timeoutMs: 5000, password: null });
    await assert.rejects(scanner.scan(message), (e: unknown) => e instanceof ScannerError && e.code === "protocol");
  });

  void test("a reply that is not JSON is a protocol error", async () => {
    respond = { status: 200, body: "not json" };
    const scanner = createRspamdScanner({ url: `http://127.0.0.1:${port}`, timeoutMs: 5000, password: null });
    await assert.rejects(scanner.scan(message), (e: unknown) => e instanceof ScannerError && e.code === "protocol");
  });

  void test("connection refused is 'unavailable'", async () => {
    const scanner = createRspamdScanner({
      url: `http://127.0.0.1:${await freePort()}`,
      timeoutMs: 5000,
      password: null,
    });
    await assert.rejects(scanner.scan(message), (e: unknown) => e instanceof ScannerError && e.code === "unavailable");
  });
});
