/**
 * The Campaigns table's rows: the busiest campaigns from the store's `top(limit)` (whose cost follows `limit`, not the
 * number of campaigns), each with its copies per minute (spark.ts) and its growth over the last minute.
 */
import type { CampaignView } from "../../reputation/types.js";
import type { Row } from "./client/row.js";
import type { SparkTracker } from "./spark.js";

/** One row of the table (its shape is shared with the page: client/row.ts). */
export type CampaignRow = Row;

/** Rows of the campaigns shown, counting their growth into the tracker. */
export function campaignRows(views: readonly CampaignView[], spark: SparkTracker, now: number): CampaignRow[] {
  return views.map((v) => {
    spark.observe(v.id, v.totalCopies, now);
    return {
      id: v.id,
      state: v.state,
      subject: v.subject,
      copies: v.copies,
      totalCopies: v.totalCopies,
      recipients: v.recipients,
      senders: v.senders,
      clientIps: v.clientIps,
      firstSeen: v.firstSeen,
      lastSeen: v.lastSeen,
      verdict: v.verdict
        ? {
            verdict: v.verdict.verdict,
            scanner: v.verdict.scanner,
            score: v.verdict.score,
            threshold: v.verdict.threshold,
          }
        : null,
      decision: v.decision ? { label: v.decision.label, how: v.decision.how, by: v.decision.by } : null,
      blockedUntil: v.blockedUntil,
      spark: spark.series(v.id, now),
      growth: spark.growth(v.id, now),
    };
  });
}
