/**
 * The hold queue's pure parts: what the sweep does to a campaign's held copies in each state, and the helper's
 * protocol (which queue ids it takes, which requests it refuses).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { holdActionOf, type HoldAction } from "../../src/policy/hold-sweep.js";
import { isQueueId, MAX_IDS_PER_REQUEST, parseRequest } from "../../src/mta-hold/protocol.js";
import type { CampaignView, PersonDecision } from "../../src/reputation/types.js";

const NOW = 1_800_000_000_000;
const pin: PersonDecision = { label: "ham", how: "pin", by: "operator:a", why: "", at: NOW };
const report: PersonDecision = { label: "spam", how: "report", by: "operator:a", why: "", at: NOW };
const usersHam: PersonDecision = { label: "ham", how: "reporters", by: "reporters", why: "", at: NOW };

void describe("holdActionOf", () => {
  type Row = [string, Pick<CampaignView, "state" | "decision" | "bulkSince"> | null, HoldAction | null];
  const rows: Row[] = [
    ["blocked: delete", { state: "blocked", decision: null, bulkSince: NOW }, { action: "delete", reason: "blocked" }],
    ["scanner's spam: delete", { state: "spam", decision: null, bulkSince: NOW }, { action: "delete", reason: "spam" }],
    [
      "reported spam: delete",
      { state: "spam", decision: report, bulkSince: NOW },
      { action: "delete", reason: "reported" },
    ],
    [
      "the scanner's spam over users' ham: delete as spam",
      { state: "spam", decision: usersHam, bulkSince: NOW },
      { action: "delete", reason: "spam" },
    ],
    ["scanner's ham: release", { state: "ham", decision: null, bulkSince: NOW }, { action: "release", reason: "ham" }],
    ["pinned: release", { state: "ham", decision: pin, bulkSince: NOW }, { action: "release", reason: "pinned" }],
    ["bulk within the hold: keep", { state: "bulk", decision: null, bulkSince: NOW - 899_999 }, null],
    [
      "bulk past the hold: release",
      { state: "bulk", decision: null, bulkSince: NOW - 900_000 },
      { action: "release", reason: "hold-ended" },
    ],
    [
      "fell under every threshold: release",
      { state: "new", decision: null, bulkSince: null },
      { action: "release", reason: "hold-ended" },
    ],
    ["expired campaign: release", null, { action: "release", reason: "hold-ended" }],
  ];
  for (const [name, campaign, expected] of rows) {
    void test(name, () => assert.deepEqual(holdActionOf(campaign, NOW, 900), expected));
  }
});

void describe("the helper's queue ids", () => {
  void test("Postfix: only long queue ids", () => {
    assert.ok(isQueueId("postfix", "4jfTzR6M0dzJqqP"));
    assert.ok(isQueueId("postfix", "4jfTzR6t12zJqqQ"));
    for (const bad of [
      "ALL",
      "4F2A1B3C5D",
      "",
      "4jfTzR6M0dzJqqP\n",
      "../4jfTzR6M0dz",
      "4jfTzR6M0dzJqAP",
      "-",
      "4jfTzR6M0dz",
    ])
      assert.equal(isQueueId("postfix", bad), false, JSON.stringify(bad));
    assert.equal(isQueueId("postfix", 42), false);
  });
  void test("Sendmail: 14 to 20 characters of [0-9A-Za-x]", () => {
    assert.ok(isQueueId("sendmail", "5B2AbCdE012345"));
    for (const bad of ["ALL", "5B2AbCdE01234", "5B2AbCdE01234z", "5B2Ab/dE012345"])
      assert.equal(isQueueId("sendmail", bad), false, bad);
  });
  void test("requests: known ops, 1 to MAX_IDS_PER_REQUEST string ids", () => {
    assert.deepEqual(parseRequest('{"op":"hello"}'), { op: "hello" });
    assert.deepEqual(parseRequest('{"op":"delete","ids":["a"],"sample":true}'), {
      op: "delete",
      ids: ["a"],
      sample: true,
    });
    assert.throws(() => parseRequest('{"op":"flush","ids":["a"]}'), /unknown op/);
    assert.throws(() => parseRequest('{"op":"release","ids":[]}'), /ids/);
    assert.throws(() => parseRequest('{"op":"release","ids":[1]}'), /strings/);
    const many = JSON.stringify({ op: "release", ids: Array.from({ length: MAX_IDS_PER_REQUEST + 1 }, () => "a") });
    assert.throws(() => parseRequest(many), /ids/);
    assert.throws(() => parseRequest("[]"), /op/);
  });
});
