/**
 * What a scanner's ham verdict says of one copy (README, "What a ham verdict covers"). A campaign's copies share a
 * text, but what a recipient is led to can change from copy to copy: a sender gets a ham verdict on copies linking to
 * something harmless, then sends the same text linking elsewhere, or with another kind of file attached. So a ham
 * verdict covers the links (the registrable domains linked to, and the kinds of the files attached:
 * src/reputation/verdict-links.ts) of the copies it judged. A copy carrying a link it did not cover, or one whose
 * parse stopped short of its end, stands as a copy of an unjudged campaign (bulk or new by the counts) and is scanned,
 * at most once each `queue.rescanNewLinksSeconds` for the campaign; that scan's verdict judges only what the copy
 * added. A copy carrying a link such a scan called spam is refused. A person's decision, and a verdict recorded
 * without links, cover every copy.
 */
import type { Config } from "../config/schema.js";
import { standingDecision } from "../reputation/decision-standing.js";
import type { CampaignView } from "../reputation/types.js";
import { copyLinks, type CopyLinks, type LinkSource } from "../reputation/verdict-links.js";

/** Whether a ham verdict covers only its copies' links (`queue.rescanNewLinksSeconds` above 0), else every copy. */
export function linksRuleOn(queue: Pick<Config["queue"], "rescanNewLinksSeconds">): boolean {
  return queue.rescanNewLinksSeconds > 0;
}

/** The links a scan of this copy records with its verdict, so the store knows what it judged: none with the rule off
 * (the verdict then covers every copy). */
export function scannedLinks(
  queue: Pick<Config["queue"], "rescanNewLinksSeconds">,
  fp: LinkSource,
): CopyLinks | undefined {
  return linksRuleOn(queue) ? copyLinks(fp) : undefined;
}

/** What a campaign's ham verdict covers and what its scans refused, or null when its state holds for every copy: no
 * scanner's ham verdict, one recorded without links, a person's decision, or `enabled` false. */
export function verdictScope(
  campaign: Pick<CampaignView, "state" | "verdict" | "decision" | "links">,
  enabled: boolean,
): { covered: readonly string[]; refused: readonly string[] } | null {
  const covered = campaign.links.ham;
  if (!enabled || campaign.state !== "ham" || covered === null || campaign.verdict?.verdict !== "ham") return null;
  if (standingDecision(campaign) !== null) return null;
  return { covered, refused: campaign.links.spam };
}

/** How a copy stands to its campaign's ham verdict: it carries a link a scan called spam, or one none covered. */
export type LinkStanding = "spam" | "unscanned";

/** The copy's standing, or null when the campaign's state holds for it as it is (no scanner's ham verdict, one
 * covering every copy, a person's decision, `enabled` false, or every link of the copy covered). The copy's links
 * are read only for a campaign a scanner judged ham: most mail has none. */
export function linkStanding(
  campaign: Pick<CampaignView, "state" | "verdict" | "decision" | "links">,
  fingerprint: LinkSource,
  enabled: boolean,
): LinkStanding | null {
  const scope = verdictScope(campaign, enabled);
  if (scope === null) return null;
  const copy = copyLinks(fingerprint);
  const spam = new Set(scope.refused);
  if (copy.links.some((link) => spam.has(link))) return "spam";
  const coveredSet = new Set(scope.covered);
  return copy.complete && copy.links.every((link) => coveredSet.has(link)) ? null : "unscanned";
}

/**
 * The campaign as this copy stands in it: refused as spam, or unjudged (bulk or new by its counts, no verdict, so a
 * verdict may be waited for); the campaign itself when its state holds for the copy. Either way the ham verdict is
 * not the copy's, so its score is not named in the status header.
 */
export function copyView(campaign: CampaignView, standing: LinkStanding | null): CampaignView {
  if (standing === null) return campaign;
  if (standing === "spam") return { ...campaign, state: "spam", verdict: null };
  return { ...campaign, state: campaign.bulkSince !== null ? "bulk" : "new", verdict: null };
}

/** The status header's detail: `links=spam` or `links=unscanned`; nothing when the campaign's state holds. */
export function linksDetail(standing: LinkStanding | null): string {
  return standing === null ? "" : `links=${standing}`;
}
