/**
 * The real-mail-flow comparison's messages (src/harness/flow-messages.ts): the warm-up runs are shaped like the
 * measured ones, and none of their messages is a measured message or a copy of a measured campaign, so every measured
 * distinct message is still new to the daemon it is sent to.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { flowSets, type FlowRunSet } from "../../src/harness/flow-messages.js";

/** The corpus file a message came from (a campaign copy: its base's). */
const origin = (m: FlowRunSet["messages"][number]) => m.source.replace(/^campaign:(.*):\d+$/, "$1");

void test("warm-up runs: the measured runs' order and sizes, none of their messages or campaigns", async () => {
  const shape = { perRun: 40, rounds: 2, sessions: [20, 1], seed: 11 };
  const plain = await flowSets(shape);
  const sets = await flowSets({ ...shape, warmUpRuns: 500 });
  assert.deepEqual(plain.warmUpRuns, []);
  // The measured runs are the same whatever the warm-up.
  assert.deepEqual(
    sets.runs.map((r) => r.messages.map((m) => m.source)),
    plain.runs.map((r) => r.messages.map((m) => m.source)),
  );

  const warm = sets.warmUpRuns;
  assert.equal(
    warm.reduce((n, r) => n + r.messages.length, 0),
    500,
  );
  assert.deepEqual(
    warm.slice(0, 5).map((r) => [r.round, r.kind, r.sessions]),
    [
      [1, "distinct", 20],
      [1, "mix", 20],
      [1, "distinct", 1],
      [1, "mix", 1],
      [2, "distinct", 20],
    ],
  );
  assert.ok(warm.every((r) => r.messages.length <= 40));
  assert.ok(warm.filter((r) => r.kind === "mix").every((r) => r.campaignCopies > 0 && r.campaignCopies < 40));
  assert.ok(warm.filter((r) => r.kind === "distinct").every((r) => r.campaignCopies === 0));

  const measured = new Set(sets.runs.flatMap((r) => r.messages.map(origin)));
  const measuredBytes = new Set(sets.runs.flatMap((r) => r.messages.map((m) => m.raw.toString("latin1"))));
  for (const r of warm)
    for (const m of r.messages) {
      assert.ok(!measured.has(origin(m)), `warm-up ${m.source} comes from a measured message or campaign`);
      assert.ok(!measuredBytes.has(m.raw.toString("latin1")), `warm-up ${m.source} is a measured message`);
    }
});
