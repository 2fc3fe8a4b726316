/**
 * The event loop's recent delay (src/session/loop-lag.ts), which sets the engine's end-of-message timer earlier: it
 * sees a loop held busy, and nothing once stopped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { LoopLag } from "../../src/session/loop-lag.js";

void test("a loop held busy is seen as late until stopped", async () => {
  const lag = new LoopLag();
  assert.equal(lag.recentMaxMs(), 0);
  lag.start();
  try {
    await sleep(50);
    const until = performance.now() + 150;
    while (performance.now() < until);
    await sleep(30);
    assert.ok(lag.recentMaxMs() >= 150, `measured ${lag.recentMaxMs()} ms`);
  } finally {
    lag.stop();
  }
  assert.equal(lag.recentMaxMs(), 0);
});
