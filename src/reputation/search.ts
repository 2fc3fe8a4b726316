/**
 * Campaign search for the console, by id or subject, kept off the mail path: it runs on the caller's own connection,
 * reads the campaigns by last seen (newest first) in pages of PAGE, and stops after `scanLimit` campaigns or `limit`
 * matches, so its cost is bounded whatever the number of campaigns; the answer says how many it looked at.
 */
import type { Cluster, Redis } from "ioredis";
import { CAMPAIGN_FIELDS, campaignKeys, CAMPAIGN_ID } from "./keys.js";

const PAGE = 500;

export interface SearchResult {
  ids: string[];
  /** Campaigns looked at. */
  searched: number;
}

/** Campaigns whose id starts with, or whose subject contains, `query` (case-insensitive). */
export async function searchCampaigns(
  redis: Redis | Cluster,
  prefix: string,
  query: string,
  options: { limit: number; scanLimit: number },
): Promise<SearchResult> {
  const keys = campaignKeys(prefix);
  const q = query.trim().toLowerCase().slice(0, 200);
  if (q === "") return { ids: [], searched: 0 };
  const ids: string[] = [];
  if (CAMPAIGN_ID.test(q) && (await redis.exists(keys.campaign(q))) === 1) ids.push(q);
  let searched = 0;
  while (searched < options.scanLimit && ids.length < options.limit) {
    const page = await redis.zrevrange(keys.top, searched, Math.min(searched + PAGE, options.scanLimit) - 1);
    if (page.length === 0) break;
    searched += page.length;
    const pipeline = redis.pipeline();
    for (const id of page) pipeline.hget(keys.campaign(id), CAMPAIGN_FIELDS.subject);
    const subjects = (await pipeline.exec()) ?? [];
    page.forEach((id, i) => {
      const subject = subjects[i]?.[1];
      const hit = id.startsWith(q) || (typeof subject === "string" && subject.toLowerCase().includes(q));
      if (hit && ids.length < options.limit && !ids.includes(id)) ids.push(id);
    });
  }
  return { ids, searched };
}
