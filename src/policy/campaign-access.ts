/**
 * The policy's one way to its campaign in Redis: count the copy (observe) and get the campaign's view. Two ways
 * Redis can fail here do not leave the message unjudged:
 * - Redis answers but refuses writes (a replica after a failover, READONLY; at maxmemory with noeviction, OOM):
 *   reads still work, so the campaign is looked up read-only and a known verdict, block or hold applies though the
 *   copy is not counted. Only a campaign Redis does not know gets the fail mode, as redis-readonly or redis-oom.
 * - The connection is being made again (after READONLY it asks Sentinel for the master; a failover closes
 *   clients): a command the client did not send because it was not connected is sent again once it is, for a
 *   moment inside the deadline. Only in the first seconds without a connection: past them Redis is down, not
 *   reconnecting, and every message would wait the same moment for nothing.
 * Every outcome of a write is reported to `RedisWrites`, so the health sees a Redis that refuses writes as mail meets it.
 */
import type { FloodgateMetrics } from "../metrics/metrics.js";
import { writeRefusalOf, type RedisWrites, type WriteRefusal } from "../redis/write-refusal.js";
import type { Fingerprint } from "../fingerprint/types.js";
import type { CampaignStore, CampaignView, Observation } from "../reputation/types.js";
import type { FailReason } from "../vocabulary/fail-reasons.js";
import type { Deadline } from "../vocabulary/deadline.js";

/** The campaign of a copy, and whether the copy was counted in it. */
export interface CampaignAccess {
  campaign: CampaignView;
  counted: boolean;
}

/** Why no campaign view could be had: the fail reason and the error behind it. */
export interface CampaignUnavailable {
  reason: FailReason;
  error: Error;
}

/** ioredis's words for a command it did not send because the connection was not up (enableOfflineQueue off). */
const NOT_SENT = /Stream isn't writeable/;
/** ... and for any command lost to a connection going away; only a read is sent again after it. */
const CONNECTION_GONE = /Stream isn't writeable|Connection is closed/;
const RECONNECT_POLL_MS = 25;
/** A reconnect is waited for this long after the connection was first found down; past it, Redis is down. */
const RECONNECTING_MS = 5000;

const REFUSAL_REASONS: Record<WriteRefusal, FailReason> = { readonly: "redis-readonly", oom: "redis-oom" };

export interface CampaignAccessOptions {
  store: CampaignStore;
  /** Told of every write's outcome. */
  writes?: RedisWrites;
  /** Maps any other Redis failure to its fail reason. */
  failReason: (error: unknown) => FailReason;
  metrics: Pick<
    FloodgateMetrics,
    "redisDuration" | "redisWriteRefusalsTotal" | "campaignMatchesTotal" | "campaignMergesTotal"
  >;
  /** Milliseconds, monotonic. @defaultValue performance.now */
  clock?: () => number;
}

/** Observe and read-only lookup with the fallbacks above. */
export function campaignAccess(options: CampaignAccessOptions) {
  const { store, writes, failReason, metrics } = options;
  const clock = options.clock ?? (() => performance.now());
  /** When a command first found the connection down since one last went through; null while connected. */
  let downSince: number | null = null;
  const answered = () => {
    downSince = null;
  };

  /** `command` until it is sent, while the connection comes back, for at most `graceMs` of the deadline. */
  async function whenConnected<T>(command: () => Promise<T>, dl: Deadline, graceMs: number, retry: RegExp) {
    const until = clock() + graceMs;
    for (;;) {
      try {
        const result = await dl.race(command());
        answered();
        return result;
      } catch (err) {
        const now = clock();
        const gone = err instanceof Error && retry.test(err.message);
        if (gone) downSince ??= now;
        const again = gone && now - (downSince ?? now) < RECONNECTING_MS && now + RECONNECT_POLL_MS < until;
        if (!again) throw err;
        await dl.race(new Promise((resolve) => setTimeout(resolve, RECONNECT_POLL_MS)));
      }
    }
  }

  /** Count the copy and get its campaign; or the campaign read-only when Redis refuses the write. */
  async function observe(
    observation: Observation,
    dl: Deadline,
    graceMs: number,
  ): Promise<CampaignAccess | CampaignUnavailable> {
    const started = performance.now();
    try {
      const campaign = await whenConnected(() => store.observe(observation), dl, graceMs, NOT_SENT);
      writes?.accepted();
      metrics.campaignMatchesTotal.inc({ by: campaign.foundBy });
      if (campaign.mergedNow > 0) metrics.campaignMergesTotal.inc(campaign.mergedNow);
      return { campaign, counted: true };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const refusal = writes ? writes.refused(err) : writeRefusalOf(err);
      if (refusal === null) return { reason: failReason(err), error };
      answered();
      return lookUp(observation.fingerprint, REFUSAL_REASONS[refusal], error, dl);
    } finally {
      metrics.redisDuration.observe((performance.now() - started) / 1000);
    }
  }

  /** The campaign read-only, waiting for the connection the READONLY answer makes the client open again. */
  async function lookUp(
    fingerprint: Fingerprint,
    reason: FailReason,
    refused: Error,
    dl: Deadline,
  ): Promise<CampaignAccess | CampaignUnavailable> {
    let known: CampaignView | null;
    try {
      known = await whenConnected(() => store.lookup(fingerprint), dl, dl.remaining(), CONNECTION_GONE);
    } catch (err) {
      return { reason: failReason(err), error: err instanceof Error ? err : new Error(String(err)) };
    }
    metrics.redisWriteRefusalsTotal.inc({ reason, outcome: known ? "looked-up" : "unknown" });
    return known ? { campaign: known, counted: false } : { reason, error: refused };
  }

  return { observe };
}
