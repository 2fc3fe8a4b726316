/**
 * The end-of-message decision as pure functions: from a campaign's state (and the allowlist, the clock and the
 * policy settings) to an action and a reason; from a decision to the verdict sent and the status header; and
 * whether a heavy scan is due. No I/O here, so every row of the table is a unit test.
 */
import type { ParseLimit, SkipReason } from "../fingerprint/types.js";
import { scansDespite, standingDecision } from "../reputation/decision-standing.js";
import type { CampaignView, PersonDecision, ScanVerdict } from "../reputation/types.js";
import { CAMPAIGN_HEADER } from "../vocabulary/own-headers.js";
import type { EndOfMessageResult, Verdict } from "../vocabulary/verdict.js";
import { failModeVerdict, failReply, skippedStatus, type FailReason } from "../vocabulary/fail-reasons.js";

/** What the policy would do to the message: "quarantine" accepts it into the MTA's hold queue. */
export type Action = "continue" | "reject" | "tempfail" | "quarantine";

/** What a fail mode may do to the message. */
export type FailAction = Exclude<Action, "quarantine">;

/** Why; the second part of the status header. */
export type DecisionReason =
  "campaign-blocked" | "campaign-spam" | "bulk-hold" | "bulk" | "bulk-allowlisted" | "ham" | "new";

/** A decision before shadow mode is applied. */
export interface Decision {
  action: Action;
  reason: DecisionReason;
}

/** The settings the decision reads (`policy.*`). */
export interface DecisionSettings {
  holdBulk: boolean;
  holdSeconds: number;
  /** How a held copy is held: 451 (the sender retries) or the MTA's hold queue. */
  holdMode: "tempfail" | "quarantine";
}

/** Everything the decision depends on. */
export interface DecisionInput {
  campaign: Pick<CampaignView, "state" | "bulkSince">;
  /** Whether the message matched the allowlist (only bulk holds look at it). */
  allowlisted: boolean;
  /** Whether the campaign has a scanner's ham verdict that does not cover this copy's links (./link-cover.ts): its
   * bulk is not held. The copy is scanned at once; holding copies of what a scanner judged ham held legitimate mail
   * (a newsletter's next issue joining its campaign). @defaultValue false */
  unscannedLinks?: boolean;
  /** Unix ms. */
  now: number;
  settings: DecisionSettings;
}

/**
 * The decision table:
 * blocked → reject; spam verdict → reject; ham verdict → continue; bulk and allowlisted → continue;
 * bulk within `holdSeconds` of turning bulk with `holdBulk` → tempfail, or quarantine with `holdMode: quarantine`,
 * unless its campaign's ham verdict does not cover the copy's links (`unscannedLinks`);
 * other bulk → continue; new → continue.
 */
export function decide(input: DecisionInput): Decision {
  const { campaign, allowlisted, now, settings, unscannedLinks = false } = input;
  switch (campaign.state) {
    case "blocked":
      return { action: "reject", reason: "campaign-blocked" };
    case "spam":
      return { action: "reject", reason: "campaign-spam" };
    case "ham":
      return { action: "continue", reason: "ham" };
    case "bulk": {
      if (allowlisted) return { action: "continue", reason: "bulk-allowlisted" };
      const since = campaign.bulkSince ?? now;
      const held =
        settings.holdBulk && !unscannedLinks && settings.holdSeconds > 0 && now < since + settings.holdSeconds * 1000;
      if (!held) return { action: "continue", reason: "bulk" };
      return { action: settings.holdMode === "quarantine" ? "quarantine" : "tempfail", reason: "bulk-hold" };
    }
    case "new":
      return { action: "continue", reason: "new" };
  }
}

/**
 * The campaign as it is once a verdict arrived for it: a block and a standing decision still win (users' ham gives
 * way to a spam verdict, as in the store), and an "unsure" verdict judges nothing.
 */
