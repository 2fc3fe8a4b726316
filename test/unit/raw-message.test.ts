/**
 * A raw RFC 5322 message as an MTA hands it to a milter: folded header values with LF between lines and the one
 * leading space removed (milter-protocol.md §1.3), and a CRLF body.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rawToTestMessage, splitRawMessage } from "../../src/client/raw-message.js";

test("headers unfolded with LF, one leading space removed; the body in CRLF", () => {
  const m = rawToTestMessage(
    Buffer.from("Subject: a\n  folded\nFrom: x@y.example\nX-Tab:\tv\n\nline1\nline2\n"),
    "s@x",
    ["r@y"],
  );
  assert.deepEqual(m.headers, [
    ["Subject", "a\n  folded"],
    ["From", "x@y.example"],
    ["X-Tab", "\tv"],
  ]);
  assert.equal(m.body.toString(), "line1\r\nline2\r\n");
  assert.deepEqual([m.sender, m.recipients], ["s@x", ["r@y"]]);
});

test("an mbox From line is skipped, and a message without a body has an empty one", () => {
  const { headers, body } = splitRawMessage(Buffer.from("From someone Sat Jan 1 00:00:00 2000\r\nSubject: s\r\n"));
  assert.deepEqual(headers, [["Subject", "s"]]);
  assert.equal(body.length, 0);
});
