/**
 * Scan worker processes (node dist/workers/scan-worker.js, started by spawnScanWorkers) on a real Redis with the
 * real campaign store: a process killed with SIGKILL in the middle of a job leaves it stalled, BullMQ's stalled
 * check re-queues it and another process finishes it; with every process stopped, enqueue keeps answering and the
 * backlog grows (queueStats shows it); with processes back, the backlog drains.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { spawnScanWorkers, type ScanWorkerProcesses } from "../../src/queue/worker-processes.js";
import { configSchema, type Config } from "../../src/config/schema.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { arrivalsKey } from "../../src/queue/names.js";
import { queueStats, setQueueGauges } from "../../src/queue/stats.js";
import { GTUBE } from "../../src/scanners/builtin-rules.js";
import { createLogger } from "../../src/util/logger.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";
import { newCampaign } from "../../src/lab/synthetic-campaigns.js";
import { pollUntil as poll } from "../support/poll.js";
import { connectScanProducer } from "../../src/lab/scan-queue.js";

const logger = createLogger(process.env["TEST_LOG_LEVEL"] ?? "silent");
const metrics = createMetrics();
const gtube = Buffer.from(`From: a@example.com\r\nSubject: offer\r\nMessage-ID: <x@y>\r\n\r\n${GTUBE}\r\n`);
/** Generous: the machine is shared, and each worker process takes seconds to load. */
const WAIT_MS = 180_000;
const pollUntil = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = WAIT_MS) =>
  poll(what, fn, timeoutMs, 200);

/** A TCP server that accepts and never answers: a scanner stuck in the middle of a job. */
async function hangingServer() {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    connections: () => connections,
    async close() {
      if (!server.listening) return;
      server.close();
      for (const s of sockets) s.destroy();
      await once(server, "close");
    },
  };
}

void describe("scan worker processes", () => {
  let redis: TestRedis;
  let dir: string;
  const cleanups: (() => Promise<unknown>)[] = [];
  before(async () => {
    redis = await startTestRedis();
    dir = mkdtempSync(join(tmpdir(), "floodgate-queue-worker-"));
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A config file for the worker processes and the same config for this process's producer. */
  function setup(worker: object) {
    const raw = {
      redis: { prefix: uniquePrefix("wk") },
      queue: { enqueueTimeoutMs: 10_000 },
      scanWorker: { lockDurationMs: 5000, stalledIntervalMs: 2000, maxStalledCount: 3, backoffMs: 500, ...worker },
      log: { level: process.env["TEST_LOG_LEVEL"] ?? "warn" },
    };
    const configPath = join(dir, `${raw.redis.prefix}.yaml`);
    writeFileSync(configPath, stringify(raw));
    const config: Config = configSchema.parse({ ...raw, redis: { ...raw.redis, url: redis.url } });
    const { producer, store, connection, close } = connectScanProducer(config, redis.url, logger);
    cleanups.push(close);
    const spawn = (n: number): ScanWorkerProcesses => {
      const group = spawnScanWorkers(n, { configPath, redisUrl: redis.url, logger, restartDelayMs: 500 });
      cleanups.push(() => group.stop(5000));
      return group;
    };
    return { config, producer, store, connection, spawn };
  }

  void test("a worker process killed mid-job: the job stalls, is re-queued, and another process finishes it", async () => {
    const hang = await hangingServer();
    cleanups.push(() => hang.close());
    const { producer, store, connection, spawn } = setup({
      concurrency: 1,
      jobTimeoutMs: 600_000,
      scanners: [{ type: "spamd", host: "127.0.0.1", port: hang.port, timeoutMs: 600_000 }, { type: "builtin" }],
    });
    await pollUntil("the producer's connection", async () => connection.status === "ready");
    const id = await newCampaign(store);
    assert.equal(await producer.enqueue({ campaignId: id, message: gtube, truncated: false, reason: "new" }), "queued");

    const group = spawn(1);
    await pollUntil(
      "the first worker process to start the job (connect to the stuck scanner)",
      async () => hang.connections() > 0,
    );
    const victim = group.processes[0]!;
    const victimPid = victim.pid;
    const exited = once(victim, "exit");
    victim.kill("SIGKILL");
    await exited;
    await hang.close(); // From now on spamd is refused, so the next process falls back to builtin.

    const view = await pollUntil("the campaign's verdict from the recovered job", async () => {
      const v = await store.get(id);
      return v?.verdict ? v : null;
    });
    assert.equal(view.state, "spam");
    assert.equal(view.verdict?.scanner, "builtin");
    // The worker records the verdict before BullMQ moves the job to completed: wait for that move too.
    const jobs = await pollUntil("the recovered job in the completed set", async () => {
      const done = await producer.queue.getJobs(["completed"]);
      return done.length > 0 ? done : null;
    });
    assert.equal(jobs.length, 1);
    assert.ok(
      jobs[0]!.stalledCounter >= 1,
      `stalledCounter ${jobs[0]!.stalledCounter}: the job was recovered as stalled`,
    );
    assert.notEqual(group.processes[0]!.pid, victimPid, "the dead process was replaced");
    await group.stop(30_000);
  });

  void test("no worker process: enqueue answers and the backlog grows; processes back: the backlog drains", async () => {
    const { config, producer, store, connection, spawn } = setup({ concurrency: 4, scanners: [{ type: "builtin" }] });
    await pollUntil("the producer's connection", async () => connection.status === "ready");
    const ids: string[] = [];
    const enqueueMany = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const id = await newCampaign(store);
        ids.push(id);
        assert.equal(
          await producer.enqueue({ campaignId: id, message: gtube, truncated: false, reason: "new" }),
          "queued",
        );
      }
    };
    await enqueueMany(20);
    const first = await queueStats(producer.queue, { arrivalsKey: arrivalsKey(config) });
    assert.equal(first.backlog, 20);
    assert.equal(first.counts.active, 0);
    await new Promise((r) => setTimeout(r, 1100));
    await enqueueMany(15);
    const second = await queueStats(producer.queue, { arrivalsKey: arrivalsKey(config) });
    assert.equal(second.backlog, 35);
    assert.ok(second.arrivalRate > 0, "arrivals are counted");
    assert.equal(second.completionRate, 0);
    assert.ok(second.oldestWaitingAgeSeconds > 0, "the oldest waiting job has an age");
    setQueueGauges(metrics, second);
    const gauge = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === "floodgate_scan_jobs");
    const waitingGauge = (gauge?.values as { value: number; labels: Record<string, unknown> }[]).find(
      (v) => v.labels["state"] === "waiting",
    );
    assert.equal(waitingGauge?.value, 35);

    const group = spawn(2);
    await pollUntil("the backlog to drain", async () => {
      const c = await producer.queue.getJobCounts("waiting", "prioritized", "delayed", "active", "completed");
      return c["waiting"] === 0 && c["active"] === 0 && c["completed"] === 35;
    });
    for (const id of ids) assert.equal((await store.get(id))?.state, "spam", `campaign ${id}`);
    const drained = await queueStats(producer.queue, { arrivalsKey: arrivalsKey(config), previous: second });
    assert.equal(drained.backlog, 0);
    assert.equal(drained.finishedTotal - second.finishedTotal, 35, "completions are counted");
    assert.ok(drained.completionRate > 0);
    await group.stop(30_000);
  });
});
