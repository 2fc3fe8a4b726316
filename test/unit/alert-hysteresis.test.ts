// The two-threshold alert: edges only, no flapping between the marks, hold times, repeat interval.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { HysteresisAlert, type AlertEdge } from "../../src/ops/alerts/hysteresis.js";

/** Feed (second, value) samples; return the edges with their second. */
function run(alert: HysteresisAlert, samples: [number, number | null][]): [number, AlertEdge][] {
  const edges: [number, AlertEdge][] = [];
  for (const [second, value] of samples) {
    const edge = alert.update(value, second * 1000);
    if (edge) edges.push([second, edge]);
  }
  return edges;
}

void describe("HysteresisAlert", () => {
  void test("fires once after the value is held at or above high, resolves once after it is held at or below low", () => {
    const alert = new HysteresisAlert({ high: 100, low: 10, forSeconds: 30, clearForSeconds: 60 });
    const samples: [number, number][] = [];
    for (let s = 0; s <= 300; s += 5) samples.push([s, s < 20 ? 0 : s < 150 ? 500 : 5]);
    assert.deepEqual(run(alert, samples), [
      [50, "firing"],
      [210, "resolved"],
    ]);
    assert.equal(alert.state, "inactive");
  });

  void test("values hovering between the marks never flap", () => {
    const alert = new HysteresisAlert({ high: 100, low: 10, forSeconds: 0, clearForSeconds: 0 });
    const samples: [number, number][] = [[0, 100]];
    for (let s = 1; s <= 200; s++) samples.push([s, s % 2 === 0 ? 99 : 11]);
    samples.push([201, 10]);
    for (let s = 202; s <= 400; s++) samples.push([s, s % 2 === 0 ? 99 : 11]);
    assert.deepEqual(run(alert, samples), [
      [0, "firing"],
      [201, "resolved"],
    ]);
  });

  void test("a value crossing high and back before forSeconds never fires", () => {
    const alert = new HysteresisAlert({ high: 100, low: 10, forSeconds: 30, clearForSeconds: 30 });
    const samples: [number, number][] = [];
    for (let s = 0; s < 600; s += 5) samples.push([s, Math.floor(s / 25) % 2 === 0 ? 150 : 50]);
    assert.deepEqual(run(alert, samples), []);
  });

  void test("a dip to low shorter than clearForSeconds keeps it firing, and restarts the clear timer", () => {
    const alert = new HysteresisAlert({ high: 100, low: 10, forSeconds: 0, clearForSeconds: 60 });
    assert.deepEqual(
      run(alert, [
        [0, 200],
        [10, 5],
        [60, 5],
        [65, 50],
        [70, 5],
        [125, 5],
        [130, 5],
      ]),
      [
        [0, "firing"],
        [130, "resolved"],
      ],
    );
  });

  void test("repeats every repeatSeconds while firing, and not after resolving", () => {
    const alert = new HysteresisAlert({ high: 1, low: 0, forSeconds: 0, clearForSeconds: 0, repeatSeconds: 100 });
    const samples: [number, number][] = [];
    for (let s = 0; s <= 350; s += 10) samples.push([s, 1]);
    samples.push([360, 0]);
    for (let s = 370; s <= 700; s += 10) samples.push([s, 0]);
    assert.deepEqual(run(alert, samples), [
      [0, "firing"],
      [100, "repeat"],
      [200, "repeat"],
      [300, "repeat"],
      [360, "resolved"],
    ]);
  });

  void test("a missing sample is no evidence: it restarts onset and clear timers and never changes the state", () => {
    const alert = new HysteresisAlert({ high: 100, low: 10, forSeconds: 20, clearForSeconds: 20 });
    assert.deepEqual(
      run(alert, [
        [0, 200],
        [10, null],
        [20, 200],
        [30, 200],
        [40, 200],
        [50, null],
        [60, 0],
        [70, null],
        [80, 0],
        [90, 0],
        [100, 0],
      ]),
      [
        [40, "firing"],
        [100, "resolved"],
      ],
    );
  });

  void test("refuses low above high", () => {
    assert.throws(
      () => new HysteresisAlert({ high: 1, low: 2, forSeconds: 0, clearForSeconds: 0 }),
      /low \(2\) must not be above high \(1\)/,
    );
  });
});
