/**
 * The end-of-message decision table, its outcomes (shadow mode, fail mode), the scan rule and the campaign label.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  campaignHeaderValue,
  decide,
  failOutcome,
  joinDetails,
  judgedBy,
  outcomeOf,
  parseDetail,
  scanReason,
  skipFailReason,
  statusDetails,
  withVerdict,
  type Decision,
  type DecisionInput,
} from "../../src/policy/decide.js";
import type { CampaignState, DecisionHow } from "../../src/reputation/types.js";
import { failModeOf } from "../../src/vocabulary/fail-reasons.js";
import type { Verdict } from "../../src/vocabulary/verdict.js";

const NOW = 1_800_000_000_000;
const HOLD: DecisionInput["settings"] = { holdBulk: true, holdSeconds: 900, holdMode: "tempfail" };
const QUARANTINE: DecisionInput["settings"] = { ...HOLD, holdMode: "quarantine" };

/** The verdict is `kind` with a reply of that code, enhanced code and a text matching `text`. */
function assertReply(verdict: Verdict, kind: "reject" | "tempfail", code: number, xcode: string, text: RegExp): void {
  assert.equal(verdict.kind, kind);
  assert.ok((verdict.kind === "reject" || verdict.kind === "tempfail") && verdict.reply);
  assert.equal(verdict.reply.code, code);
  assert.equal(verdict.reply.xcode, xcode);
  assert.match(String(verdict.reply.text), text);
}

void describe("decide", () => {
  const rows: Array<[string, CampaignState, number | null, boolean, DecisionInput["settings"], Decision]> = [
    ["blocked", "blocked", null, false, HOLD, { action: "reject", reason: "campaign-blocked" }],
    ["blocked wins over the allowlist", "blocked", NOW, true, HOLD, { action: "reject", reason: "campaign-blocked" }],
    ["spam verdict", "spam", null, false, HOLD, { action: "reject", reason: "campaign-spam" }],
    ["ham verdict", "ham", NOW, false, HOLD, { action: "continue", reason: "ham" }],
    ["new", "new", null, false, HOLD, { action: "continue", reason: "new" }],
    ["bulk just now", "bulk", NOW, false, HOLD, { action: "tempfail", reason: "bulk-hold" }],
    ["bulk within the hold", "bulk", NOW - 899_999, false, HOLD, { action: "tempfail", reason: "bulk-hold" }],
    ["bulk after the hold", "bulk", NOW - 900_000, false, HOLD, { action: "continue", reason: "bulk" }],
    ["bulk, allowlisted", "bulk", NOW, true, HOLD, { action: "continue", reason: "bulk-allowlisted" }],
    [
      "bulk, holdBulk off",
      "bulk",
      NOW,
      false,
      { holdBulk: false, holdSeconds: 900, holdMode: "tempfail" },
      { action: "continue", reason: "bulk" },
    ],
    [
      "bulk, holdSeconds 0",
      "bulk",
      NOW,
      false,
      { holdBulk: true, holdSeconds: 0, holdMode: "tempfail" },
      { action: "continue", reason: "bulk" },
    ],
    ["bulk without bulkSince holds", "bulk", null, false, HOLD, { action: "tempfail", reason: "bulk-hold" }],
    ["quarantine: bulk just now", "bulk", NOW, false, QUARANTINE, { action: "quarantine", reason: "bulk-hold" }],
    ["quarantine: after the hold", "bulk", NOW - 900_000, false, QUARANTINE, { action: "continue", reason: "bulk" }],
    ["quarantine: spam still rejects", "spam", NOW, false, QUARANTINE, { action: "reject", reason: "campaign-spam" }],
    ["quarantine: allowlisted", "bulk", NOW, true, QUARANTINE, { action: "continue", reason: "bulk-allowlisted" }],
  ];
  for (const [name, state, bulkSince, allowlisted, settings, expected] of rows) {
    void test(name, () => {
      const input: DecisionInput = { campaign: { state, bulkSince }, allowlisted, now: NOW, settings };
      assert.deepEqual(decide(input), expected);
    });
  }
  void test("a copy linking where its campaign's ham verdict did not is not held: it is scanned instead", () => {
    const input: DecisionInput = {
      campaign: { state: "bulk", bulkSince: NOW },
      allowlisted: false,
      now: NOW,
      settings: HOLD,
    };
    assert.deepEqual(decide({ ...input, unscannedLinks: true }), { action: "continue", reason: "bulk" });
    assert.deepEqual(decide({ ...input, unscannedLinks: false }), { action: "tempfail", reason: "bulk-hold" });
  });
});

