/**
 * The heavy-scan processor: a BullMQ Worker in this process that takes scan jobs, inflates the message, runs the
 * scanners in order (the first that answers wins) within `worker.jobTimeoutMs`, and writes the verdict to the campaign
 * store, which publishes it to waiters. A job whose scanners all fail throws and is retried with exponential backoff;
 * a job whose worker process died is found by BullMQ's stalled check and re-run elsewhere.
 */
import { existsSync } from "node:fs";
import { MetricsTime, Worker, type Job } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import { createRedis } from "../redis/connect.js";
import { createCampaignStore } from "../reputation/store.js";
import { MAX_VERDICT_RULES, type CampaignStore, type ScanVerdict } from "../reputation/types.js";
import type { CopyLinks } from "../reputation/verdict-links.js";
import { judgeScan } from "./judge.js";
import { LEARN_JOB_NAME, processLearnJob, type LearnJobData, type LearnResult } from "./learn.js";
import { privateSpamdSocket } from "../scanners/private-spamd.js";
import { resolveStateDir } from "../state/state-dir.js";
import { createScanners, runScanners, type Scanner } from "../scanners/index.js";
import type { Logger } from "../util/logger.js";
import { bullPrefix } from "./names.js";
import { decodePayload } from "./payload.js";
import type { ScanJobData } from "./types.js";

export interface ScanWorkerOptions {
  config: Config;
  /** The shared Redis (the milter's); required: a worker process never starts a private one. */
  redisUrl: string;
  logger: Logger;
  /** The store to write verdicts to; by default one over a connection of its own (closed with the worker). */
  store?: CampaignStore;
  /** The scanners; by default `createScanners(config.scanWorker.scanners)`. */
  scanners?: Scanner[];
  /** The metrics the worker counts in: jobs completed. */
  metrics?: Pick<FloodgateMetrics, "scanJobsCompletedTotal">;
}

/** The jobs of the scan queue: scans, and learnings from reports (learn.ts). */
type QueueJobData = ScanJobData | LearnJobData;

export interface ScanWorkerHandle {
  readonly worker: Worker<QueueJobData, ScanVerdict | LearnResult>;
  /** Stop taking jobs, wait for the jobs in flight (each bounded by `jobTimeoutMs`), close the connections. */
  close(): Promise<void>;
}

/**
 * The environment variable by which `floodgate run` tells its scan worker processes where its private spamd listens
 * ("" when it did not start: the private entry is left out).
 */
export const PRIVATE_SPAMD_ENV = "FLOODGATE_PRIVATE_SPAMD_SOCKET";

/**
 * The private spamd's socket for this process: the daemon's word when it spawned us, else (a `floodgate worker` beside
 * a `floodgate run`) the state directory's socket when it is there.
 */
export function privateSpamdSocketOf(config: Config, env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env[PRIVATE_SPAMD_ENV];
  if (given !== undefined) return given === "" ? null : given;
  const socket = privateSpamdSocket(resolveStateDir(config.state.dir));
  return existsSync(socket) ? socket : null;
}

/** Thrown by a job that ran out of `worker.jobTimeoutMs`. */
export class ScanJobTimeoutError extends Error {
  override readonly name = "ScanJobTimeoutError";
}

