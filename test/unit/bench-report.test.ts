/**
 * The harness's accounting and rendering: outcomes from milter replies, the status header, the run's counts and
 * timeline, ratio floors, text tables and the SVG/HTML report.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { TransactionResult } from "../../src/client/milter-client.js";
import {
  outcomeOf,
  skipReasons,
  statusHeaderOf,
  statusWord,
  tally,
  timeline,
  type TransactionRecord,
} from "../../src/harness/tally.js";
import {
  fmt,
  niceMax,
  ratioTable,
  renderHtml,
  svgBarChart,
  svgLineChart,
  textTable,
  verdictOf,
} from "../../src/harness/report.js";
import { sumMetric } from "../../src/harness/floodgate.js";

const eom = (action: NonNullable<TransactionResult["eom"]>["action"], reply?: string): TransactionResult => ({
  steps: [],
  eom: { action, modifications: [], progress: 0, ...(reply ? { reply } : {}) },
});

describe("outcomes", () => {
  const cases: Array<[string, TransactionResult, string]> = [
    ["continue", eom("continue"), "pass"],
    ["accept", eom("accept"), "pass"],
    ["reject", eom("reject"), "reject"],
    ["tempfail", eom("tempfail"), "tempfail"],
    ["discard", eom("discard"), "discard"],
    ["replyCode 451", eom("replyCode", "451 4.7.1 held"), "tempfail"],
    ["replyCode 550", eom("replyCode", "550 5.7.1 no"), "reject"],
    ["early reject at MAIL", { steps: [], eom: null, earlyExit: "reject" }, "reject"],
    ["early tempfail", { steps: [], eom: null, earlyExit: "tempfail" }, "tempfail"],
  ];
  for (const [name, result, want] of cases) test(name, () => assert.equal(outcomeOf(result), want));
});

describe("the status header", () => {
  test("the last added or changed value wins, empty values (deletions) are ignored", () => {
    const value = statusHeaderOf(
      [
        { kind: "addHeader", name: "X-Other", value: "x" },
        { kind: "changeHeader", index: 2, name: "x-floodgate-status", value: "" },
        { kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: " skipped; reason=pool-full" },
      ],
      "X-Floodgate-Status",
    );
    assert.equal(value, "skipped; reason=pool-full");
  });
  test("absent gives null", () => assert.equal(statusHeaderOf([], "X-Floodgate-Status"), null));
  test("words and fail-mode reasons", () => {
    assert.equal(statusWord("continue; new"), "continue");
    assert.equal(statusWord(" tempfail; bulk-hold"), "tempfail");
    assert.deepEqual(skipReasons("skipped; reason=redis-timeout,pool-full"), ["redis-timeout", "pool-full"]);
    assert.deepEqual(skipReasons("reject; campaign-spam"), []);
    assert.deepEqual(skipReasons(null), []);
  });
});

describe("tally", () => {
  const rec = (over: Partial<TransactionRecord>): TransactionRecord => ({
    kind: "ham",
    scheduledAt: 0,
    finishedAt: 10,
    outcome: "pass",
    status: "continue; new",
    eomMs: 5,
    ...over,
  });
  const records: TransactionRecord[] = [
    rec({}),
    rec({ outcome: "tempfail", status: "tempfail; bulk-hold" }),
    rec({ kind: "spam", outcome: "reject", status: "reject; campaign-spam" }),
    rec({ kind: "campaign", finishedAt: 30, outcome: "pass", status: "skipped; reason=redis-timeout", eomMs: 2011 }),
    rec({ kind: "campaign", finishedAt: 20, outcome: "pass" }),
    rec({ kind: "campaign", finishedAt: 40, outcome: "tempfail", status: "tempfail; bulk-hold" }),
    rec({ kind: "campaign", finishedAt: 50, outcome: "pass", status: "continue; ham" }),
    rec({ kind: "campaign", finishedAt: 60, outcome: "error", status: null, eomMs: null, error: "boom" }),
  ];
  const t = tally(records, 2000);
  test("counts outcomes, kinds and status words", () => {
    assert.equal(t.messages, 8);
    assert.deepEqual(t.byOutcome, { pass: 4, reject: 1, tempfail: 2, discard: 0, error: 1 });
    assert.deepEqual(t.byStatus, {
      "continue; new": 2,
      "continue; ham": 1,
      "tempfail; bulk-hold": 2,
      "reject; campaign-spam": 1,
      skipped: 1,
      none: 1,
    });
    assert.equal(t.byKind.campaign.messages, 5);
  });
  test("fail-mode activations and reasons come from the status header", () => {
    assert.equal(t.failModeActivations, 1);
    assert.deepEqual(t.failReasons, { "redis-timeout": 1 });
  });
  test("a deadline miss is an EOM reply later than the deadline + 10 ms", () => {
    assert.equal(t.deadlineMisses, 1);
    assert.equal(tally([rec({ eomMs: 2010 })], 2000).deadlineMisses, 0);
  });
  test("ham held or rejected", () => assert.equal(t.hamHeldOrRejected, 1));
  test("campaign copies let through before the first refusal, in completion order", () => {
    assert.equal(t.campaignPassedBeforeFirstRefusal, 2);
    assert.equal(t.campaignPassed, 3);
    assert.equal(t.campaignPassedBeforeVerdict, 2);
  });
  test("errors are sampled once each", () => assert.deepEqual(t.errorSamples, ["boom"]));
  test("no refusal at all: every passed copy counts", () => {
    assert.equal(
      tally([rec({ kind: "campaign" }), rec({ kind: "campaign" })], 2000).campaignPassedBeforeFirstRefusal,
      2,
    );
  });
});

describe("timeline", () => {
  test("one bucket a second by completion, latency from the scheduled time", () => {
    const points = timeline([
      { kind: "ham", scheduledAt: 0, finishedAt: 100, outcome: "pass", status: null, eomMs: 1 },
      { kind: "ham", scheduledAt: 500, finishedAt: 900, outcome: "reject", status: null, eomMs: 1 },
      { kind: "ham", scheduledAt: 1000, finishedAt: 2500, outcome: "error", status: null, eomMs: null },
    ]);
    assert.equal(points.length, 3);
    assert.deepEqual(
      points.map((p) => p.completed),
      [2, 0, 1],
    );
    assert.equal(points[0]!.p50, 100);
    assert.equal(points[0]!.max, 400);
    assert.equal(points[0]!.refused, 1);
    assert.equal(points[2]!.errors, 1);
  });
  test("no records, no points", () => assert.deepEqual(timeline([]), []));
});

describe("ratios and floors", () => {
  test("PASS at or above the floor, FAIL below, n/a when a side is missing, info without a floor", () => {
    assert.equal(verdictOf({ name: "a", numerator: 80, denominator: 100, floor: 0.8 }).verdict, "PASS");
    assert.equal(verdictOf({ name: "a", numerator: 79, denominator: 100, floor: 0.8 }).verdict, "FAIL");
    assert.equal(verdictOf({ name: "a", numerator: null, denominator: 100, floor: 0.8 }).verdict, "n/a");
    assert.equal(verdictOf({ name: "a", numerator: 5, denominator: 0, floor: 0.8 }).verdict, "n/a");
    assert.equal(verdictOf({ name: "a", numerator: 5, denominator: 10, floor: null }).verdict, "info");
  });
  test("the ratio table shows the reason a peer did not run", () => {
    const text = ratioTable([
      { name: "x / spamass", numerator: 300, denominator: null, floor: 20, note: "spamass-milter: not installed" },
    ]);
    assert.match(text, /n\/a/);
    assert.match(text, /spamass-milter: not installed/);
    assert.doesNotMatch(text, /PASS|FAIL/);
  });
});

describe("rendering", () => {
  test("numbers are formatted for tables", () => {
    assert.equal(fmt(null), "—");
    assert.equal(fmt(1234), "1,234");
    assert.equal(fmt(3.14159), "3.14");
    assert.equal(fmt(123.456), "123.5");
  });
  test("a text table pads columns and right-aligns numbers", () => {
    const lines = textTable(
      ["name", "n"],
      [
        ["a", 5],
        ["bbb", 100],
      ],
    ).split("\n");
    assert.deepEqual(lines, ["name    n", "----  ---", "a       5", "bbb   100"]);
  });
  test("nice axis maxima", () => {
    assert.equal(niceMax(0), 1);
    assert.equal(niceMax(7), 10);
    assert.equal(niceMax(120), 200);
    assert.equal(niceMax(4500), 5000);
  });
  test("an SVG line chart has one path per series with points and escapes text", () => {
    const svg = svgLineChart(
      "a <b>",
      "ms",
      [
        {
          name: "p50",
          points: [
            [0, 1],
            [1, 2],
          ],
        },
        { name: "empty", points: [] },
      ],
      { markers: [{ x: 1, label: "stop" }] },
    );
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/<path /g) ?? []).length, 1);
    assert.match(svg, /a &lt;b&gt;/);
    assert.match(svg, /stop/);
  });
  test("a bar chart has one bar per value", () => {
    const svg = svgBarChart("verdicts", [
      { label: "pass", value: 3 },
      { label: "reject", value: 1 },
    ]);
    assert.equal((svg.match(/<rect /g) ?? []).length, 2);
  });
  test("the HTML page is self-contained", () => {
    const html = renderHtml("T", "sub", [{ title: "S", tables: ["a & b"], charts: ["<svg></svg>"] }]);
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /a &amp; b/);
    assert.doesNotMatch(html, /<script|src=/);
  });
});

describe("inputs", () => {
  test("metric sums over label sets, and not over metrics sharing a prefix", () => {
    const text = [
      "# HELP floodgate_scan_jobs_queued_total x",
      "floodgate_scan_jobs_queued_total 12",
      "floodgate_scan_jobs_queued_total_other 99",
      'floodgate_messages_total{verdict="continue"} 3',
      'floodgate_messages_total{verdict="reject"} 4',
    ].join("\n");
    assert.equal(sumMetric(text, "floodgate_scan_jobs_queued_total"), 12);
    assert.equal(sumMetric(text, "floodgate_messages_total"), 7);
    assert.equal(sumMetric(text, "floodgate_absent"), null);
    assert.equal(sumMetric(text, "floodgate_messages_total", 'verdict="reject"'), 4, "one label set");
    assert.equal(sumMetric(text, "floodgate_scan_jobs_queued_total", 'verdict="reject"'), null, "no labels, no match");
  });
});
