/**
 * The health unit of `floodgate run`: the fast-path Redis probes (it answers; it takes writes, and how full it is), the
 * scan queue's sampler, the MTA queue's sampler (when configured) and the campaign gauge, each on its own timer, none
 * waiting for Redis at start; beside them the store's shedder, which frees the store's memory as Redis nears
 * maxmemory. Returns the health they feed and the function that stops them.
 */
import type { Cluster, Redis } from "ioredis";
import type { LiveConfig } from "../config/live.js";
import type { FingerprintPool } from "../fingerprint/pool.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import { DaemonHealth } from "../ops/health/daemon-health.js";
import { QueueSampler } from "../ops/health/queue-sampler.js";
import { RedisProbe } from "../ops/health/redis-probe.js";
import { RedisWriteProbe } from "../ops/health/redis-writes.js";
import { StoreShedder } from "../ops/store-shedder.js";
import { redisMemory } from "../redis/memory.js";
import type { RedisWrites } from "../redis/write-refusal.js";
import type { MailFlow } from "../ops/mail-flow.js";
import { MtaQueueSampler } from "../ops/mta-queue/sampler.js";
import { arrivalsKey } from "../queue/names.js";
import type { ScanProducerWithQueue } from "../queue/producer.js";
import { queueStats, setQueueGauges } from "../queue/stats.js";
import type { RedisCampaignStore } from "../reputation/store.js";
import type { Logger } from "../util/logger.js";

export interface HealthUnitDeps {
  live: LiveConfig;
  logger: Logger;
  /** The mail path's Redis connection: the probe measures what the mail path meets. */
  fast: Redis | Cluster;
  store: RedisCampaignStore;
  /** The heavy-scan producer; null when the queue is off. */
  producer: ScanProducerWithQueue | null;
  /** BullMQ's connection of the producer (its readiness gates the queue samples). */
  bullmq: Redis | Cluster | null;
  pool: FingerprintPool;
  mailFlow: MailFlow;
  metrics: FloodgateMetrics;
  /** Shared with the policy, which reports the mail path's writes to it. */
  writes: RedisWrites;
}

export interface HealthUnit {
  readonly health: DaemonHealth;
  /** The MTA's queue is sampled. */
  readonly mtaQueue: boolean;
  stop(): Promise<void>;
}

/** Start the probes and samplers; call it before the milter takes mail (the shares' windows start here). */
export async function startHealth(deps: HealthUnitDeps): Promise<HealthUnit> {
  const { live, logger, producer } = deps;
  const c = live.current();
  const intervalMs = Math.min(c.alerts.evaluateIntervalMs, 5000);
  const { metrics } = deps;
  const redis = new RedisProbe({
    ping: pingOf(deps.fast),
    timeoutMs: Math.max(1000, c.redis.commandTimeoutMs),
    metrics,
  });
  const writes = new RedisWriteProbe({
    write: () => deps.store.probeWrite(),
    memory: () => redisMemory(deps.fast),
    writes: deps.writes,
    timeoutMs: Math.max(1000, c.redis.commandTimeoutMs),
    logger,
    metrics,
  });
  const queue = producer
    ? new QueueSampler({
        sample: async () => {
          const stats = await queueStats(producer.queue, { arrivalsKey: arrivalsKey(live.current()) });
          setQueueGauges(metrics, stats);
          return stats;
        },
        connected: () => (deps.bullmq as Redis | null)?.status === "ready",
        intervalMs,
        windowSeconds: c.alerts.scanJobsFailing.windowSeconds,
        logger,
        metrics,
      })
    : null;
  const mq = c.mtaQueue;
  const mta =
    mq.mta === "none"
      ? null
      : new MtaQueueSampler({
          mta: mq.mta,
          ...(mq.command ? { command: mq.command } : {}),
          intervalMs: mq.intervalSeconds * 1000,
          timeoutMs: mq.timeoutSeconds * 1000,
          logger,
          metrics,
        });
  const shedder = storeShedder(deps, writes);
  for (const started of [redis, writes, shedder]) started.start();
  queue?.start();
  // The first queue sample as soon as BullMQ's connection is up; the timer takes over from there.
  if (queue && deps.bullmq) {
    if ((deps.bullmq as Redis).status === "ready") void queue.sample();
    else deps.bullmq.once("ready", () => void queue.sample());
  }
  mta?.start();
  const campaigns = setInterval(() => {
    deps.store.countActive().then(
      (n) => metrics.campaignsActive.set(n),
      () => undefined,
    );
  }, intervalMs);
  campaigns.unref();

  const health = new DaemonHealth({
    registry: metrics.registry,
    config: () => live.current(),
    mailFlow: deps.mailFlow,
    redis,
    writes,
    queue,
    mta,
    poolThreads: () => deps.pool.stats().threads,
    reload: () => live.lastReload(),
  });
  await health.start();
  return {
    health,
    mtaQueue: mta !== null,
    async stop() {
      clearInterval(campaigns);
      await Promise.all([redis.stop(), writes.stop(), shedder.stop(), queue?.stop(), mta?.stop()]);
    },
  };
}

/** The store's shedder, reading the memory of the Redis the mail path writes to: the write probe's reading while
 * Redis is under the mark. */
function storeShedder(deps: HealthUnitDeps, writes: RedisWriteProbe): StoreShedder {
  return new StoreShedder({
    store: deps.store,
    memory: () => redisMemory(deps.fast),
    sampled: () => writes.memory(),
    shedAt: () => deps.live.current().campaigns.shedAtMemory,
    logger: deps.logger,
    shedTotal: deps.metrics.storeShedTotal,
  });
}

/**
 * A PING over the connection that says why it failed: while the connection is down, ioredis refuses commands with
 * "Stream isn't writeable", so the connection's own last error (ECONNREFUSED, NOAUTH…) is what the operator needs.
 */
function pingOf(connection: Redis | Cluster): () => Promise<unknown> {
  let lastError = "";
  connection.on("error", (err: Error) => (lastError = err.message));
  return async () => {
    const status = (connection as Redis).status;
    if (status !== "ready") throw new Error(`not connected (${status})${lastError ? `: ${lastError}` : ""}`);
    return connection.ping();
  };
}