export function withVerdict<T extends Pick<CampaignView, "state" | "verdict" | "decision">>(
  campaign: T,
  verdict: ScanVerdict,
): T {
  const judged = { ...campaign, verdict };
  if (campaign.state === "blocked" || verdict.verdict === "unsure" || standingDecision(judged) !== null) return judged;
  return { ...judged, state: verdict.verdict };
}

/** Who made a person's decision: "operator" for an operator's report, else how it was made (pin, reporters). */
function deciderOf(decision: PersonDecision): string {
  return decision.how === "report" ? "operator" : decision.how;
}

/** Who judged the campaign: a person (operator, pin, reporters), the scanner of its verdict, or none. */
export function judgedBy(campaign: Pick<CampaignView, "state" | "verdict" | "decision">): string {
  if (campaign.state === "blocked") return "operator";
  const decision = standingDecision(campaign);
  if (decision !== null) return deciderOf(decision);
  if (campaign.verdict !== null && campaign.verdict.verdict !== "unsure") return campaign.verdict.scanner;
  return "none";
}

/**
 * Who decided and how sure, the status header's third part (README, "The status header"): `by=operator`, `by=pin` or
 * `by=reporters` for a person's decision; else `scanner=NAME score=N threshold=N` for the scanner's last verdict
 * (an unsure one too); nothing when neither is known.
 */
export function statusDetails(campaign: Pick<CampaignView, "state" | "verdict" | "decision">): string {
  const { verdict } = campaign;
  const decision = standingDecision(campaign);
  if (campaign.state === "blocked") return "by=operator";
  if (decision !== null) return `by=${deciderOf(decision)}`;
  if (verdict === null) return "";
  const tenth = (n: number) => String(Math.round(n * 10) / 10);
  const threshold = verdict.threshold === null ? "" : ` threshold=${tenth(verdict.threshold)}`;
  return `scanner=${verdict.scanner} score=${tenth(verdict.score)}${threshold}`;
}

/**
 * The status header's detail for a message whose MIME parse stopped at a limit (`parse=depth`, `parts`, `header` or
 * `error`) or whose style cascade spent its budget (`parse=style`): no mail client builds one, so a downstream
 * filter may weigh it; nothing for any other message.
 */
export function parseDetail(limit: ParseLimit | null): string {
  return limit === null ? "" : `parse=${limit}`;
}

/** Details of the status header joined as its grammar has them: space-separated, the empty ones left out. */
export function joinDetails(...details: string[]): string {
  return details.filter((detail) => detail !== "").join(" ");
}

/** The verdict sent to the MTA and the status header value, with the quarantine reason when the copy is held. */
export interface Outcome {
  verdict: Verdict;
  status: string;
  quarantine?: string;
}

/**
 * Turn a decision into what is sent: shadow mode tags (`shadow-reject; …`) and always continues. The status header is
 * `ACTION; REASON` and, when `details` (statusDetails) is not empty, `; DETAILS`.
 */
export function outcomeOf(decision: Decision, campaignId: string, shadow: boolean, details = ""): Outcome {
  const { action } = decision;
  const reason = details === "" ? decision.reason : `${decision.reason}; ${details}`;
  if (action === "continue") return { verdict: { kind: "continue" }, status: `continue; ${reason}` };
  if (shadow) return { verdict: { kind: "continue" }, status: `shadow-${action}; ${reason}` };
  if (action === "quarantine") {
    return {
      verdict: { kind: "continue" },
      status: `quarantine; ${reason}`,
      quarantine: `Floodgate: bulk campaign ${campaignId} held for review`,
    };
  }
  if (action === "reject") {
    const why = decision.reason === "campaign-blocked" ? "is blocked" : "was found to be spam";
    return {
      verdict: {
        kind: "reject",
        reply: { code: 550, xcode: "5.7.1", text: `Message refused: bulk campaign ${campaignId} ${why}` },
      },
      status: `reject; ${reason}`,
    };
  }
  return {
    verdict: {
      kind: "tempfail",
      reply: { code: 451, xcode: "4.7.1", text: `Bulk campaign ${campaignId} is held for review, try again later` },
    },
    status: `tempfail; ${reason}`,
  };
}

