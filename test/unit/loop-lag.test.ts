/**
 * The event loop's recent delay (src/session/loop-lag.ts), which sets the engine's end-of-message timer earlier: it
 * sees a loop held busy wherever the block falls against the end of a window, and nothing once stopped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { LoopLag } from "../../src/session/loop-lag.js";

/** How long the loop is held busy, and the least delay that must then be seen (the block, less a margin for the
 * clock: a histogram records the time between two of its ticks, so it sees the block and up to a tick more). */
const BLOCK_MS = 150;
const SEEN_MS = 140;

function holdLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Hold the loop, then let the sampling timers tick again so that they record the block. */
async function block(): Promise<void> {
  holdLoop(BLOCK_MS);
  await sleep(30);
}

void test("a loop held busy is seen as late until stopped", async () => {
  const lag = new LoopLag();
  assert.equal(lag.recentMaxMs(), 0);
  lag.start();
  try {
    await sleep(50);
    await block();
    assert.ok(lag.recentMaxMs() >= SEEN_MS, `measured ${lag.recentMaxMs()} ms`);
  } finally {
    lag.stop();
  }
  assert.equal(lag.recentMaxMs(), 0);
});

void test("a block that starts as a window ends is seen, and still seen after the next window ends", async () => {
  // A histogram's reset forgets its last tick: a block begun before its next tick would be lost with one histogram.
  // Several windows in turn, as the two histograms take turns at being reset.
  const lag = new LoopLag();
  lag.start();
  try {
    await sleep(50);
    for (let window = 0; window < 4; window++) {
      lag.closeWindow();
      await block();
      assert.ok(lag.recentMaxMs() >= SEEN_MS, `window ${window}: measured ${lag.recentMaxMs()} ms`);
      lag.closeWindow();
      await sleep(30);
      assert.ok(lag.recentMaxMs() >= SEEN_MS, `window ${window}, once ended: measured ${lag.recentMaxMs()} ms`);
    }
  } finally {
    lag.stop();
  }
});

void test("a block in the middle of a window is seen, and still seen after the next window ends", async () => {
  const lag = new LoopLag();
  lag.start();
  try {
    await sleep(50);
    lag.closeWindow();
    await sleep(300);
    await block();
    assert.ok(lag.recentMaxMs() >= SEEN_MS, `measured ${lag.recentMaxMs()} ms`);
    lag.closeWindow();
    await sleep(30);
    assert.ok(lag.recentMaxMs() >= SEEN_MS, `once ended: measured ${lag.recentMaxMs()} ms`);
  } finally {
    lag.stop();
  }
});
