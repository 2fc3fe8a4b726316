/**
 * Scan-queue benchmark: a flood of one campaign through the campaign store and the scan producer, as the policy
 * drives them (observe every copy; queue a scan when the policy's rule asks: at `queue.scanAtCopies` copies of a
 * campaign without a verdict, or a re-scan), with one scan
 * worker (builtin scanner) in this process. Prints scan jobs per 1,000 messages against the baseline of one job per
 * message (no deduplication), the time from the campaign's first copy to its verdict, the enqueue latency, and the
 * machine and versions. Run: `node dist/benchmarks/scan-queue.js [--messages N] [--concurrency C]`.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { configSchema } from "../src/config/schema.js";
import { scanReason } from "../src/policy/decide.js";
import { startScanWorker } from "../src/queue/scan-processor.js";
import { GTUBE } from "../src/scanners/builtin-rules.js";
import { createLogger } from "../src/util/logger.js";
import { projectRoot } from "../src/util/paths.js";
import { startScratchRedis } from "../src/redis/scratch-server.js";
import { connectScanProducer } from "../src/lab/scan-queue.js";
import { syntheticFingerprint } from "../src/lab/synthetic-campaigns.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

function version(pkg: string): string {
  try {
    const text = readFileSync(join(projectRoot, "node_modules", pkg, "package.json"), "utf8");
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return "?";
  }
}

async function main(): Promise<void> {
  const messages = arg("messages", 5000);
  const concurrency = arg("concurrency", 50);
  const logger = createLogger("warn");
  const redis = await startScratchRedis();
  const config = configSchema.parse({
    redis: { url: redis.url, prefix: `bench-${randomBytes(3).toString("hex")}` },
    queue: { rescanAfterCopies: 1000 },
    scanWorker: { scanners: [{ type: "builtin" }] },
  });
  const { producer, store, connection, close } = connectScanProducer(config, redis.url, logger);
  const worker = await startScanWorker({ config, redisUrl: redis.url, logger, store });
  while (connection.status !== "ready") await new Promise((r) => setTimeout(r, 10));

  const message = Buffer.from(`From: a@example.com\r\nSubject: offer\r\nMessage-ID: <x@y>\r\n\r\n${GTUBE}\r\n`);
  const fingerprint = syntheticFingerprint({ bytesParsed: message.length });
  const outcomes: Record<string, number> = { queued: 0, deduplicated: 0, shed: 0, none: 0 };
  const enqueueMs: number[] = [];
  let firstCopyAt = 0;
  let verdictAt = 0;
  const verdictWaits: Promise<unknown>[] = [];
  let sent = 0;

  const copy = async (i: number) => {
    const view = await store.observe({
      fingerprint,
      sender: `s${i}@example.com`,
      recipients: [`r${i}@example.org`],
      clientIp: null,
    });
    const reason = scanReason(view, config.queue, Date.now());
    if (verdictWaits.length === 0) {
      verdictWaits.push(producer.waitForVerdict(view.id, 120_000).then(() => (verdictAt = performance.now())));
    }
    if (reason === null) {
      outcomes["none"]!++;
      return;
    }
    const t = performance.now();
    const result = await producer.enqueue({
      campaignId: view.id,
      message,
      truncated: false,
      reason,
      generation: view.lastScanQueuedAt,
    });
    enqueueMs.push(performance.now() - t);
    outcomes[result]!++;
  };

  const started = performance.now();
  firstCopyAt = started;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < messages) await copy(sent++);
    }),
  );
  const floodSeconds = (performance.now() - started) / 1000;
  await Promise.all(verdictWaits);
  const jobs = await producer.queue.getJobCounts("waiting", "active", "delayed", "prioritized", "completed", "failed");
  const totalJobs = Object.values(jobs).reduce((a, b) => a + b, 0);
  enqueueMs.sort((a, b) => a - b);

  const perThousand = (totalJobs / messages) * 1000;
  console.log(
    `machine: ${cpus()[0]?.model ?? "unknown cpu"}, ${availableParallelism()} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (a shared machine: treat ±30 % as noise)`,
  );
  console.log(`versions: node ${process.version}, bullmq ${version("bullmq")}, ioredis ${version("ioredis")}`);
  console.log(`flood: ${messages} copies of one campaign, ${concurrency} at once, ${floodSeconds.toFixed(2)} s`);
  console.log(`outcomes of the policy's enqueue calls: ${JSON.stringify(outcomes)}`);
  console.log(
    `scan jobs: ${totalJobs} (${JSON.stringify(jobs)}) = ${perThousand.toFixed(2)} per 1,000 messages; ` +
      `baseline without deduplication 1000 per 1,000: ratio ${(perThousand / 1000).toFixed(4)}`,
  );
  console.log(`first copy to verdict: ${verdictAt ? (verdictAt - firstCopyAt).toFixed(1) : "no verdict"} ms`);
  console.log(
    `enqueue latency (calls made): p50 ${percentile(enqueueMs, 50).toFixed(2)} ms, p99 ${percentile(enqueueMs, 99).toFixed(2)} ms, n=${enqueueMs.length}`,
  );

  await worker.close();
  await close();
  await redis.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
