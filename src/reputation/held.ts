/**
 * Copies held in the MTAs' hold queues, recorded with their campaign in Redis, per MTA host: each host's daemon acts
 * on its own queue through its own helper. No key here expires: a record leaves only when its copy is released,
 * deleted or found gone, so a held copy is never forgotten, whatever restarts. A campaign keeps at most
 * `maxPerCampaign` copies per host (past it the policy tempfails instead). Every key carries the store's hash tag.
 *
 * An operator's order (the console's "release" or "delete held copies") is a key per campaign, read by every host's
 * sweep, applying to the copies held before it; it expires after a day.
 */
import type { Cluster, Redis } from "ioredis";
import { campaignKeys, CAMPAIGN_ID } from "./keys.js";
import { loadScript, runScript } from "./scripts.js";
import { CAMPAIGN_HISTORY_LENGTH, type Actor, type HistoryEntry } from "./types.js";

/** A copy held on one host. */
export interface HeldCopy {
  /** The MTA's queue id. */
  id: string;
  /** Unix ms when it was held. */
  at: number;
}

/** An operator's order on a campaign's held copies. */
export interface HoldOrder extends Actor {
  action: "release" | "delete";
  /** Unix ms; the order applies to copies held up to then. */
  at: number;
}

export interface HeldStore {
  /** Record a held copy; false when the campaign has `max` copies held on this host already. */
  record(campaignId: string, host: string, queueId: string, max: number, now?: number): Promise<boolean>;
  /** Campaigns with copies held on `host`, the longest held first. */
  campaigns(host: string, limit: number): Promise<string[]>;
  /** A campaign's copies held on `host`, oldest first; with `heldUpTo`, only those held up to then. */
  copies(campaignId: string, host: string, limit: number, heldUpTo?: number): Promise<HeldCopy[]>;
  /** Forget copies no longer held. */
  remove(campaignId: string, host: string, ids: readonly string[]): Promise<number>;
  /** Copies held on `host`. */
  count(host: string): Promise<number>;
  /** Copies of one campaign held, on every host. */
  countCampaign(campaignId: string): Promise<number>;
  /** An operator's order, logged in the campaign's history. */
  order(campaignId: string, action: HoldOrder["action"], by: Actor, now?: number): Promise<void>;
  orderOf(campaignId: string): Promise<HoldOrder | null>;
  /** Keep a deleted copy as the campaign's sample (the first one stays) for `ttlSeconds`. */
  saveSample(campaignId: string, sample: Buffer, ttlSeconds: number): Promise<void>;
  sample(campaignId: string): Promise<Buffer | null>;
  /** Add a line to the campaign's history (what the sweep did). */
  log(campaignId: string, entry: HistoryEntry): Promise<void>;
}

const scripts = { record: loadScript("recordHeld-4.lua"), remove: loadScript("removeHeld-3.lua") };

/** How long an operator's order stays readable by every host's sweep. */
const ORDER_TTL_SECONDS = 86_400;

const HOST = /^[A-Za-z0-9._-]{1,100}$/;

function checkHost(host: string): string {
  if (!HOST.test(host)) throw new Error(`not a host name: ${JSON.stringify(host)}`);
  return host;
}

export function createHeldStore(redis: Redis | Cluster, prefix: string): HeldStore {
  const keys = campaignKeys(prefix);
  const base = keys.base;
  const copiesKey = (id: string, host: string) => `${keys.campaign(id)}:held:${checkHost(host)}`;
  const indexKey = (host: string) => `${base}held:${checkHost(host)}`;
  const countKey = (host: string) => `${indexKey(host)}:n`;
  const hostsKey = `${base}held-hosts`;
  const orderKey = (id: string) => `${keys.campaign(id)}:holdOrder`;
  const sampleKey = (id: string) => `${keys.campaign(id)}:sample`;

  const store: HeldStore = {
    async record(campaignId, host, queueId, max, now = Date.now()) {
      const done = await runScript(
        redis,
        scripts.record,
        [copiesKey(campaignId, host), indexKey(host), countKey(host), hostsKey],
        [queueId, now, max, campaignId, host],
      );
      return done === 1;
    },

    campaigns: (host, limit) => redis.zrange(indexKey(host), "0", String(limit - 1)),

    async copies(campaignId, host, limit, heldUpTo) {
      const raw = await redis.zrangebyscore(
        copiesKey(campaignId, host),
        "-inf",
        heldUpTo === undefined ? "+inf" : String(heldUpTo),
        "WITHSCORES",
        "LIMIT",
        0,
        limit,
      );
      const out: HeldCopy[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) out.push({ id: raw[i] as string, at: Number(raw[i + 1]) });
      return out;
    },

    async remove(campaignId, host, ids) {
      if (ids.length === 0) return 0;
      const keys3 = [copiesKey(campaignId, host), indexKey(host), countKey(host)];
      return Number(await runScript(redis, scripts.remove, keys3, [campaignId, ...ids]));
    },

    async count(host) {
      return Number((await redis.get(countKey(host))) ?? 0);
    },

    async countCampaign(campaignId) {
      if (!CAMPAIGN_ID.test(campaignId)) return 0;
      const hosts = await redis.smembers(hostsKey);
      let total = 0;
      for (const host of hosts) if (HOST.test(host)) total += await redis.zcard(copiesKey(campaignId, host));
      return total;
    },

    async order(campaignId, action, by, now = Date.now()) {
      if (!CAMPAIGN_ID.test(campaignId)) throw new Error(`no campaign ${campaignId}`);
      const order: HoldOrder = { action, actor: by.actor, reason: by.reason.slice(0, 200), at: now };
      await redis.set(orderKey(campaignId), JSON.stringify(order), "EX", ORDER_TTL_SECONDS);
      await store.log(campaignId, { at: now, actor: by.actor, action: `${action}-held`, why: order.reason });
    },

    async orderOf(campaignId) {
      const raw = await redis.get(orderKey(campaignId));
      if (raw === null) return null;
      try {
        const order = JSON.parse(raw) as HoldOrder;
        return order.action === "release" || order.action === "delete" ? order : null;
      } catch {
        return null;
      }
    },

    async saveSample(campaignId, sample, ttlSeconds) {
      if (ttlSeconds > 0) await redis.set(sampleKey(campaignId), sample, "EX", ttlSeconds, "NX");
    },

    sample: (campaignId) => redis.getBuffer(sampleKey(campaignId)),

    async log(campaignId, entry) {
      await redis.lpush(keys.history(campaignId), JSON.stringify(entry));
      await redis.ltrim(keys.history(campaignId), 0, CAMPAIGN_HISTORY_LENGTH - 1);
      // As long as the campaign lives, and a day at least (as the relabel script keeps it).
      const ttl = Math.max(await redis.pttl(keys.campaign(campaignId)), ORDER_TTL_SECONDS * 1000);
      await redis.pexpire(keys.history(campaignId), ttl);
    },
  };
  return store;
}
