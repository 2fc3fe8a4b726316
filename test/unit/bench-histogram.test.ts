/**
 * Reading the daemon's latency histograms between two /metrics scrapes (src/harness/prom-histogram.ts), on text
 * rendered by prom-client itself, as the daemon serves it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Histogram, Registry } from "prom-client";
import { histogramBuckets, sharesAbove } from "../../src/harness/prom-histogram.js";

function histogram() {
  const registry = new Registry();
  const h = new Histogram({
    name: "t_duration_seconds",
    help: "test",
    buckets: [0.001, 0.005, 0.01, 0.02],
    registers: [registry],
  });
  return { registry, h };
}

test("bucket counts are cumulative, keyed by bound in seconds, +Inf as Infinity", async () => {
  const { registry, h } = histogram();
  for (const s of [0.0005, 0.003, 0.03]) h.observe(s);
  const buckets = histogramBuckets(await registry.metrics(), "t_duration_seconds");
  assert.deepEqual(
    [...buckets],
    [
      [0.001, 1],
      [0.005, 2],
      [0.01, 2],
      [0.02, 2],
      [Infinity, 3],
    ],
  );
  assert.equal(histogramBuckets(await registry.metrics(), "absent_seconds").size, 0);
});

test("shares count only the observations between the two scrapes", async () => {
  const { registry, h } = histogram();
  for (let i = 0; i < 50; i++) h.observe(0.05); // before the run: all slow
  const before = await registry.metrics();
  for (let i = 0; i < 90; i++) h.observe(0.0008);
  for (let i = 0; i < 8; i++) h.observe(0.007);
  for (let i = 0; i < 2; i++) h.observe(0.015);
  const after = await registry.metrics();
  const s = sharesAbove(before, after, "t_duration_seconds", [1, 5, 10, 20, 2]);
  assert.equal(s.observations, 100);
  assert.equal(s.above.get(1), 0.1);
  assert.equal(s.above.get(5), 0.1);
  assert.equal(s.above.get(10), 0.02);
  assert.equal(s.above.get(20), 0);
  assert.equal(s.above.get(2), null, "no bucket at 2 ms: unknown, not guessed");
});

test("no observations in the run: shares are unknown", async () => {
  const { registry } = histogram();
  const text = await registry.metrics();
  const s = sharesAbove(text, text, "t_duration_seconds", [1]);
  assert.equal(s.observations, 0);
  assert.equal(s.above.get(1), null);
});
