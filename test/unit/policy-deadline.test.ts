/**
 * The policy's deadline: races settle with the promise, or with DeadlineError once the engine's signal fires.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { DeadlineError, reserveMs, startDeadline } from "../../src/policy/deadline.js";

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
});