/** The processing of one job: exported for tests that run it without BullMQ. */
export async function processScanJob(
  data: ScanJobData,
  deps: { config: Config; scanners: readonly Scanner[]; store: CampaignStore; logger: Logger; signal?: AbortSignal },
): Promise<ScanVerdict> {
  const { config, scanners, store, logger } = deps;
  const timeout = AbortSignal.timeout(config.scanWorker.jobTimeoutMs);
  const signal = deps.signal ? AbortSignal.any([deps.signal, timeout]) : timeout;
  const message = await decodePayload(data.messageGzipBase64, config.queue.maxPayloadBytes);
  let result;
  try {
    result = await runScanners(scanners, message, signal, (error) =>
      logger.warn(
        { campaignId: data.campaignId, scanner: error.scanner, code: error.code, err: error.message },
        "scanner failed",
      ),
    );
  } catch (err) {
    if (timeout.aborted) throw new ScanJobTimeoutError(`scan not done within ${config.scanWorker.jobTimeoutMs} ms`);
    throw err;
  }
  const verdict: ScanVerdict = {
    verdict: judgeScan(result, result.saysHam, {
      spamScore: config.scanWorker.spamScore,
      hamMargin: config.verdicts.hamMargin,
    }),
    score: result.score,
    scanner: result.scanner,
    threshold: result.threshold,
    rules: result.rules.slice(0, MAX_VERDICT_RULES),
    at: Date.now(),
  };
  await store.recordVerdict(data.campaignId, verdict, jobLinks(data.links));
  logger.info(
    { campaignId: data.campaignId, ...verdict, said: result.verdict, reason: data.reason, queueId: data.queueId },
    "scan verdict",
  );
  return verdict;
}

/** A job's links as the store takes them: a job is data from Redis, so anything but a list of words is not known. */
function jobLinks(links: unknown): CopyLinks | undefined {
  if (typeof links !== "object" || links === null) return undefined;
  const { links: list, complete } = links as Partial<CopyLinks>;
  if (!Array.isArray(list) || !list.every((link) => typeof link === "string" && /^\S+$/.test(link))) return undefined;
  return { links: list, complete: complete === true };
}

/** Start a worker in this process. */
export async function startScanWorker(options: ScanWorkerOptions): Promise<ScanWorkerHandle> {
  const { config, redisUrl, logger } = options;
  const w = config.scanWorker;
  const scanners = options.scanners ?? createScanners(w.scanners, privateSpamdSocketOf(config));
  const connections: (Redis | Cluster)[] = [];
  let store = options.store;
  if (!store) {
    const storeRedis = createRedis(config.redis, redisUrl, "bullmq", logger);
    connections.push(storeRedis);
    store = createCampaignStore(storeRedis, {
      prefix: config.redis.prefix,
      campaigns: config.campaigns,
      closeConnection: false,
    });
  }
  const workerRedis = createRedis(config.redis, redisUrl, "bullmq", logger);
  connections.push(workerRedis);
  const deps = { config, scanners, store, logger };

  const worker = new Worker<QueueJobData, ScanVerdict | LearnResult>(
    config.queue.name,
    (job: Job<QueueJobData>, _token?: string, signal?: AbortSignal) =>
      job.name === LEARN_JOB_NAME
        ? processLearnJob(job.data as LearnJobData, { ...deps, ...(signal ? { signal } : {}) })
        : processScanJob(job.data as ScanJobData, { ...deps, signal }),
    {
      connection: workerRedis,
      prefix: bullPrefix(config),
      concurrency: w.concurrency,
      lockDuration: w.lockDurationMs,
      stalledInterval: w.stalledIntervalMs,
      maxStalledCount: w.maxStalledCount,
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK * 2 },
      autorun: true,
    },
  );
  worker.on("error", (err: Error) => logger.warn({ err: err.message }, "scan worker error"));
  worker.on("completed", () => options.metrics?.scanJobsCompletedTotal.inc());
  worker.on("failed", (job, err) =>
    logger.warn(
      { jobId: job?.id, campaignId: job?.data.campaignId, attempts: job?.attemptsMade, err: err.message },
      "scan job failed",
    ),
  );
  worker.on("stalled", (jobId: string) => logger.warn({ jobId }, "scan job stalled: re-queued"));
  await worker.waitUntilReady();
  logger.info(
    { queue: config.queue.name, concurrency: w.concurrency, scanners: scanners.map((s) => s.name) },
    "scan worker started",
  );

  let closing: Promise<void> | null = null;
  return {
    worker,
    close() {
      closing ??= (async () => {
        await worker.close();
        if (!options.store) await store.close().catch(() => undefined);
        for (const c of connections) c.disconnect();
      })();
      return closing;
    },
  };
}
