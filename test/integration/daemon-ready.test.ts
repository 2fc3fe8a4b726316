/**
 * `/readyz` of `floodgate run` answers 200 only once the milter takes sessions, with each engine: whatever waits on
 * readiness and then connects (an MTA's start order, orchestration, the test harness) must not be refused. The probe
 * polls from the moment the process starts, and the first 200 is followed at once by a milter session.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MilterClient } from "../../src/client/milter-client.js";
import { startDaemonProcess } from "../support/daemon.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";

const STARTS = 3;

/** Start `floodgate run`, probing `/readyz` without a pause until its first 200, then open a milter session at once. */
async function firstReadyThenConnect(engine: "typescript" | "libmilter", redisUrl: string): Promise<void> {
  const daemon = await startDaemonProcess(
    {
      redis: { url: redisUrl },
      milter: { engine },
      policy: { holdBulk: false },
      queue: { enabled: false },
      scanWorker: { processes: 0 },
    },
    { probeIntervalMs: 0 },
  );
  try {
    const client = await MilterClient.connect(daemon.milter).catch((e: Error) => e);
    if (client instanceof Error) assert.fail(`a session right after /readyz answered 200: ${client.message}`);
    try {
      await client.negotiate();
    } finally {
      client.destroy();
    }
  } finally {
    await daemon.stop();
  }
}

describe("floodgate run: /readyz", () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  for (const engine of ["typescript", "libmilter"] as const)
    test(`${engine} engine: the milter takes a session as soon as /readyz answers 200 (${STARTS} starts)`, async () => {
      for (let i = 0; i < STARTS; i++) await firstReadyThenConnect(engine, redis.url);
    });
});
