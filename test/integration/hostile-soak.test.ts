/**
 * The hostile-mail soak, short and seeded (the long one is `make soak`, reported in benchmarks/README.md): generated
 * hostile messages of every family through `floodgate run` over many sessions, and a sample through a private
 * Postfix. Every property of the long run must hold here too: the daemon stays up, every message is answered inside
 * the daemon's deadline with a campaign or a counted reason, no forged Floodgate header survives, memory stays bounded.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runHostileSoak, soakProperties, type SoakReport } from "../../src/harness/hostile-soak.js";

describe("the hostile-mail soak, short and seeded", () => {
  let dir: string;
  let report: SoakReport;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "fg-soak-test-"));
    report = await runHostileSoak({
      seed: 15,
      messages: 600,
      sessions: 25,
      dir,
      postfix: { messages: 40, sessions: 4 },
    });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test("every property holds", () => {
    const failed = soakProperties(report)
      .filter(([, held]) => !held)
      .map(([name]) => name);
    const figures = {
      crashes: report.crashes,
      unanswered: report.unanswered,
      daemonPastDeadline: report.daemonPastDeadline,
      unlabelled: report.unlabelled,
      forged: report.forgedSurvived,
      peakRssKb: report.peakRssKb,
      postfix: report.postfix && { replies: report.postfix.replies, examples: report.postfix.examples },
      examples: report.examples,
    };
    assert.deepEqual(failed, [], JSON.stringify(figures, null, 1));
  });

  test("the run met every family and sent the Postfix sample", () => {
    assert.equal(report.answered, 600);
    assert.ok(Object.keys(report.families).length >= 8, `families: ${Object.keys(report.families).join(", ")}`);
    assert.equal(report.postfix?.sent, 40);
    assert.ok((report.labels["campaign"] ?? 0) > 0, `labels: ${JSON.stringify(report.labels)}`);
  });
});
