/**
 * The TypeScript engine's idle sweep: one timer per server closes the connections quiet for longer than the idle
 * timeout, and those not negotiated within NEGOTIATION_MS of their accept however active, and leaves the others; its
 * interval is a quarter of the timeout within 10 ms and 1 s.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  IdleSweep,
  NEGOTIATION_MS,
  sweepIntervalMs,
  type IdleConnection,
} from "../../src/engine/typescript/idle-sweep.js";

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
    openedAt: performance.now(),
    negotiated: true,
    closeIdle: () => closed.push(name),
  });
  const quiet = connection("quiet", performance.now() - 60_000);
  // Active "in the future": it stays younger than the timeout for the whole test.
  const active = connection("active", performance.now() + 60_000);
  const removed = connection("removed", performance.now() - 60_000);
  const [, , removedEntry] = [quiet, active, removed].map((c) => sweep.add(c));
  sweep.delete(removedEntry!);
  while (closed.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(closed, ["quiet"]);
  sweep.stop();
});

test("a connection not negotiated in time is closed however active; a negotiated one of the same age is kept", async () => {
  // An idle timeout far longer than the negotiation's: only the negotiation's deadline can close anything here.
  const sweep = new IdleSweep(() => 10 * NEGOTIATION_MS);
  const closed: Array<[string, string]> = [];
  const connection = (name: string, negotiated: boolean, openedAt: number): IdleConnection => ({
    // Active "in the future": a byte trickled in just now, as a slow peer's would be.
    lastActive: performance.now() + 60_000,
    openedAt,
    negotiated,
    closeIdle: (reason) => closed.push([name, reason]),
  });
  const old = performance.now() - NEGOTIATION_MS - 1;
  const trickling = connection("trickling", false, old);
  const negotiated = connection("negotiated", true, old);
  const young = connection("young", false, performance.now() + 60_000);
  for (const c of [trickling, negotiated, young]) sweep.add(c);
  // Two sweeps' time: the first sweep closes the late one; the second would close any other wrongly.
  await new Promise((r) => setTimeout(r, 2 * sweepIntervalMs(10 * NEGOTIATION_MS) + 200));
  assert.deepEqual(closed, [["trickling", "not negotiated"]]);
  sweep.stop();
});
