/**
 * The session's time budgets, derived in one place, and the policy's deadline: races settle with the promise, or with
 * DeadlineError once the engine's signal fires.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { reserveMs, stageBudgets, startDeadline } from "../../src/session/deadlines.js";
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
  void test("the policy ends before the engine, the shim a second after it", () => {
    assert.deepEqual(stageBudgets({ commandDeadlineMs: 500, eomDeadlineMs: 2000 }), {
      commandMs: 500,
      eomMs: 2000,
      policyEomMs: 1900,
      shimCommandMs: 1500,
      shimEomMs: 3000,
    });
  });
});