void describe("outcomeOf", () => {
  void test("reject carries 550 5.7.1 and the campaign id", () => {
    const o = outcomeOf({ action: "reject", reason: "campaign-blocked" }, "0123456789ab", false);
    assert.equal(o.status, "reject; campaign-blocked");
    assertReply(o.verdict, "reject", 550, "5.7.1", /0123456789ab/);
  });
  void test("tempfail carries 451 4.7.1 and the campaign id", () => {
    const o = outcomeOf({ action: "tempfail", reason: "bulk-hold" }, "0123456789ab", false);
    assert.equal(o.status, "tempfail; bulk-hold");
    assertReply(o.verdict, "tempfail", 451, "4.7.1", /0123456789ab/);
  });
  void test("quarantine continues, says so in the status and carries the quarantine reason", () => {
    const o = outcomeOf({ action: "quarantine", reason: "bulk-hold" }, "0123456789ab", false);
    assert.deepEqual(o.verdict, { kind: "continue" });
    assert.equal(o.status, "quarantine; bulk-hold");
    assert.match(String(o.quarantine), /0123456789ab/);
    assert.ok(String(o.quarantine).length <= 100, "Postfix keeps 100 characters of the reason");
  });
  const shadowRows: Array<[Decision, string]> = [
    [{ action: "quarantine", reason: "bulk-hold" }, "shadow-quarantine; bulk-hold"],
    [{ action: "reject", reason: "campaign-blocked" }, "shadow-reject; campaign-blocked"],
    [{ action: "reject", reason: "campaign-spam" }, "shadow-reject; campaign-spam"],
    [{ action: "tempfail", reason: "bulk-hold" }, "shadow-tempfail; bulk-hold"],
    [{ action: "continue", reason: "new" }, "continue; new"],
    [{ action: "continue", reason: "ham" }, "continue; ham"],
  ];
  for (const [decision, status] of shadowRows) {
    void test(`shadow mode: ${status}`, () => {
      assert.deepEqual(outcomeOf(decision, "0123456789ab", true), { verdict: { kind: "continue" }, status });
    });
  }
});

void describe("a skipped message's fail reason and mode", () => {
  const policy = { dependencyFailMode: "continue", unparsedAction: "reject", largeMailFailMode: "tempfail" } as const;
  void test("each of the pool's skips has its reason, and the reason the setting the registry names", () => {
    const modes = (["timeout", "pool-full", "pool-down", "unparsed", "thread-died", "large"] as const).map((skip) => {
      const reason = skipFailReason(skip);
      return `${reason}: ${failModeOf(reason, policy)}`;
    });
    assert.deepEqual(modes, [
      "pool-timeout: continue",
      "pool-full: continue",
      "pool-down: continue",
      "unparsed: reject",
      "thread-died: reject",
      "pool-large: tempfail",
    ]);
    assert.equal(failModeOf("redis-oom", policy), "continue");
  });
});

