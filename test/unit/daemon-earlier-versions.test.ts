/**
 * The daemon's unit that tells the fingerprint pool whether fingerprints need the earlier versions' keys
 * (src/daemon/start-versions.ts): the store's answer reaches the pool, a store that cannot answer changes nothing,
 * and with `fingerprint.previousVersion` off the store is not asked. The store and the pool are small fakes; the
 * store's answer itself is tested on a real Redis (test/integration/reputation-versions.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig, type Config } from "../../src/config/schema.js";
import { startEarlierVersions } from "../../src/daemon/start-versions.js";
import { StopStack } from "../../src/daemon/stops.js";
import { createLogger } from "../../src/util/logger.js";

const logger = createLogger("silent");

async function run(
  answer: () => Promise<boolean>,
  previousVersion = true,
): Promise<{ told: boolean[]; asked: number }> {
  const config: Config = defaultConfig();
  config.fingerprint.previousVersion = previousVersion;
  const told: boolean[] = [];
  let asked = 0;
  const store = {
    earlierVersionsLive: () => {
      asked++;
      return answer();
    },
  };
  const pool = { setEarlierVersions: (live: boolean) => void told.push(live) };
  const stops = new StopStack(logger);
  startEarlierVersions({ config: () => config, store, pool, logger }, stops);
  await stops.stopAll();
  return { told, asked };
}

void test("a store that holds no earlier keys: the pool is told to make fingerprints without them", async () => {
  assert.deepEqual(await run(() => Promise.resolve(false)), { told: [false], asked: 1 });
});

void test("a store that may hold them: the pool, which makes them until told otherwise, is not told", async () => {
  assert.deepEqual(await run(() => Promise.resolve(true)), { told: [], asked: 1 });
});

void test("a store that cannot answer: the pool goes on making them", async () => {
  assert.deepEqual(await run(() => Promise.reject(new Error("connection lost"))), { told: [], asked: 1 });
});

void test("fingerprint.previousVersion off: the store is not asked", async () => {
  assert.deepEqual(await run(() => Promise.resolve(false), false), { told: [], asked: 0 });
});
