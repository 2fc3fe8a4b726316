/**
 * Reading campaigns by id and listing the busiest. `hot:<bucket>` sorted sets rank campaigns by their copies in one
 * bucket, kept to the 1,000 busiest; `top(limit)` sums the heads of the live buckets' rankings (topCampaigns-1.lua:
 * a few times `limit` each, so its cost follows what is shown, not how many campaigns exist) and tops up with the
 * most recently seen (`top`, by last seen).
 */
import { CAMPAIGN_ID } from "./keys.js";
import { runScript } from "./scripts.js";
import { scripts, type StoreContext } from "./store-context.js";
import type { CampaignStore, CampaignView } from "./types.js";

/** `top(limit)` reads the head of each bucket's ranking: `limit` times this many, and at least TOP_HEAD_MIN. */
const TOP_HEAD_FACTOR = 4;
const TOP_HEAD_MIN = 50;

/** The store's reads of campaigns by id, by rank and by count. */
export function listingOperations(ctx: StoreContext): Pick<CampaignStore, "get" | "top"> & {
  countActive(now?: number): Promise<number>;
} {
  const { redis, keys } = ctx;
  return {
    async get(id: string): Promise<CampaignView | null> {
      if (!CAMPAIGN_ID.test(id)) return null;
      const [view] = await ctx.getMany([id]);
      return view ?? null;
    },

    async top(limit: number): Promise<CampaignView[]> {
      if (limit <= 0) return [];
      const now = Date.now();
      const bucketMs = ctx.bucketMs(ctx.settings());
      const current = Math.floor(now / bucketMs);
      // The busiest in the window, from the head of each bucket's ranking: the cost follows `limit`, not the
      // number of campaigns...
      const head = Math.max(limit * TOP_HEAD_FACTOR, TOP_HEAD_MIN);
      const busiest = await runScript(redis, scripts.top, [keys.base], [current, ctx.buckets, limit, head]);
      if (!Array.isArray(busiest)) throw new Error("unexpected reply from topCampaigns");
      const ids = (busiest as unknown[]).map(String);
      // ...then, when fewer than `limit` were busy, the most recently seen.
      if (ids.length < limit) {
        const seen = new Set(ids);
        const recent = await redis.zrevrange(keys.top, 0, limit + ids.length - 1);
        for (const id of recent) if (ids.length < limit && !seen.has(id)) ids.push(id);
      }
      const views = (await ctx.getMany(ids, now)).filter((v): v is CampaignView => v !== null);
      views.sort((a, b) => b.copies - a.copies || b.lastSeen - a.lastSeen);
      return views;
    },

    async countActive(now = Date.now()): Promise<number> {
      return redis.zcount(keys.top, now - ctx.settings().windowSeconds * 1000, "+inf");
    },
  };
}