void describe("failOutcome", () => {
  void test("continue mode continues with the reason", () => {
    assert.deepEqual(failOutcome("redis-timeout", "continue", false), {
      verdict: { kind: "continue" },
      status: "skipped; reason=redis-timeout",
    });
  });
  void test("tempfail mode tempfails with a 451", () => {
    const o = failOutcome("redis-down", "tempfail", false);
    assert.equal(o.status, "skipped; reason=redis-down");
    assert.ok(o.verdict.kind === "tempfail" && o.verdict.reply);
    assert.equal(o.verdict.reply.code, 451);
  });
  void test("reject mode (policy.unparsedAction) refuses with a 550 that says why", () => {
    const o = failOutcome("thread-died", "reject", false);
    assert.equal(o.status, "skipped; reason=thread-died");
    assert.ok(o.verdict.kind === "reject" && o.verdict.reply);
    assert.equal(o.verdict.reply.code, 550);
    assert.match(String(o.verdict.reply.text), /thread-died/);
  });
  void test("shadow mode never tempfails", () => {
    assert.deepEqual(failOutcome("pool-full", "tempfail", true), {
      verdict: { kind: "continue" },
      status: "skipped; reason=pool-full",
    });
  });
  void test("details follow the reason, as after a decision's reason", () => {
    assert.equal(
      failOutcome("redis-down", "tempfail", false, "parse=depth").status,
      "skipped; reason=redis-down; parse=depth",
    );
  });
});

// README, "The status header": a message whose MIME parse stopped at a limit says so, after who decided.
void describe("the parse limit's detail", () => {
  void test("each limit is named; a message parsed through has none", () => {
    assert.deepEqual(
      (["depth", "parts", "header", "error"] as const).map((limit) => parseDetail(limit)),
      ["parse=depth", "parse=parts", "parse=header", "parse=error"],
    );
    assert.equal(parseDetail(null), "");
  });
  void test("joined after the scanner's detail, space-separated; alone, or nothing, when the other is empty", () => {
    const spam = { action: "reject", reason: "campaign-spam" } as const;
    const scanner = "scanner=spamd score=14.2 threshold=5";
    assert.equal(
      outcomeOf(spam, "0123456789ab", false, joinDetails(scanner, parseDetail("parts"))).status,
      "reject; campaign-spam; scanner=spamd score=14.2 threshold=5 parse=parts",
    );
    const fresh = { action: "continue", reason: "new" } as const;
    assert.equal(
      outcomeOf(fresh, "0123456789ab", false, joinDetails("", parseDetail("depth"))).status,
      "continue; new; parse=depth",
    );
    assert.equal(outcomeOf(fresh, "0123456789ab", false, joinDetails("", parseDetail(null))).status, "continue; new");
  });
});

void describe("scanReason", () => {
  const settings = { scanAtCopies: 2, rescanAfterCopies: 1000, rescanAfterSeconds: 3600, rescanNewLinksSeconds: 60 };
  const spam = { verdict: "spam" as const, score: 9, scanner: "spamd", threshold: 5, rules: [], at: NOW };
  const rows: Array<[string, CampaignState, typeof spam | null, number, number, number, "new" | "rescan" | null]> = [
    ["one copy: not yet (one-off mail is the downstream filter's)", "new", null, 1, 1, 0, null],
    ["never scanned, at scanAtCopies", "new", null, 2, 2, 0, "new"],
    ["never scanned, bulk", "bulk", null, 60, 60, 0, "new"],
    ["scan pending", "new", null, 5, 5, NOW - 1000, null],
    ["pending too long", "bulk", null, 5, 5, NOW - 3_600_000, "rescan"],
    ["many copies since", "bulk", null, 1000, 1000, NOW - 1000, "rescan"],
    ["verdict, recent", "spam", spam, 10, 10, NOW - 1000, null],
    ["verdict, old", "ham", { ...spam, verdict: "ham" as never }, 10, 10, NOW - 3_600_000, "rescan"],
    ["verdict from elsewhere, few copies", "spam", spam, 10, 10, 0, null],
    ["blocked", "blocked", null, 5000, 5000, 0, null],
  ];
  for (const [name, state, verdict, copies, copiesSinceScan, lastScanQueuedAt, expected] of rows) {
    void test(name, () => {
      const campaign = { state, verdict, decision: null, copies, copiesSinceScan, lastScanQueuedAt };
      assert.equal(scanReason(campaign, settings, NOW), expected);
    });
  }
  void test("scanAtCopies 1 scans every new campaign at its first copy", () => {
    const campaign = {
      state: "new" as const,
      verdict: null,
      decision: null,
      copies: 1,
      copiesSinceScan: 1,
      lastScanQueuedAt: 0,
    };
    assert.equal(scanReason(campaign, { ...settings, scanAtCopies: 1 }, NOW), "new");
  });
  void test("a person's decision is never re-scanned, but for mailbox users' ham, which a spam verdict outranks", () => {
    const decided = (how: DecisionHow, label: "spam" | "ham") => ({
      state: label,
      verdict: null,
      decision: { label, how, by: "someone", why: "", at: NOW },
      copies: 5000,
      copiesSinceScan: 5000,
      lastScanQueuedAt: 0,
    });
    assert.equal(scanReason(decided("pin", "ham"), settings, NOW), null);
    assert.equal(scanReason(decided("report", "ham"), settings, NOW), null);
    assert.equal(scanReason(decided("reporters", "spam"), settings, NOW), null);
    assert.equal(scanReason(decided("reporters", "ham"), settings, NOW), "new", "reported ham before any scan");
    const scanned = {
      ...decided("reporters", "ham"),
      verdict: { ...spam, verdict: "ham" as const },
      lastScanQueuedAt: 1,
    };
    assert.equal(scanReason(scanned, settings, NOW), "rescan", "and on schedule after");
  });
});

