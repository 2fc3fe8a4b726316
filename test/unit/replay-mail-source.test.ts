/**
 * What `floodgate replay` reads of a stored message: its header fields (unfolded, bounded), its date (a trailing
 * comment allowed), its envelope (Return-Path else From; To, Cc, Delivered-To), and the date order.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { addresses, describe as describeMessage, headerFields, inDateOrder } from "../../src/replay/mail-source.js";

const message = (head: string) => Buffer.from(`${head.replace(/\n/g, "\r\n")}\r\n\r\nbody\r\n`, "latin1");

void describe("replay's reading of a message", () => {
  void test("header fields are unfolded and stop at the blank line", () => {
    const fields = headerFields(message("Subject: one\n two\nX-A: 1\nX-A: 2"));
    assert.deepEqual(fields.get("subject"), ["one two"]);
    assert.deepEqual(fields.get("x-a"), ["1", "2"]);
    assert.equal(fields.get("body"), undefined);
  });
  void test("addresses in angle brackets, bare, quoted names, the null sender", () => {
    assert.deepEqual(addresses('"Doe, Jane" <Jane@Example.org>, bob@example.com (Bob), <>'), [
      "jane@example.org",
      "bob@example.com",
      "",
    ]);
  });
  void test("date with a trailing comment, envelope from the header", () => {
    const m = describeMessage({
      file: "a.eml",
      bytes: message(
        "Return-Path: <bounce@list.example>\nFrom: A <a@example.org>\nTo: x@example.net, Y <y@example.net>\n" +
          "Cc: z@example.net\nDate: Tue, 02 Jul 2002 10:00:00 +0000 (UTC)",
      ),
    });
    assert.equal(m.date, Date.UTC(2002, 6, 2, 10));
    assert.equal(m.sender, "bounce@list.example");
    assert.deepEqual(m.recipients, ["x@example.net", "y@example.net", "z@example.net"]);
    const noReturnPath = describeMessage({ file: "b.eml", bytes: message("From: a@example.org\nDate: nonsense") });
    assert.equal(noReturnPath.sender, "a@example.org");
    assert.equal(noReturnPath.date, null);
  });
  void test("date order is stable and an undated message stays after the one before it", () => {
    const m = (file: string, date: number | null) => ({
      file,
      bytes: Buffer.alloc(0),
      date,
      sender: "",
      recipients: [],
    });
    const { ordered, undated } = inDateOrder([m("a", 300), m("b", null), m("c", 100), m("d", 300)]);
    assert.deepEqual(
      ordered.map((x) => x.file),
      ["c", "a", "b", "d"],
    );
    assert.equal(undated, 1);
  });
});
