/**
 * The spamd scanner: the REPORT and TELL requests' exact bytes, reply parsing (spam, ham, error statuses, garbage), and the
 * failures that must never become a verdict (refused, silent peer, abort).
 */
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";
import {
  createSpamdScanner,
  encodeSpamdReport,
  encodeSpamdTell,
  parseSpamdReply,
  parseTellReply,
  topRules,
} from "../../src/scanners/spamd.js";
import { ScannerError } from "../../src/scanners/types.js";
import { freePort } from "../../src/util/tcp-port.js";

/** A TCP server that records what it gets and answers with `reply` (or nothing) once the client half-closes. */
async function fakeServer(reply: string | null) {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("data", (d: Buffer) => received.push(d));
    socket.on("end", () => {
      if (reply !== null) socket.end(reply);
    });
    socket.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    received: () => Buffer.concat(received),
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

const message = Buffer.from("Subject: hi\r\n\r\nhello\r\n");

/** The scan fails with a ScannerError of this code. */
function assertScanFails(scan: Promise<unknown>, code: string): Promise<void> {
  return assert.rejects(scan, (err: unknown) => err instanceof ScannerError && err.code === code);
}

void describe("spamd wire format", () => {
  void test("CHECK request with Content-length and User, golden bytes", () => {
    const bytes = Buffer.concat(encodeSpamdReport(message, "nobody")).toString("latin1");
    assert.equal(bytes, "REPORT SPAMC/1.5\r\nContent-length: 22\r\nUser: nobody\r\n\r\nSubject: hi\r\n\r\nhello\r\n");
  });
  void test("no User header when user is null", () => {
    const bytes = Buffer.concat(encodeSpamdReport(message, null)).toString("latin1");
    assert.equal(bytes, "REPORT SPAMC/1.5\r\nContent-length: 22\r\n\r\nSubject: hi\r\n\r\nhello\r\n");
  });
});

void describe("spamd TELL (what spamc -L sends)", () => {
  void test("learn as spam: Message-class and Set, golden bytes", () => {
    const bytes = Buffer.concat(encodeSpamdTell(message, "spam", null)).toString("latin1");
    assert.equal(
      bytes,
      "TELL SPAMC/1.5\r\nContent-length: 22\r\nMessage-class: spam\r\nSet: local\r\n\r\nSubject: hi\r\n\r\nhello\r\n",
    );
  });
  void test("forget: the class it was taught as, and Remove", () => {
    const bytes = Buffer.concat(encodeSpamdTell(message, "forget", null, "ham")).toString("latin1");
    assert.match(bytes, /^TELL SPAMC\/1\.5\r\nContent-length: 22\r\nMessage-class: ham\r\nRemove: local\r\n\r\n/);
  });
  void test("a reply that did not learn is an error", () => {
    parseTellReply("SPAMD/1.1 0 EX_OK\r\nDidSet: local\r\n\r\n");
    parseTellReply("SPAMD/1.1 0 EX_OK\r\nDidRemove: local\r\n\r\n");
    assert.throws(() => parseTellReply("SPAMD/1.1 0 EX_OK\r\n\r\n"), /did not learn/);
    assert.throws(() => parseTellReply("SPAMD/1.1 69 EX_UNAVAILABLE\r\n\r\n"), /69/);
  });
});

void describe("spamd report table", () => {
  const report = [
    'Spam detection software, running on the system "lab", has',
    "Content analysis details:   (1006.3 points, 5.0 required)",
    "",
    " pts rule name              description",
    "---- ---------------------- --------------------------------------------------",
    "1000 GTUBE                  BODY: Generic Test for Unsolicited Bulk Email",
    " 1.0 MISSING_HEADERS        Missing To: header",
    "-0.0 NO_RELAYS              Informational: message was not relayed via SMTP",
    " 2.5 FREEMAIL_FROM          Sender email is commonly abused enduser mail",
    "                            provider (free[at]example.com)",
    " 1.8 MISSING_SUBJECT        Missing Subject: header",
    " 0.1 MISSING_MID            Missing Message-Id: header",
    " 0.5 PDS_OTHER_BAD_TLD      Untrustworthy TLDs",
  ].join("\n");
  void test("the rules that weighed most, highest first, five at most, none of zero points", () => {
    assert.deepEqual(topRules(report), [
      "GTUBE",
      "FREEMAIL_FROM",
      "MISSING_SUBJECT",
      "MISSING_HEADERS",
      "PDS_OTHER_BAD_TLD",
    ]);
  });
  void test("a REPORT reply gives score, threshold and rules", () => {
    const reply = `SPAMD/1.1 0 EX_OK\r\nContent-length: ${report.length}\r\nSpam: True ; 1006.3 / 5.0\r\n\r\n${report}`;
    const result = parseSpamdReply(reply);
    assert.equal(result.threshold, 5);
    assert.equal(result.rules[0], "GTUBE");
  });
});

void describe("spamd reply parsing", () => {
  const table: [string, string, { verdict: "spam" | "ham"; score: number }][] = [
    [
      "spam",
      "SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\nSpam: True ; 15.0 / 5.0\r\n\r\n",
      { verdict: "spam", score: 15 },
    ],
    ["ham", "SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.2 / 5.0\r\n\r\n", { verdict: "ham", score: 1.2 }],
    ["negative score", "SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.1 / 5.0\r\n\r\n", { verdict: "ham", score: -0.1 }],
    ["GTUBE", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1005.2 / 5.0\r\n\r\n", { verdict: "spam", score: 1005.2 }],
    ["Yes/No form, LF only", "SPAMD/1.0 0 EX_OK\nSpam: Yes ; 7 / 5\n\n", { verdict: "spam", score: 7 }],
  ];
  for (const [name, reply, expected] of table) {
    void test(name, () => {
      const result = parseSpamdReply(reply);
      assert.equal(result.verdict, expected.verdict);
      assert.equal(result.score, expected.score);
    });
  }
  const errors: [string, string][] = [
    ["error status", "SPAMD/1.0 76 Bad header line: (Content-length mismatch)\r\n\r\n"],
    ["EX_UNAVAILABLE", "SPAMD/1.1 69 EX_UNAVAILABLE\r\n\r\n"],
    ["no Spam header", "SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n"],
    ["garbage", "HTTP/1.1 400 Bad Request\r\n\r\n"],
    ["empty", ""],
  ];
  for (const [name, reply] of errors) {
    void test(`${name} is a protocol error, never a verdict`, () => {
      assert.throws(
        () => parseSpamdReply(reply),
        (err: unknown) => err instanceof ScannerError && err.code === "protocol" && err.scanner === "spamd",
      );
    });
  }
});

void describe("spamd scanner over TCP", () => {
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  void test("sends the request and reads the verdict", async () => {
    const server = await fakeServer("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 15.0 / 5.0\r\n\r\n");
    servers.push(server);
    const scanner = createSpamdScanner({ host: "127.0.0.1", port: server.port, timeoutMs: 5000, user: null });
    const result = await scanner.scan(message);
    assert.deepEqual(result, { verdict: "spam", score: 15, threshold: 5, rules: [] });
    assert.equal(
      server.received().toString("latin1"),
      Buffer.concat(encodeSpamdReport(message, null)).toString("latin1"),
    );
  });

  void test("connection refused is 'unavailable'", async () => {
    const port = await freePort();
    const scanner = createSpamdScanner({ host: "127.0.0.1", port, timeoutMs: 5000, user: null });
    await assertScanFails(scanner.scan(message), "unavailable");
  });

  void test("a peer that never answers is 'timeout'", async () => {
    const server = await fakeServer(null);
    servers.push(server);
    const scanner = createSpamdScanner({ host: "127.0.0.1", port: server.port, timeoutMs: 200, user: null });
    await assertScanFails(scanner.scan(message), "timeout");
  });

  void test("the caller's abort is 'aborted'", async () => {
    const server = await fakeServer(null);
    servers.push(server);
    const scanner = createSpamdScanner({ host: "127.0.0.1", port: server.port, timeoutMs: 30_000, user: null });
    const controller = new AbortController();
    const pending = scanner.scan(message, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (err: unknown) => err instanceof ScannerError && err.code === "aborted");
  });
});