void describe("withVerdict", () => {
  const v = { verdict: "spam" as const, score: 9, scanner: "spamd", threshold: 5, rules: [], at: NOW };
  const pinned = { label: "ham" as const, how: "pin" as const, by: "operator:root", why: "newsletter", at: NOW };
  void test("a verdict sets the state", () => {
    assert.equal(withVerdict({ state: "bulk", verdict: null, decision: null }, v).state, "spam");
  });
  void test("a block stays a block", () => {
    const blocked = withVerdict({ state: "blocked", verdict: null, decision: null }, { ...v, verdict: "ham" });
    assert.equal(blocked.state, "blocked");
  });
  void test("a person's decision stays: a re-scan never overrides it", () => {
    const after = withVerdict({ state: "ham", verdict: null, decision: pinned }, v);
    assert.equal(after.state, "ham");
    assert.equal(after.verdict, v);
  });
  void test("mailbox users' ham gives way to a spam verdict; their spam and an operator's ham do not", () => {
    const usersHam = { ...pinned, how: "reporters" as const, by: "reporters" };
    const outranked = withVerdict({ state: "ham", verdict: null, decision: usersHam }, v);
    assert.equal(outranked.state, "spam");
    assert.equal(judgedBy(outranked), "spamd");
    assert.equal(statusDetails(outranked), "scanner=spamd score=9 threshold=5");
    const confirmed = withVerdict({ state: "ham", verdict: null, decision: usersHam }, { ...v, verdict: "ham" });
    assert.equal(confirmed.state, "ham");
    assert.equal(statusDetails(confirmed), "by=reporters");
    const usersSpam = { ...usersHam, label: "spam" as const };
    assert.equal(
      withVerdict({ state: "spam", verdict: null, decision: usersSpam }, { ...v, verdict: "ham" }).state,
      "spam",
    );
    const operatorHam = withVerdict(
      { state: "ham", verdict: null, decision: { ...pinned, how: "report" as const } },
      v,
    );
    assert.equal(operatorHam.state, "ham");
    assert.equal(statusDetails(operatorHam), "by=operator");
  });
  void test("an unsure verdict judges nothing", () => {
    assert.equal(
      withVerdict({ state: "bulk", verdict: null, decision: null }, { ...v, verdict: "unsure" }).state,
      "bulk",
    );
  });
});

void describe("headers", () => {
  void test("the campaign header", () => {
    assert.equal(
      campaignHeaderValue({ id: "0123456789ab", copies: 12, recipients: 30 }),
      "0123456789ab; copies=12; recipients=30",
    );
  });
});
