/**
 * What every operation of one campaign store shares: its connection, key names, window settings and scripts, and
 * the one read of campaign views the others build on.
 */
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { campaignKeys, type CampaignKeys } from "./keys.js";
import { parseView } from "./replies.js";
import { loadScript, runScript } from "./scripts.js";
import type { CampaignView } from "./types.js";

export const scripts = {
  observe: loadScript("observeMessage-3.lua"),
  match: loadScript("matchFingerprint-2.lua"),
  get: loadScript("getCampaigns-1.lua"),
  block: loadScript("blockCampaign-2.lua"),
  verdict: loadScript("recordVerdict-2.lua"),
  relabel: loadScript("relabelCampaign-2.lua"),
  markScan: loadScript("markScanQueued-2.lua"),
  top: loadScript("topCampaigns-1.lua"),
  lookup: loadScript("lookupCampaign-2.lua"),
};

/** Campaigns read per getCampaigns call. */
const GET_CHUNK = 50;

/** One store's connection, keys and settings. */
export interface StoreContext {
  readonly redis: Redis | Cluster;
  readonly keys: CampaignKeys;
  /** Buckets in the sliding window. */
  readonly buckets: number;
  /** The current campaign settings (read at each call, so a reload applies). */
  settings(): Config["campaigns"];
  /** The window and bulk thresholds, as the scripts that compute a campaign's state take them. */
  windowArgs(c: Config["campaigns"]): number[];
  /** The length of a bucket of the window, ms, as the scripts work it out. */
  bucketMs(c: Config["campaigns"]): number;
  /** Views of campaigns (null for one unknown), read GET_CHUNK at a time so a long list never blocks Redis for long. */
  getMany(ids: readonly string[], now?: number): Promise<(CampaignView | null)[]>;
}

export function createStoreContext(
  redis: Redis | Cluster,
  prefix: string,
  buckets: number,
  campaigns: Config["campaigns"] | (() => Config["campaigns"]),
): StoreContext {
  const keys = campaignKeys(prefix);
  const settings = typeof campaigns === "function" ? campaigns : () => campaigns;
  const windowArgs = (c: Config["campaigns"]) => [
    c.windowSeconds,
    buckets,
    c.bulk.copies,
    c.bulk.recipients,
    c.bulk.senders,
  ];
  const bucketMs = (c: Config["campaigns"]) => Math.floor((c.windowSeconds * 1000) / buckets);
  async function getMany(ids: readonly string[], now = Date.now()): Promise<(CampaignView | null)[]> {
    const out: (CampaignView | null)[] = [];
    for (let i = 0; i < ids.length; i += GET_CHUNK) {
      const chunk = ids.slice(i, i + GET_CHUNK);
      const raw = await runScript(redis, scripts.get, [keys.base], [now, ...windowArgs(settings()), ...chunk]);
      if (!Array.isArray(raw)) throw new Error("unexpected reply from getCampaigns");
      for (const r of raw as unknown[]) out.push(Array.isArray(r) ? parseView(r) : null);
    }
    return out;
  }
  return { redis, keys, buckets, settings, windowArgs, bucketMs, getMany };
}
