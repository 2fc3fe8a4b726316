/**
 * The session's time budgets, derived in one place, and the policy's deadline: races settle with the promise, or with
 * DeadlineError once the engine's signal fires.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { lateTimerMarginMs, reserveMs, stageBudgets, startDeadline } from "../../src/session/deadlines.js";
import { DeadlineError } from "../../src/vocabulary/deadline.js";

void describe("deadline", () => {
  void test("a settled promise wins", async () => {
    const dl = startDeadline(10_000);
    try {
      assert.equal(await dl.race(Promise.resolve(42)), 42);
      await assert.rejects(dl.race(Promise.reject(new Error("boom"))), /boom/);
    } finally {
      dl.dispose();
    }
  });
  void test("the parent signal ends it, for pending and for later races", async () => {
    const parent = new AbortController();
    const dl = startDeadline(10_000, parent.signal);
    const pending = dl.race(new Promise(() => undefined));
    parent.abort();
    await assert.rejects(pending, DeadlineError);
    await assert.rejects(dl.race(Promise.resolve(1)), DeadlineError);
    assert.equal(dl.signal.aborted, true);
    dl.dispose();
  });
  void test("an already aborted parent", async () => {
    const dl = startDeadline(10_000, AbortSignal.abort());
    await assert.rejects(dl.race(Promise.resolve(1)), DeadlineError);
    dl.dispose();
  });
  void test("the engine ends it, before its signal is read and after", async () => {
    const early = startDeadline(10_000);
    early.end();
    assert.equal(early.signal.aborted, true);
    await assert.rejects(early.race(Promise.resolve(1)), DeadlineError);
    early.dispose();
    const late = startDeadline(10_000);
    const pending = late.race(new Promise(() => undefined));
    late.end();
    await assert.rejects(pending, DeadlineError);
    late.dispose();
  });
  void test("its own timer ends it", async () => {
    const dl = startDeadline(1);
    await assert.rejects(dl.race(new Promise(() => undefined)), DeadlineError);
    assert.equal(dl.remaining(), 0);
    dl.dispose();
  });
  void test("the reserve is a tenth, between 20 and 100 ms", () => {
    assert.equal(reserveMs(2000), 100);
    assert.equal(reserveMs(5000), 100);
    assert.equal(reserveMs(500), 50);
    assert.equal(reserveMs(100), 20);
  });
  void test("the policy ends before the engine, the engine before milter.eomDeadlineMs, the shim a second after it", () => {
    assert.deepEqual(stageBudgets({ commandDeadlineMs: 500, eomDeadlineMs: 2000 }), {
      commandMs: 500,
      eomMs: 1900,
      policyEomMs: 1800,
      shimCommandMs: 1500,
      shimEomMs: 3000,
    });
  });
  void test("the engine's deadline is earlier by the loop's recent lateness, by half the deadline at most", () => {
    const settings = { commandDeadlineMs: 500, eomDeadlineMs: 2000 };
    const at = (lagMs: number) => {
      const { eomMs, policyEomMs } = stageBudgets(settings, lagMs);
      return [eomMs, policyEomMs];
    };
    assert.deepEqual(at(0), [1900, 1800]);
    assert.deepEqual(at(250.2), [1649, 1549]);
    assert.deepEqual(at(900), [1000, 900]);
    assert.deepEqual(at(60_000), [1000, 900]);
    assert.equal(lateTimerMarginMs(30, 0), 15);
    assert.deepEqual(stageBudgets({ commandDeadlineMs: 30, eomDeadlineMs: 30 }).policyEomMs, 0);
  });
});
