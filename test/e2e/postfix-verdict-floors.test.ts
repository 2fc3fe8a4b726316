/**
 * The verdict floors' behaviour at a small size (the benchmark, `make verdicts`, runs 40 campaigns × 25 copies and
 * 1,000 ham and prints the figures): `floodgate run` on its `make run` defaults (private Redis, private spamd, one scan
 * worker process) behind a private Postfix; corpus spam campaigns in personalised copies from as many senders, and
 * distinct corpus ham, sent; one `floodgate report spam` of one delivered copy per campaign; everything sent again.
 * Every copy of a reported campaign is refused on the second pass, and no ham is refused or held on either pass.
 * No time is asserted.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runVerdictFloors, type VerdictFloorsReport } from "../../src/harness/verdict-floors.js";

const CAMPAIGNS = 4;
const COPIES = 8;
const HAM = 80;

void describe(`verdict floors through Postfix: ${CAMPAIGNS} campaigns × ${COPIES} copies, ${HAM} ham`, () => {
  let dir: string;
  let report: VerdictFloorsReport;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "fg-verdict-floors-"));
    report = await runVerdictFloors({
      campaigns: CAMPAIGNS,
      copies: COPIES,
      senders: COPIES,
      ham: HAM,
      sessions: 4,
      seed: 20261205,
      dir,
      drainTimeoutMs: 180_000,
    });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test("the daemon scanned with its private spamd, and every scan was done before the reports", () => {
    assert.match(report.scanners, /^spamd\b/, `scanning with ${report.scanners}`);
    assert.ok(report.drained.pass1, "the first pass's scans drained");
  });

  void test("one report decides every campaign", () => {
    assert.equal(report.report.exitCode, 0, report.report.stderr);
    assert.equal(report.report.decided, CAMPAIGNS, report.report.lines.join("\n"));
  });

  void test("every copy of a reported campaign is refused on the second pass", () => {
    const c = report.pass2.copies;
    assert.equal(c.sent, CAMPAIGNS * COPIES);
    assert.equal(c.refused, c.sent, `not refused, by campaign: ${JSON.stringify(report.pass2.copiesNotRefused)}`);
  });

  void test("no ham is refused or held on either pass", () => {
    for (const pass of [report.pass1, report.pass2]) {
      assert.equal(pass.ham.sent, HAM);
      assert.deepEqual(pass.hamNotAccepted, []);
      assert.equal(pass.ham.accepted, HAM);
    }
  });
});
