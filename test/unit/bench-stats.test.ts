/**
 * The harness's pure logic: nearest-rank percentiles, open-loop arrival schedules, and the counts a run reports
 * (outcomes, status header, fail-mode activations, deadline misses, ham held, campaign copies let through).
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { LatencyRecorder, medianRun, percentile, summarize } from "../../src/harness/stats.js";
import { arrivalOffsets, mergeSchedules, seededRandom } from "../../src/harness/schedule.js";

describe("percentile (nearest rank)", () => {
  const cases: Array<[number[], number, number]> = [
    [[1], 50, 1],
    [[1, 2], 50, 1],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 75, 3],
    [[1, 2, 3, 4], 100, 4],
    [[1, 2, 3, 4], 0, 1],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 99, 990],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 95, 950],
  ];
  for (const [values, p, want] of cases) {
    test(`p${p} of ${values.length} values is ${want}`, () => assert.equal(percentile(values, p), want));
  }
  test("no samples give NaN", () => assert.ok(Number.isNaN(percentile([], 50))));
  test("a percentile outside 0..100 is refused", () => assert.throws(() => percentile([1], 101), RangeError));
});

describe("summarize", () => {
  test("sorts a copy and reports every figure", () => {
    const input = [5, 1, 4, 2, 3];
    assert.deepEqual(summarize(input), { count: 5, min: 1, mean: 3, p50: 3, p95: 5, p99: 5, max: 5 });
    assert.deepEqual(input, [5, 1, 4, 2, 3]);
  });
  test("no samples give zeros", () =>
    assert.deepEqual(summarize([]), { count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 }));
  test("the recorder keeps names apart", () => {
    const r = new LatencyRecorder();
    r.record("mail", 1);
    r.record("eom", 10);
    r.record("mail", 3);
    assert.deepEqual(r.names(), ["mail", "eom"]);
    assert.equal(r.summary("mail").p50, 1);
    assert.equal(r.summary("mail").max, 3);
    assert.equal(r.summaries()["eom"]?.count, 1);
    assert.equal(r.summary("none").count, 0);
  });
});

describe("open-loop schedules", () => {
  test("fixed spacing is exactly 1/rate apart and stops before the duration", () => {
    assert.deepEqual(arrivalOffsets({ rate: 4, durationMs: 1000, arrivals: "fixed" }), [0, 250, 500, 750]);
  });
  test("maxCount bounds the arrivals", () => {
    assert.equal(arrivalOffsets({ rate: 1000, durationMs: 10_000, arrivals: "fixed", maxCount: 7 }).length, 7);
  });
  test("Poisson arrivals are ascending, within the duration, and near the mean rate", () => {
    const offsets = arrivalOffsets({ rate: 200, durationMs: 50_000, random: seededRandom(1) });
    for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i]! >= offsets[i - 1]!);
    assert.ok(offsets.every((t) => t >= 0 && t < 50_000));
    // 10,000 expected; a Poisson count has sd 100, so ±5 % is far outside chance.
    assert.ok(Math.abs(offsets.length - 10_000) < 500, `count ${offsets.length}`);
  });
  test("the same seed gives the same schedule", () => {
    const a = arrivalOffsets({ rate: 50, durationMs: 2000, random: seededRandom(9) });
    const b = arrivalOffsets({ rate: 50, durationMs: 2000, random: seededRandom(9) });
    assert.deepEqual(a, b);
  });
  test("a rate that is not positive is refused", () => {
    assert.throws(() => arrivalOffsets({ rate: 0, durationMs: 1000 }), RangeError);
    assert.throws(() => arrivalOffsets({ rate: Infinity, durationMs: 1000 }), RangeError);
  });
  test("merged streams are in time order with their tags", () => {
    const merged = mergeSchedules([
      { tag: "a", offsets: [0, 10, 20] },
      { tag: "b", offsets: [5, 15] },
    ]);
    assert.deepEqual(
      merged.map((m) => `${m.tag}${m.at}`),
      ["a0", "b5", "a10", "b15", "a20"],
    );
  });
});

describe("medianRun (the run that counts among repeats)", () => {
  const runs = (...rates: number[]) => rates.map((rate, i) => ({ rate, i }));
  test("the middle run by value, whatever the order they ran in", () => {
    assert.deepEqual(
      medianRun(runs(735, 490, 510), (r) => r.rate),
      { rate: 510, i: 2 },
    );
    assert.deepEqual(
      medianRun(runs(9, 45, 16, 15, 17), (r) => r.rate),
      { rate: 16, i: 2 },
    );
  });
  test("the lower middle for an even count, the run itself for one, undefined for none", () => {
    assert.deepEqual(
      medianRun(runs(30, 10, 20, 40), (r) => r.rate),
      { rate: 20, i: 2 },
    );
    assert.deepEqual(
      medianRun(runs(7), (r) => r.rate),
      { rate: 7, i: 0 },
    );
    assert.equal(
      medianRun([], () => 0),
      undefined,
    );
  });
});
