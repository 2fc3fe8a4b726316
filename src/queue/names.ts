/**
 * Names shared by the producer, the worker processes and the stats: the BullMQ key prefix, job ids and
 * deduplication ids of scans.
 */
import type { Config } from "../config/schema.js";

/** BullMQ's key prefix: the configured prefix in a hash tag, so a Redis Cluster keeps a queue's keys in one slot. */
export function bullPrefix(config: Pick<Config, "redis">): string {
  return `{${config.redis.prefix}:bull}`;
}

/** The Redis key counting jobs added (for the arrival rate). */
export function arrivalsKey(config: Pick<Config, "redis" | "queue">): string {
  return `${bullPrefix(config)}:${config.queue.name}:fg-arrivals`;
}

/**
 * The deduplication id of a scan: the campaign id for the first scan; `<id>:r<generation>` for a re-scan, where the
 * generation is what the policy saw (the campaign's `lastScanQueuedAt`), so that milter processes deciding the same
 * re-scan at once queue one job.
 */
export function deduplicationId(campaignId: string, reason: "new" | "rescan", generation: number): string {
  return reason === "new" ? campaignId : `${campaignId}:r${generation}`;
}

/** A job id of one enqueue attempt: the deduplication id made safe for BullMQ (no ":"), plus a unique suffix. */
export function jobIdFor(dedupId: string, unique: string): string {
  return `${dedupId.replace(/:/g, "_")}.${unique}`;
}
