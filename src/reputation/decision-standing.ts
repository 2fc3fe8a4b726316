/**
 * Whether a person's decision is what judges a campaign. The store computes the state in this order
 * (lua/includes/judgedState.lua): a block, an operator's decision, a scanner's spam verdict, mailbox users'
 * decision, a scanner's ham verdict. So every decision stands except users' ham beside a scanner's spam verdict: a
 * sender holding `reports.reporters` mailboxes on the platform must not be able to clear their own campaign.
 */
import type { CampaignView, PersonDecision } from "./types.js";

/** The decision that judges the campaign, or null when there is none or a scanner's spam verdict outranks it. */
export function standingDecision(campaign: Pick<CampaignView, "decision" | "verdict">): PersonDecision | null {
  const { decision, verdict } = campaign;
  if (decision === null) return null;
  return scansDespite(decision) && verdict?.verdict === "spam" ? null : decision;
}

/** Whether scans still run for a campaign with this decision: only for mailbox users' ham, the one decision a
 * scanner's spam verdict outranks. */
export function scansDespite(decision: PersonDecision): boolean {
  return decision.how === "reporters" && decision.label === "ham";
}
