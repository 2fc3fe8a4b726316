/**
 * The TypeScript engine's idle sweep: one timer per server closes the connections quiet for longer than the idle
 * timeout and leaves the others; its interval is a quarter of the timeout within 10 ms and 1 s.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IdleSweep, sweepIntervalMs, type IdleConnection } from "../../src/engine/typescript/idle-sweep.js";

test("the sweep interval is a quarter of the idle timeout, within 10 ms and 1 s", () => {
  assert.equal(sweepIntervalMs(1), 10);
  assert.equal(sweepIntervalMs(400), 100);
  assert.equal(sweepIntervalMs(600_000), 1000);
});

test("a quiet connection is closed, an active one kept, a removed one never closed", async () => {
  const sweep = new IdleSweep(() => 40);
  const closed: string[] = [];
  const connection = (name: string, lastActive: number): IdleConnection => ({
    lastActive,
    closeIdle: () => closed.push(name),
  });
  const quiet = connection("quiet", performance.now() - 60_000);
  // Active "in the future": it stays younger than the timeout for the whole test.
  const active = connection("active", performance.now() + 60_000);
  const removed = connection("removed", performance.now() - 60_000);
  for (const c of [quiet, active, removed]) sweep.add(c);
  sweep.delete(removed);
  while (closed.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(closed, ["quiet"]);
  sweep.stop();
});
