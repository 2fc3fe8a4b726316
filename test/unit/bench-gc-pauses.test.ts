/**
 * The daemon's GC pauses between two /metrics scrapes (src/harness/gc-pauses.ts), on text rendered by prom-client
 * in the shape of its default GC histogram.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Histogram, Registry } from "prom-client";
import { gcPauses, gcPausesText } from "../../src/harness/gc-pauses.js";

const NAME = "floodgate_nodejs_gc_duration_seconds";

function gcHistogram() {
  const registry = new Registry();
  const h = new Histogram({
    name: NAME,
    help: "Garbage collection duration by kind",
    labelNames: ["kind"] as const,
    buckets: [0.001, 0.01, 0.1, 1, 2, 5],
    registers: [registry],
  });
  return { registry, h };
}

test("pauses between the scrapes only: by kind, their time, those over 10 ms", async () => {
  const { registry, h } = gcHistogram();
  for (let i = 0; i < 20; i++) h.observe({ kind: "major" }, 0.05); // before the round
  const before = await registry.metrics();
  for (let i = 0; i < 8; i++) h.observe({ kind: "minor" }, 0.004);
  h.observe({ kind: "minor" }, 0.012);
  h.observe({ kind: "major" }, 0.017);
  h.observe({ kind: "incremental" }, 0.0005);
  const after = await registry.metrics();
  const p = gcPauses(before, after);
  assert.deepEqual(
    [...p.byKind],
    [
      ["major", 1],
      ["minor", 9],
      ["incremental", 1],
    ],
  );
  assert.equal(p.pauses, 11);
  assert.equal(Math.round(p.totalMs * 10) / 10, 32 + 12 + 17 + 0.5);
  assert.equal(p.over10Ms, 2);
  assert.equal(gcPausesText(p), "11 pauses (major 1, minor 9, incremental 1), 61.5 ms in all, 2 over 10 ms");
});

test("no pause in the round, or no histogram: none counted", async () => {
  const { registry, h } = gcHistogram();
  h.observe({ kind: "minor" }, 0.02);
  const text = await registry.metrics();
  assert.equal(gcPausesText(gcPauses(text, text)), "0 pauses, 0.0 ms in all, 0 over 10 ms");
  assert.equal(gcPauses("", "").pauses, 0);
});
