/**
 * The one writer of Floodgate's own headers: every incoming header of those names (X-Floodgate-*, the configured
 * status header) is counted, however many headers came before it, and at end of message each label replaces the first
 * of its name and every other one is deleted, highest index first: milter-protocol.md §1.4, SMFIR_CHGHEADER's index
 * counts the headers of that name from 1, an empty value deletes, and Postfix shifts the indexes after a deleted one.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  forgedHeadersAnswer,
  labelModifications,
  MAX_OWN_HEADER_NAME_LENGTH,
  OwnHeaderCount,
  ownHeaderModifications,
} from "../../src/session/labels.js";
import { isOwnHeader } from "../../src/vocabulary/own-headers.js";
import { SMFIF_ADDHDRS, SMFIF_CHGHDRS } from "../../src/milter/constants.js";

/** The actions Floodgate's policy asks for and Postfix offers: headers added and changed. */
const ALL_HEADER_ACTIONS = SMFIF_ADDHDRS | SMFIF_CHGHDRS;

function counted(statusHeader: string, names: string[]): OwnHeaderCount {
  const count = new OwnHeaderCount(statusHeader);
  for (const name of names) count.see(name);
  return count;
}

void describe("Floodgate's own headers", () => {
  void test("X-Floodgate-* in any case and the configured status header are Floodgate's; others are not", () => {
    assert.ok(isOwnHeader("x-floodgate-campaign", "X-Floodgate-Status"));
    assert.ok(isOwnHeader("X-FLOODGATE-Anything", "X-Floodgate-Status"));
    assert.ok(isOwnHeader("x-spam-gate", "X-Spam-Gate"));
    assert.ok(!isOwnHeader("X-Floodgate", "X-Floodgate-Status"));
    assert.ok(!isOwnHeader("Subject", "X-Floodgate-Status"));
  });

  void test("a label with no incoming header of its name is added", () => {
    assert.deepEqual(
      labelModifications(counted("X-Floodgate-Status", ["Subject"]), [
        { name: "X-Floodgate-Status", value: "continue; new" },
      ]),
      [{ kind: "addHeader", name: "X-Floodgate-Status", value: "continue; new" }],
    );
  });

  void test("forged headers of a label's name: the first changed, the others deleted from the last (§1.4)", () => {
    const incoming = counted("X-Floodgate-Status", [
      "x-floodgate-status",
      "Subject",
      "X-Floodgate-Status",
      "X-FLOODGATE-STATUS",
    ]);
    assert.deepEqual(labelModifications(incoming, [{ name: "X-Floodgate-Status", value: "reject; campaign-spam" }]), [
      { kind: "changeHeader", index: 3, name: "X-Floodgate-Status", value: "" },
      { kind: "changeHeader", index: 2, name: "X-Floodgate-Status", value: "" },
      { kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: "reject; campaign-spam" },
    ]);
  });

  void test("forged headers with no label this time are deleted: a fail mode leaves no forged campaign (§1.4)", () => {
    const incoming = counted("X-Floodgate-Status", [
      "X-Floodgate-Campaign",
      "X-Floodgate-Verdict",
      "X-Floodgate-Campaign",
    ]);
    assert.deepEqual(
      labelModifications(incoming, [{ name: "X-Floodgate-Status", value: "skipped; reason=redis-down" }]),
      [
        { kind: "addHeader", name: "X-Floodgate-Status", value: "skipped; reason=redis-down" },
        { kind: "changeHeader", index: 2, name: "X-Floodgate-Campaign", value: "" },
        { kind: "changeHeader", index: 1, name: "X-Floodgate-Campaign", value: "" },
        { kind: "changeHeader", index: 1, name: "X-Floodgate-Verdict", value: "" },
      ],
    );
  });

  void test("a renamed status header is Floodgate's too; X-Floodgate-Status is still deleted", () => {
    const incoming = counted("X-Spam-Gate", ["X-Spam-Gate", "X-Floodgate-Status"]);
    assert.deepEqual(labelModifications(incoming, [{ name: "X-Spam-Gate", value: "continue; new" }]), [
      { kind: "changeHeader", index: 1, name: "X-Spam-Gate", value: "continue; new" },
      { kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: "" },
    ]);
  });

  void test("the count is right after any number of headers: 5,000 padding headers, then 3 forged (§1.4)", () => {
    const names = [
      ...Array.from({ length: 5000 }, (_, i) => `X-Pad-${i}`),
      ...Array.from({ length: 3 }, () => "X-Floodgate-Campaign"),
    ];
    const mods = labelModifications(counted("X-Floodgate-Status", names), [
      { name: "X-Floodgate-Campaign", value: "0123456789ab; copies=1; recipients=1" },
    ]);
    assert.deepEqual(
      mods.map((m) => ("index" in m ? m.index : 0)),
      [3, 2, 1],
    );
  });

  void test("up to 100 own headers are cleaned; more are refused with 550 5.7.1, whatever their names", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? "X-Floodgate-Campaign" : "x-spam-gate"));
    assert.equal(forgedHeadersAnswer(counted("X-Spam-Gate", names(100))), null);
    const refused = forgedHeadersAnswer(counted("X-Spam-Gate", [...names(101), "Subject"]));
    assert.deepEqual(refused, {
      verdict: {
        kind: "reject",
        reply: { code: 550, xcode: "5.7.1", text: "Message refused: it carries 101 headers named as Floodgate's own" },
      },
      status: "reject; forged-headers",
    });
  });

  void test("past 100 own headers new names are counted, not kept, but for the status header's", () => {
    const names = [
      ...Array.from({ length: 150 }, (_, i) => `X-Floodgate-N${i}`),
      "X-Floodgate-N0",
      "x-floodgate-status",
      "X-Floodgate-Status",
    ];
    const incoming = counted("X-Floodgate-Status", names);
    assert.equal(incoming.total(), 153);
    assert.deepEqual([...incoming.names()].map(({ name, count }) => `${name}:${count}`).slice(-3), [
      "X-Floodgate-N98:1",
      "X-Floodgate-N99:1",
      "x-floodgate-status:2",
    ]);
    assert.equal([...incoming.names()].length, 101);
    assert.equal(incoming.count("X-Floodgate-N0"), 2, "a name kept counts all its headers");
    assert.equal(incoming.count("X-Floodgate-N120"), 0);
  });

  void test("a name over 256 characters is counted, not kept, and its message refused as forged", () => {
    const long = `X-Floodgate-${"a".repeat(MAX_OWN_HEADER_NAME_LENGTH)}`;
    const incoming = counted("X-Floodgate-Status", ["X-Floodgate-Status", long]);
    assert.equal(incoming.total(), 2);
    assert.deepEqual(
      [...incoming.names()].map((n) => n.name),
      ["X-Floodgate-Status"],
    );
    const text = "Message refused: it carries a header named as Floodgate's own, its name over 256 characters";
    assert.deepEqual(forgedHeadersAnswer(incoming), {
      verdict: { kind: "reject", reply: { code: 550, xcode: "5.7.1", text } },
      status: "reject; forged-headers",
    });
    const within = counted("X-Floodgate-Status", [`X-Floodgate-${"a".repeat(MAX_OWN_HEADER_NAME_LENGTH - 12)}`]);
    assert.equal(forgedHeadersAnswer(within), null);
  });

  void test("shadow mode: a forgery goes on, labelled over the first forged status header, the rest left (§1.4)", () => {
    const names = ["X-Floodgate-Campaign", ...Array.from({ length: 120 }, () => "X-Floodgate-Status")];
    const incoming = counted("X-Floodgate-Status", names);
    const shadow = forgedHeadersAnswer(incoming, true);
    assert.deepEqual(shadow, { verdict: { kind: "continue" }, status: "shadow-reject; forged-headers" });
    const status = { name: "X-Floodgate-Status", value: shadow.status };
    assert.deepEqual(ownHeaderModifications(incoming, [status], shadow, ALL_HEADER_ACTIONS), [
      { kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: "shadow-reject; forged-headers" },
    ]);
    const noStatus = counted(
      "X-Floodgate-Status",
      Array.from({ length: 101 }, () => "X-Floodgate-Campaign"),
    );
    assert.deepEqual(ownHeaderModifications(noStatus, [status], shadow, ALL_HEADER_ACTIONS), [
      { kind: "addHeader", ...status },
    ]);
    assert.deepEqual(
      ownHeaderModifications(incoming, [status], forgedHeadersAnswer(incoming), ALL_HEADER_ACTIONS),
      [],
      "refused",
    );
  });

  void test("an MTA that offers no header changes: a label that would replace a forged one is inserted first (§1.4)", () => {
    const incoming = counted("X-Floodgate-Status", ["X-Floodgate-Status", "X-Floodgate-Status", "X-Floodgate-Score"]);
    const labels = [
      { name: "X-Floodgate-Status", value: "continue; new" },
      { name: "X-Floodgate-Campaign", value: "c1; copies=1; recipients=1" },
    ];
    // With SMFIF_CHGHDRS the forged ones are replaced and deleted; without it nothing can touch them, so Floodgate's
    // status comes before them, and the campaign header, which met none, is added as ever.
    assert.deepEqual(ownHeaderModifications(incoming, labels, null, SMFIF_ADDHDRS), [
      { kind: "insertHeader", index: 0, name: "X-Floodgate-Status", value: "continue; new" },
      { kind: "addHeader", name: "X-Floodgate-Campaign", value: "c1; copies=1; recipients=1" },
    ]);
    assert.deepEqual(
      ownHeaderModifications(incoming, labels, null, ALL_HEADER_ACTIONS),
      labelModifications(incoming, labels),
    );
  });
});
