/**
 * The daemon's heavy-scan queue, when `queue.enabled`: the producer the policy queues scans with (BullMQ's own
 * connections), and the scanning unit (start-scanner.ts): the private spamd and `scanWorker.processes` scan worker
 * processes on this machine.
 */
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import { createScanProducer, type ScanProducerWithQueue } from "../queue/producer.js";
import type { CampaignStore } from "../reputation/types.js";
import type { StateDir } from "../state/state-dir.js";
import type { Logger } from "../util/logger.js";
import type { DaemonRedis } from "./redis.js";
import { startScanning } from "./start-scanner.js";
import type { StopStack } from "./stops.js";

/** What the scan queue needs from the rest of the daemon. */
export interface ScanQueueDeps {
  config: () => Config;
  configPath: string | null;
  redis: DaemonRedis;
  store: CampaignStore;
  logger: Logger;
  metrics: FloodgateMetrics;
  state: StateDir;
}

/** The producer and BullMQ's connection (null when the queue is off), and how many worker processes run here. */
export interface DaemonScanQueue {
  producer: ScanProducerWithQueue | null;
  bullmq: Redis | Cluster | null;
  workerProcesses: number;
}

/** Start the producer and the worker processes the configuration asks for. */
export function startScanQueue(deps: ScanQueueDeps, stops: StopStack): DaemonScanQueue {
  const c = deps.config();
  if (!c.queue.enabled) return { producer: null, bullmq: null, workerProcesses: 0 };
  // BullMQ's own role: a fail-fast command timeout could report "shed" for a job Redis did queue.
  const bullmq = deps.redis.connect("bullmq");
  const producer = createScanProducer({
    config: deps.config,
    connection: bullmq,
    subscriber: deps.redis.connect("subscriber"),
    store: deps.store,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  stops.push(() => producer.close());
  const scanning = startScanning({
    config: c,
    state: deps.state,
    logger: deps.logger,
    redisUrl: deps.redis.url,
    configPath: deps.configPath,
  });
  stops.push(() => scanning.stop());
  return { producer, bullmq, workerProcesses: c.scanWorker.processes };
}
