/**
 * The heavy-scan producer on the mail path: queue one BullMQ scan job per campaign (deduplicated), with a bounded
 * wait and load shedding past the high-water mark; and wait for a campaign's verdict over one shared pub/sub
 * connection. It never throws and never blocks mail past `queue.enqueueTimeoutMs`.
 */
import { randomBytes } from "node:crypto";
import { Queue, type JobsOptions } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import type { CampaignStore, ScanVerdict } from "../reputation/types.js";
import type { Logger } from "../util/logger.js";
import { arrivalsKey, bullPrefix, deduplicationId, jobIdFor } from "./names.js";
import { encodePayload } from "./payload.js";
import { createRateLimitedLog } from "../util/rate-limited-log.js";
import type { EnqueueResult, ScanJobData, ScanProducer, ScanRequest } from "./types.js";
import { createVerdictWaiters } from "./verdict-waiters.js";
import { BacklogCount } from "./backlog-count.js";

/** The BullMQ job name of a scan. */
export const SCAN_JOB_NAME = "scan";

/**
 * The most adds the producer leaves unanswered at once; past it a job is shed. An add outlives its
 * `queue.enqueueTimeoutMs` while Redis is slow, and the policy queues beside the answer, so without this a slow Redis
 * would gather adds (each holding a message) as fast as mail arrives. A flood's copies each add (BullMQ deduplicates
 * them), as many at once as the MTA has sessions in end of message: a few hundred at most.
 */
export const MAX_UNANSWERED_ADDS = 256;

export interface ScanProducerDeps {
  /** The live configuration (read on every call, so a reload applies). */
  config: () => Config;
  /**
   * BullMQ's connection for adding jobs: `createRedis(config.redis, url, "bullmq")`. The producer bounds each enqueue
   * itself and sheds while the connection is not ready; the fast-path role's command timeout would instead report
   * "shed" for an add that Redis still carries out.
   */
  connection: Redis | Cluster;
  /** A connection used only for SUBSCRIBE. */
  subscriber: Redis | Cluster;
  store: CampaignStore;
  logger: Logger;
  /** The metrics the producer counts in: jobs queued and shed. */
  metrics?: Pick<FloodgateMetrics, "scanJobsQueuedTotal" | "scanJobsShedTotal">;
}

/** The producer together with its BullMQ queue (for `queueStats`). */
export type ScanProducerWithQueue = ScanProducer & { readonly queue: Queue<ScanJobData> };

