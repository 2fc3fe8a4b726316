/**
 * The Campaigns table's rows: the busiest campaigns from the store's `top(limit)` (whose cost follows `limit`, not the
 * number of campaigns), each with its copies per minute (spark.ts) and its growth over the last minute.
 */
import { standingDecision } from "../../reputation/decision-standing.js";
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
      decision: decisionShown(v),
      blockedUntil: v.blockedUntil,
      spark: spark.series(v.id, now),
      growth: spark.growth(v.id, now),
    };
  });
}

/** The decision the row shows in place of the verdict: the one that judges the campaign (a scanner's spam verdict
 * outranks users' ham, and the row then shows the verdict). */
function decisionShown(v: CampaignView): Row["decision"] {
  const decision = standingDecision(v);
  return decision ? { label: decision.label, how: decision.how, by: decision.by } : null;
}
