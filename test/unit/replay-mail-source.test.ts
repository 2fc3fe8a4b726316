/**
 * What `floodgate replay` reads of a stored message: its header fields (unfolded, bounded), when it arrived (the
 * topmost Received field's date, else the Date field; a trailing comment allowed; years below 1000 as RFC 5322 reads
 * three-digit ones), its envelope (Return-Path else From; To, Cc, Delivered-To), and the order of arrival.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  addresses,
  describe as describeMessage,
  headerFields,
  inDateOrder,
  parseDateTime,
} from "../../src/replay/mail-source.js";

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
  void test("the time is the topmost Received field's, not the sender's Date", () => {
    const m = describeMessage({
      file: "c.eml",
      bytes: message(
        "Received: from relay.example.org (relay.example.org [192.0.2.1])\n\tby mx.example.net (Postfix) with ESMTP" +
          " id 722F043F9B\n\tfor <x@example.net>; Mon, 26 Aug 2002 10:13:33 -0400 (EDT)\n" +
          "Received: from sender.example.com by relay.example.org; Sun, 25 Aug 2002 20:36:12 +0100\n" +
          "From: a@example.org\nDate: Sun, 25 Aug 0102 03:37:45 +1100",
      ),
    });
    assert.equal(m.date, Date.UTC(2002, 7, 26, 14, 13, 33));
    const unstamped = describeMessage({
      file: "d.eml",
      bytes: message("Received: from a by b with local\nDate: Sun, 25 Aug 0102 03:37:45 +1100"),
    });
    assert.equal(unstamped.date, Date.UTC(2002, 7, 24, 16, 37, 45), "no date in the Received field: the Date field");
  });
  void test("years: below 1000 as RFC 5322 reads three digits, two digits as it reads them, four as written", () => {
    assert.equal(parseDateTime("Sun, 25 Aug 0102 03:37:45 +1100"), Date.UTC(2002, 7, 24, 16, 37, 45));
    assert.equal(parseDateTime("25 Aug 102 03:37:45 +0000"), Date.UTC(2002, 7, 25, 3, 37, 45));
    assert.equal(parseDateTime("Sun, 25 Aug 02 03:37:45 +0000"), Date.UTC(2002, 7, 25, 3, 37, 45));
    assert.equal(parseDateTime("Sun, 25 Aug 99 03:37:45 +0000"), Date.UTC(1999, 7, 25, 3, 37, 45));
    assert.equal(parseDateTime("Mon, 28 Jul 1980 14:01:35 +0000"), Date.UTC(1980, 6, 28, 14, 1, 35));
    assert.equal(parseDateTime("nonsense"), null);
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
