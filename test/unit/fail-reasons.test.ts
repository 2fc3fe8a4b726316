/**
 * The registry of failure reasons against what operators read and what the engines send: the README's table of
 * reasons matches the registry row for row, the replies and status values are the registry's, and the libmilter shim
 * is handed a label for every stage it can wait at.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { shimFailLabels } from "../../src/engine/libmilter/engine.js";
import { EVENT_OF_STAGE, FG_EV_EOM } from "../../src/engine/libmilter/events.js";
import { projectRoot } from "../../src/util/paths.js";
import {
  failModeVerdict,
  POLICY_FAIL_REASONS,
  skippedStatus,
  STAGE_FAIL_KINDS,
  type FailReasonEntry,
} from "../../src/vocabulary/fail-reasons.js";

/** The README's rows for the registry, as `| reason | cause | setting |`. */
function expectedRows(): string[] {
  const row = (label: string, entry: FailReasonEntry) => `| \`${label}\` | ${entry.cause} | \`${entry.setting}\` |`;
  return [
    ...Object.entries(POLICY_FAIL_REASONS).map(([label, entry]) => row(label, entry)),
    ...Object.entries(STAGE_FAIL_KINDS).map(([kind, entry]) => row(`<stage>-${kind}`, entry)),
  ];
}

/** The rows of the README table that follows the line naming the registry. */
function readmeRows(): string[] {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8").split("\n");
  const start = readme.findIndex((line) => line.startsWith("| reason |"));
  assert.ok(start >= 0, "the README has a table of failure reasons (a header row starting `| reason |`)");
  const rows: string[] = [];
  for (let i = start + 2; i < readme.length && readme[i]!.startsWith("|"); i++) rows.push(readme[i]!);
  return rows;
}

void describe("failure reasons", () => {
  void test("the README's table of reasons is the registry, row for row", () => {
    assert.deepEqual(readmeRows(), expectedRows());
  });

  void test("the status value, the metric label and the tempfail reply name the same reason", () => {
    assert.equal(skippedStatus(["redis-timeout"]), "skipped; reason=redis-timeout");
    assert.deepEqual(failModeVerdict("tempfail", "pool-full"), {
      kind: "tempfail",
      reply: { code: 451, xcode: "4.7.1", text: "Floodgate: pool-full, try again later" },
    });
    assert.deepEqual(failModeVerdict("continue", "pool-full"), { kind: "continue" });
  });

  void test("the libmilter shim gets a label for every stage it waits at, from the registry", () => {
    const lines = shimFailLabels()
      .split("\n")
      .map((l) => l.split("\t"));
    const types = lines.map(([type]) => Number(type));
    for (const type of [0, ...Object.values(EVENT_OF_STAGE), FG_EV_EOM])
      assert.ok(types.includes(type), `type ${type}`);
    const eom = lines.find(([type]) => Number(type) === FG_EV_EOM)!;
    assert.deepEqual(eom.slice(1), [
      "eom-safety-timeout",
      "451",
      "4.7.1",
      "Floodgate: eom-safety-timeout, try again later",
      "skipped; reason=eom-safety-timeout",
    ]);
    for (const fields of lines) assert.ok(fields.every((f) => !/[\t\n]/.test(f)) && fields.length === 6);
  });
});