const SKIP_REASONS: Record<SkipReason, FailReason> = {
  unparsed: "unparsed",
  "thread-died": "thread-died",
  timeout: "pool-timeout",
  "pool-full": "pool-full",
  "pool-down": "pool-down",
  large: "pool-large",
};

/** The fail reason of a message the fingerprint pool skipped. */
export function skipFailReason(reason: SkipReason): FailReason {
  return SKIP_REASONS[reason];
}

/** The fail mode's outcome: `skipped; reason=…` (and `; DETAILS` when given) and continue, or tempfail or reject
 * (never in shadow mode). */
export function failOutcome(reason: FailReason, mode: FailAction, shadow: boolean, details = ""): Outcome {
  const status = details === "" ? skippedStatus([reason]) : `${skippedStatus([reason])}; ${details}`;
  if (mode === "continue" || shadow) return { verdict: { kind: "continue" }, status };
  if (mode === "reject") return { verdict: { kind: "reject", reply: failReply(reason, "reject") }, status };
  return { verdict: failModeVerdict("tempfail", reason), status };
}

/** The settings the scan decision reads (`queue.*`). */
export interface ScanSettings {
  scanAtCopies: number;
  rescanAfterCopies: number;
  rescanAfterSeconds: number;
  rescanNewLinksSeconds: number;
}

/**
 * Whether to queue a heavy scan for this campaign now: "new" when it never had one, has no verdict and has reached
 * `scanAtCopies` copies; "rescan" after `rescanAfterCopies` copies or `rescanAfterSeconds` since the last one, or
 * for a copy carrying links its ham verdict did not cover (`unscannedLinks`, ./link-cover.ts) `rescanNewLinksSeconds`
 * after it; never for a blocked campaign nor for one a person decided (no scan may override that), except mailbox
 * users' ham, which a scanner's spam verdict outranks.
 */
export function scanReason(
  campaign: Pick<CampaignView, "state" | "verdict" | "decision" | "copies" | "copiesSinceScan" | "lastScanQueuedAt">,
  settings: ScanSettings,
  now: number,
  unscannedLinks = false,
): "new" | "rescan" | null {
  if (campaign.state === "blocked") return null;
  if (campaign.decision !== null && !scansDespite(campaign.decision)) return null;
  if (unscannedLinks && now - campaign.lastScanQueuedAt >= settings.rescanNewLinksSeconds * 1000) return "rescan";
  if (campaign.lastScanQueuedAt === 0 && campaign.verdict === null)
    return campaign.copies >= settings.scanAtCopies ? "new" : null;
  if (campaign.copiesSinceScan >= settings.rescanAfterCopies) return "rescan";
  if (campaign.lastScanQueuedAt > 0 && now - campaign.lastScanQueuedAt >= settings.rescanAfterSeconds * 1000)
    return "rescan";
  return null;
}

/** The X-Floodgate-Campaign header value. */
export function campaignHeaderValue(campaign: Pick<CampaignView, "id" | "copies" | "recipients">): string {
  return `${campaign.id}; copies=${campaign.copies}; recipients=${campaign.recipients}`;
}

/**
 * The answer for the engine: the verdict, the status, the campaign label when the message joined a campaign, and the
 * quarantine when the copy is held in the MTA's hold queue.
 */
export function answer(outcome: Outcome, campaign: CampaignView | null): EndOfMessageResult {
  const labels = campaign ? [{ name: CAMPAIGN_HEADER, value: campaignHeaderValue(campaign) }] : [];
  const modifications = outcome.quarantine ? [{ kind: "quarantine" as const, reason: outcome.quarantine }] : [];
  return { verdict: outcome.verdict, status: outcome.status, labels, modifications };
}
