/**
 * Test support: a campaign store and a scan producer on a real Redis, wired as the daemon wires them (a connection
 * per role: fast path, BullMQ, subscriber), closed together.
 */
import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import { createScanProducer, type ScanProducerWithQueue } from "../queue/producer.js";
import { createRedis } from "../redis/connect.js";
import { createCampaignStore, type RedisCampaignStore } from "../reputation/store.js";
import type { Logger } from "../util/logger.js";

export interface ScanProducerClient {
  producer: ScanProducerWithQueue;
  store: RedisCampaignStore;
  /** BullMQ's connection (its status says when the producer can enqueue). */
  connection: Redis;
  /** Close the producer and the store, and disconnect every connection. */
  close: () => Promise<void>;
}

/** A store and a producer for `config` on the Redis at `redisUrl`. */
export function connectScanProducer(
  config: Config,
  redisUrl: string,
  logger: Logger,
  metrics?: Pick<FloodgateMetrics, "scanJobsQueuedTotal" | "scanJobsShedTotal">,
): ScanProducerClient {
  const connection = createRedis(config.redis, redisUrl, "bullmq", logger) as Redis;
  const subscriber = createRedis(config.redis, redisUrl, "subscriber", logger) as Redis;
  const store = createCampaignStore(createRedis(config.redis, redisUrl, "fastpath", logger), {
    prefix: config.redis.prefix,
    campaigns: config.campaigns,
  });
  const producer = createScanProducer({
    config: () => config,
    connection,
    subscriber,
    store,
    logger,
    ...(metrics ? { metrics } : {}),
  });
  return {
    producer,
    store,
    connection,
    close: async () => {
      await producer.close();
      await store.close();
      connection.disconnect();
      subscriber.disconnect();
    },
  };
}
