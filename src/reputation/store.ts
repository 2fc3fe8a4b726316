/**
 * The campaign store: the Redis side of bulk detection, shared by every Floodgate (and scan worker process) that
 * uses the same Redis and prefix. Its operations live beside it by concern: matching a fingerprint to its campaign
 * (matching.ts, the hot path), reading and listing campaigns (listing.ts), what people do to a campaign
 * (relabels.ts), freeing memory before Redis is full (shedding.ts); this module composes them with the scanner's
 * verdicts. A merged campaign's id stands for the one it was merged into in every read and write (`get`, `block`,
 * verdicts, scans).
 *
 * Counting: the sliding window is `buckets` (6) buckets of window/6. Per bucket, copies are a hash field
 * (`c:<id>:n`) and distinct recipients, senders and client IPs are HyperLogLogs (`c:<id>:r|s|i:<bucket>`, ±0.81 %,
 * expiring a bucket after the window); a count is the sum, or the PFCOUNT union, of the live buckets. The window
 * therefore slides in steps of window/6: counts cover between 5/6 of the window and the whole of it.
 *
 * State, computed on every read: blocked while `blockUntil` is in the future; else spam or ham when a verdict is
 * stored; else bulk when any `campaigns.bulk` threshold is reached (`>=`) in the window; else new. `bulkSince` is
 * set when a campaign first reaches a threshold and cleared when it falls under all of them again (for the hold).
 * A block or a verdict is plain Redis state read by every observation, so it applies everywhere at the next message.
 *
 * Cluster layout (decided here): every key of a prefix carries the one hash tag `{<prefix>}`, so one script can
 * read the shingle index and write the campaign it picks atomically in one round trip. A per-campaign tag would
 * need the value lookup as a separate, cross-slot step (the values spread over the cluster), a second round trip,
 * and a race when two hosts start the same campaign at once. The cost: one deployment's campaign data lives on
 * one shard (Cluster gives failover, not sharding of this data); deployments with different prefixes spread over
 * shards. Values already owned are re-armed once per bucket, not per copy, and distinct counts are cached per bucket
 * unless this copy's PFADD changed the HyperLogLog, because a PFCOUNT over the live buckets' dense HyperLogLogs is
 * the dearest command of an observation. What an observation costs Redis is measured in benchmarks/README.md.
 *
 * Time is the caller's clock (`Observation.now`, else Date.now()): keep the MX hosts' clocks in NTP sync.
 */
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { listingOperations } from "./listing.js";
import { matchingOperations } from "./matching.js";
import { relabelOperations, type RelabelEvent } from "./relabels.js";
import { sheddingOperations, type SheddingOperations } from "./shedding.js";
import { runScript } from "./scripts.js";
import { createStoreContext, scripts } from "./store-context.js";
import type { CampaignStore, ScanVerdict } from "./types.js";
import { LINKS_KEPT, type CopyLinks } from "./verdict-links.js";
import { earlierVersionsLive } from "./versions.js";

export type { RelabelEvent } from "./relabels.js";

/** Options of `createCampaignStore`. */
export interface CampaignStoreOptions {
  /** The key prefix (`redis.prefix`). */
  prefix: string;
  /** The campaign settings, or a function returning the current ones (read at each call, so a reload applies). */
  campaigns: Config["campaigns"] | (() => Config["campaigns"]);
  /** Buckets in the sliding window. @defaultValue 6 */
  buckets?: number;
  /** Whether `close()` closes the Redis connection. @defaultValue true */
  closeConnection?: boolean;
  /** Hears every relabel (for the log: who, why, what it did). */
  onRelabel?: (event: RelabelEvent) => void;
}

/** A campaign store with the extra reads and the write probe of the daemon's health. */
export interface RedisCampaignStore extends CampaignStore, SheddingOperations {
  /** Campaigns seen within the window (for `floodgate_campaigns_active`). */
  countActive(now?: number): Promise<number>;
  /** One small write in the store's slot (a key that expires): rejects as Redis rejects the mail path's writes. */
  probeWrite(now?: number): Promise<void>;
  /** Whether the store may still hold keys of an earlier fingerprint version (./versions.ts); it may look through
   * the store's keys to tell, off the mail path. */
  earlierVersionsLive(now?: number): Promise<boolean>;
}

/** The campaign store over a Redis connection (standalone, Sentinel or Cluster). */
export function createCampaignStore(redis: Redis | Cluster, options: CampaignStoreOptions): RedisCampaignStore {
  const ctx = createStoreContext(redis, options.prefix, options.buckets ?? 6, options.campaigns);
  const { keys } = ctx;
  const closeConnection = options.closeConnection ?? true;

  return {
    verdictChannel: keys.verdictChannel,
    ...matchingOperations(ctx),
    ...listingOperations(ctx),
    ...relabelOperations(ctx, options.onRelabel),
    ...sheddingOperations(ctx),

    async probeWrite(now = Date.now()): Promise<void> {
      await redis.set(`${keys.base}probe`, String(now), "PX", 60_000);
    },

    earlierVersionsLive(now = Date.now()): Promise<boolean> {
      return earlierVersionsLive(redis, keys, ctx.settings().ttlSeconds * 1000, now);
    },

    async recordVerdict(id: string, verdict: ScanVerdict, links?: CopyLinks): Promise<void> {
      await runScript(
        redis,
        scripts.verdict,
        [keys.campaign(id), keys.base],
        [
          verdict.verdict,
          String(verdict.score),
          verdict.scanner,
          verdict.at,
          keys.verdictChannel,
          JSON.stringify(verdict),
          verdict.threshold === null ? "" : String(verdict.threshold),
          verdict.rules.join(","),
          id,
          links === undefined ? "" : links.complete ? "complete" : "partial",
          links === undefined ? "" : links.links.slice(0, LINKS_KEPT).join(" "),
        ],
      );
    },

    async markScanQueued(id: string, now = Date.now()): Promise<void> {
      await runScript(redis, scripts.markScan, [keys.campaign(id), keys.base], [now, id]);
    },

    async close(): Promise<void> {
      if (!closeConnection) return;
      try {
        await Promise.race([
          redis.quit(),
          new Promise((_, reject) => setTimeout(() => reject(new Error("quit timeout")), 1000).unref()),
        ]);
      } catch {
        redis.disconnect();
      }
    },
  };
}
