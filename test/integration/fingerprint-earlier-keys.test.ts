/**
 * The fingerprint pool told whether the campaign store may hold keys of earlier fingerprint versions
 * (src/daemon/start-versions.ts): its real threads make fingerprints with those keys until told the store holds
 * none, then without them, and with them again when told it may; never with `fingerprint.previousVersion` off.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/schema.js";
import { FingerprintPool } from "../../src/fingerprint/pool.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";

const pools: FingerprintPool[] = [];
after(() => Promise.all(pools.map((p) => p.close())));

async function pool(previousVersion: boolean): Promise<FingerprintPool> {
  const config = { ...defaultConfig().fingerprint, threads: 1, taskTimeoutMs: 300_000, warmUpMessages: 0 };
  const p = new FingerprintPool({ ...config, previousVersion });
  pools.push(p);
  await p.ready();
  return p;
}

const words = Array.from({ length: 120 }, (_, i) => `word${i % 37} item${i}`).join(" ");
const MESSAGE = Buffer.from(`From: a@example.com\r\nTo: b@example.org\r\nSubject: Notice\r\n\r\n${words}\r\n`);

async function keys(p: FingerprintPool): Promise<{ previous: boolean; version2: boolean; version: number }> {
  const outcome = await p.fingerprint(MESSAGE);
  assert.equal(outcome.status, "ok");
  const fp = (outcome as { fingerprint: Fingerprint }).fingerprint;
  return { previous: fp.previous !== undefined, version2: fp.version2 !== undefined, version: fp.version };
}

void test("the earlier versions' keys are made until the pool is told the store holds none, and again when told it may", async () => {
  const p = await pool(true);
  const current = (await keys(p)).version;
  assert.deepEqual(await keys(p), { previous: true, version2: true, version: current });
  p.setEarlierVersions(false);
  assert.deepEqual(await keys(p), { previous: false, version2: false, version: current });
  p.setEarlierVersions(true);
  assert.deepEqual(await keys(p), { previous: true, version2: true, version: current });
});

void test("with fingerprint.previousVersion off they are never made", async () => {
  const p = await pool(false);
  p.setEarlierVersions(true);
  assert.deepEqual((await keys(p)).previous || (await keys(p)).version2, false);
});
