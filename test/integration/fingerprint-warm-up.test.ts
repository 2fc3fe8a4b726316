/**
 * A fingerprint pool whose threads warm up on built-in mail (`fingerprint.warmUpMessages`): messages sent while
 * they warm up get the fingerprints a task gives alone, and the warm-up counts in none of the pool's figures.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { defaultConfig } from "../../src/config/schema.js";
import { FingerprintPool } from "../../src/fingerprint/pool.js";
import { taskOptions } from "../../src/fingerprint/pool-messages.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";
import { loadHam, loadSpam } from "../../src/lab/corpus.js";

const pools: FingerprintPool[] = [];
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

void test("messages sent while the threads warm up get the fingerprints a task gives alone", async () => {
  const config = { ...defaultConfig().fingerprint, threads: 2, warmUpMessages: 2000, taskTimeoutMs: 300_000 };
  const pool = new FingerprintPool(config);
  pools.push(pool);
  await pool.ready();
  const messages = [...loadHam({ limit: 20 }), ...loadSpam({ limit: 20 })].map((m) => m.bytes);
  // One at a time and all at once: single tasks and batches, both beside the warm-up.
  const outcomes = [];
  for (const message of messages.slice(0, 10)) outcomes.push(await pool.fingerprint(message));
  outcomes.push(...(await Promise.all(messages.slice(10).map((message) => pool.fingerprint(message)))));
  const options = taskOptions(config);
  for (const [i, message] of messages.entries()) {
    const alone = await runFingerprintTask({ ...options, message });
    assert.equal(alone.status, "ok");
    assert.deepEqual(outcomes[i], { status: "ok", fingerprint: alone.status === "ok" ? alone.fingerprint : null });
  }
  assert.equal(pool.stats().completed, messages.length, "the warm-up's messages are not the pool's");
});