/** Create the producer; it connects lazily and never throws from its methods. */
export function createScanProducer(deps: ScanProducerDeps): ScanProducerWithQueue {
  const { config, connection, store, logger } = deps;
  const initial = config();
  const queue = new Queue<ScanJobData>(initial.queue.name, {
    connection,
    prefix: bullPrefix(initial),
  });
  const queueErrorLog = createRateLimitedLog(logger, "scan queue error");
  queue.on("error", (err: Error) => queueErrorLog("queue", { detail: err.message }));
  const shedLog = createRateLimitedLog(logger, "scan job shed");
  const waiters = createVerdictWaiters({ subscriber: deps.subscriber, channel: store.verdictChannel, logger });

  const backlog = new BacklogCount(queue, logger);
  let closed = false;
  const refreshBacklog = () => {
    if (!closed) backlog.refresh();
  };

  /** Adds sent and not yet answered, timed out or not. */
  let unanswered = 0;

  const shed = (
    reason: "high-water" | "timeout" | "unanswered" | "error" | "disabled",
    request: ScanRequest,
    detail?: string,
  ) => {
    deps.metrics?.scanJobsShedTotal.inc({ reason });
    shedLog(reason, { campaignId: request.campaignId, detail });
    return "shed" as const;
  };

  async function add(request: ScanRequest, cfg: Config): Promise<EnqueueResult> {
    const generation = request.generation ?? Math.floor(Date.now() / (cfg.queue.rescanAfterSeconds * 1000));
    const dedupId = deduplicationId(request.campaignId, request.reason, generation);
    const jobId = jobIdFor(dedupId, randomBytes(6).toString("hex"));
    const data = await scanJobData(request, cfg);
    const job = await queue.add(SCAN_JOB_NAME, data, scanJobOptions(jobId, dedupId, cfg));
    if (job.id !== jobId) return "deduplicated";
    deps.metrics?.scanJobsQueuedTotal.inc();
    backlog.added();
    const sideEffects: Promise<unknown>[] = [
      store.markScanQueued(request.campaignId),
      (connection as Redis).incr(arrivalsKey(cfg)),
    ];
    Promise.all(sideEffects).catch((err: Error) =>
      logger.debug({ err: err.message }, "after-enqueue bookkeeping failed"),
    );
    return "queued";
  }

  return {
    queue,
    async enqueue(request) {
      try {
        const cfg = config();
        if (!cfg.queue.enabled || closed) return shed("disabled", request);
        refreshBacklog();
        if (backlog.value >= cfg.queue.highWaterMark) return shed("high-water", request, `backlog ${backlog.value}`);
        // Not connected: shed now rather than park the job in memory until Redis is back.
        if ((connection as Redis).status !== "ready") return shed("error", request, "redis not connected");
        if (unanswered >= MAX_UNANSWERED_ADDS) return shed("unanswered", request, `${unanswered} adds unanswered`);
        unanswered++;
        const attempt = add(request, cfg)
          .catch((err: Error) => err)
          .finally(() => unanswered--);
        const outcome = await within(attempt, cfg.queue.enqueueTimeoutMs);
        if (outcome === "timeout") return shed("timeout", request, `${cfg.queue.enqueueTimeoutMs} ms`);
        if (outcome instanceof Error) return shed("error", request, outcome.message);
        return outcome;
      } catch (err) {
        return shed("error", request, (err as Error).message);
      }
    },
    waitForVerdict: (campaignId, ms, signal) => verdictOf(store, waiters, campaignId, ms, signal),
    healthy() {
      refreshBacklog();
      const reachable = (connection as Redis).status === "ready" && backlog.ok;
      return reachable && backlog.value < config().queue.highWaterMark;
    },
    async close() {
      if (closed) return;
      closed = true;
      waiters.close();
      await queue.close().catch(() => undefined);
    },
  };
}

/** `attempt`'s outcome, or "timeout" when it takes longer than `ms` (it goes on regardless). */
async function within<T>(attempt: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A job's data: the message capped, compressed and base64-encoded, with what the worker process needs of it. */
async function scanJobData(request: ScanRequest, cfg: Config): Promise<ScanJobData> {
  const payload = await encodePayload(request.message, cfg.queue.maxPayloadBytes);
  return {
    campaignId: request.campaignId,
    messageGzipBase64: payload.base64,
    truncated: request.truncated || payload.truncated,
    reason: request.reason,
    queuedAt: Date.now(),
    ...(request.queueId !== undefined ? { queueId: request.queueId } : {}),
    ...(request.links !== undefined ? { links: request.links } : {}),
  };
}

/** A job's options: its id, deduplication, retries and retention. */
function scanJobOptions(jobId: string, dedupId: string, cfg: Config): JobsOptions {
  return {
    jobId,
    // Throttle: one scan per deduplication id until it finishes, and no new first scan for a re-scan period.
    deduplication: { id: dedupId, ttl: cfg.queue.rescanAfterSeconds * 1000 },
    attempts: cfg.scanWorker.attempts,
    backoff: { type: "exponential", delay: cfg.scanWorker.backoffMs },
    removeOnComplete: { age: cfg.queue.keepCompleted.ageSeconds, count: cfg.queue.keepCompleted.count },
    removeOnFail: { age: cfg.queue.keepFailed.ageSeconds, count: cfg.queue.keepFailed.count },
  };
}

/**
 * A campaign's verdict within `ms`: subscribe first, then read the store, so that a verdict published between the
 * policy's observe and this call is found in the store instead of being waited for until the budget runs out.
 */
async function verdictOf(
  store: CampaignStore,
  waiters: ReturnType<typeof createVerdictWaiters>,
  campaignId: string,
  ms: number,
  signal?: AbortSignal,
): Promise<ScanVerdict | null> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const published = waiters.wait(campaignId, ms, stop.signal);
    const stored = await store.get(campaignId).then(
      (view) => view?.verdict ?? null,
      () => null,
    );
    if (stored) {
      stop.abort();
      return stored;
    }
    return await published;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
