/**
 * `/readyz` of `floodgate run` answers 200 only once the milter takes sessions, with each engine: whatever waits on
 * readiness and then connects (an MTA's start order, orchestration, the test harness) must not be refused. The probe
 * polls from the moment the process starts, and the first 200 is followed at once by a milter session.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { MilterClient } from "../../src/client/milter-client.js";
import { DAEMON_NODE_FLAGS } from "../../src/util/node-flags.js";
import { freePort } from "../../src/util/tcp-port.js";
import { CLI } from "../support/daemon.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";

const STARTS = 3;

/** Start `floodgate run`, poll `/readyz` until its first 200, then open a milter session; stop the daemon. */
async function firstReadyThenConnect(engine: "typescript" | "libmilter", redisUrl: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fg-ready-"));
  const [milterPort, metricsPort] = [await freePort(), await freePort()];
  const milter = `inet:127.0.0.1:${milterPort}`;
  const configPath = join(dir, "floodgate.yaml");
  writeFileSync(
    configPath,
    stringify({
      state: { dir: join(dir, "state") },
      redis: { url: redisUrl },
      milter: { engine, listen: [milter] },
      metrics: { port: metricsPort },
      policy: { holdBulk: false },
      queue: { enabled: false },
      scanWorker: { processes: 0 },
    }),
  );
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, "run", "--config", configPath], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = once(child, "exit");
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      assert.equal(child.exitCode, null, `floodgate run exited:\n${output}`);
      assert.ok(Date.now() < deadline, `/readyz never answered 200:\n${output}`);
      const r = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => null);
      await r?.text();
      if (r?.status === 200) break;
    }
    const client = await MilterClient.connect(milter).catch((e: Error) => e);
    if (client instanceof Error) assert.fail(`a session right after /readyz answered 200: ${client.message}`);
    try {
      await client.negotiate();
    } finally {
      client.destroy();
    }
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
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
