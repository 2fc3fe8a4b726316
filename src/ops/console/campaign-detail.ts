/**
 * A campaign's page: the campaign, what its ham verdict covers, its samples (the sample message's visible text,
 * subjects, link domains, attachment digests, sender domains, client networks), its timeline (first seen, bulk, scans,
 * verdicts, reports, blocks, who did what, from the store's bounded history) and its copies per minute.
 */
import { explainOptions } from "../../fingerprint/explain.js";
import { linksRuleOn, verdictScope } from "../../policy/link-cover.js";
import { noSamples, type CampaignSamples } from "../../reputation/samples.js";
import type { CampaignView, HistoryEntry } from "../../reputation/types.js";
import { sampleText, type SampleText } from "./sample-text.js";
import type { SparkTracker } from "./spark.js";
import type { ConsoleDeps } from "./types.js";

/** One line of the timeline. */
export interface TimelineEntry {
  at: number;
  what: string;
  /** Who: "floodgate", a scanner, or the actor of a person's change. */
  by: string;
  detail: string;
}

/** Entries of a list the page shows at most: a verdict keeps up to 256 of each. */
export const COVER_SHOWN = 20;

/** The first entries of a list, and how many more it holds. */
export interface BoundedList {
  shown: string[];
  more: number;
}

/**
 * What a ham campaign's verdict covers (README, "What a ham verdict covers"), as the policy applies it
 * (src/policy/link-cover.ts): `covered` null when it covers every copy (a person's decision, a verdict recorded
 * without links, the rule off); else the entries its copies' scans covered and those a scan called spam, whose
 * copies are refused. Entries are opaque (registrable domains, and other kinds may join): the page shows them as
 * they are.
 */
export interface VerdictCover {
  covered: BoundedList | null;
  refused: BoundedList;
}

export interface CampaignDetail {
  campaign: CampaignView;
  /** Null unless the campaign is ham. */
  cover: VerdictCover | null;
  samples: Omit<CampaignSamples, "message"> & { message: SampleText | null; messageError?: string };
  timeline: TimelineEntry[];
  spark: number[];
  held: number | null;
}

/** The timeline, newest first: the campaign's own times and its history. */
export function timeline(view: CampaignView, history: readonly HistoryEntry[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: view.firstSeen, what: "first seen", by: "floodgate", detail: view.subject }];
  if (view.bulkSince !== null) entries.push({ at: view.bulkSince, what: "bulk", by: "floodgate", detail: "" });
  if (view.lastScanQueuedAt > 0)
    entries.push({ at: view.lastScanQueuedAt, what: "scan queued", by: "floodgate", detail: "" });
  if (view.verdict) {
    const v = view.verdict;
    const threshold = v.threshold === null ? "" : ` / ${v.threshold}`;
    const rules = v.rules.length > 0 ? ` (${v.rules.join(", ")})` : "";
    entries.push({
      at: v.at,
      what: `verdict ${v.verdict}`,
      by: v.scanner,
      detail: `score ${v.score}${threshold}${rules}`,
    });
  }
  for (const h of history) {
    const label = h.label ? ` ${h.label}` : "";
    const state = h.state ? ` → ${h.state}` : "";
    entries.push({ at: h.at, what: `${h.action}${label}`, by: h.actor, detail: `${h.why}${state}`.trim() });
  }
  return entries.sort((a, b) => b.at - a.at);
}

const bounded = (list: readonly string[]): BoundedList => ({
  shown: list.slice(0, COVER_SHOWN),
  more: Math.max(0, list.length - COVER_SHOWN),
});

/** What the campaign's ham verdict covers (../../policy/link-cover.ts `verdictScope`); null unless it is ham.
 * `enabled`: the links rule is on (`linksRuleOn`). */
export function verdictCover(
  view: Pick<CampaignView, "state" | "verdict" | "decision" | "links">,
  enabled: boolean,
): VerdictCover | null {
  if (view.state !== "ham") return null;
  const scope = verdictScope(view, enabled);
  return scope === null
    ? { covered: null, refused: bounded([]) }
    : { covered: bounded(scope.covered), refused: bounded(scope.refused) };
}

/** Everything the campaign page shows; null when there is no such campaign. */
export async function campaignDetail(
  deps: ConsoleDeps,
  spark: SparkTracker,
  id: string,
  now: number,
): Promise<CampaignDetail | null> {
  const view = await deps.store.get(id);
  if (!view) return null;
  const [history, kept, held] = await Promise.all([
    deps.store.history(id),
    deps.samples?.read(id) ?? null,
    deps.held?.count(id).catch(() => null) ?? null,
  ]);
  const { message, ...lists } = kept ?? noSamples();
  let text: SampleText | null = null;
  let messageError: string | undefined;
  if (message) {
    try {
      text = await sampleText(message, explainOptions(deps.config().fingerprint));
    } catch (err) {
      messageError = `the sample could not be read: ${(err as Error).message}`;
    }
  }
  return {
    campaign: view,
    cover: verdictCover(view, linksRuleOn(deps.config().queue)),
    samples: { ...lists, message: text, ...(messageError ? { messageError } : {}) },
    timeline: timeline(view, history),
    spark: spark.series(id, now),
    held,
  };
}
