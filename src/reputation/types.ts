/**
 * The campaign store's contract: what the policy, the scan worker and the CLI read and write in Redis.
 */
import type { Fingerprint } from "../fingerprint/types.js";
import { MAX_SCAN_RULES } from "../scanners/types.js";
import type { CopyLinks } from "./verdict-links.js";

export type CampaignState = "new" | "bulk" | "spam" | "ham" | "blocked";

/**
 * A heavy scan's verdict, written to the campaign by the scan worker. "unsure" is a score between the ham margin and
 * the scanner's threshold, or a "ham" from a scanner not trusted to say ham (the built-in rules): the campaign stays
 * unjudged (bulk holds apply, it is re-scanned on schedule).
 */
export interface ScanVerdict {
  verdict: "spam" | "ham" | "unsure";
  score: number;
  scanner: string;
  /** The scanner's own spam threshold; null when it gave none. */
  threshold: number | null;
  /** The rules or symbols that weighed most, highest first (at most MAX_VERDICT_RULES). */
  rules: readonly string[];
  /** Unix ms. */
  at: number;
}

/** Rules kept with a verdict. */
export const MAX_VERDICT_RULES = MAX_SCAN_RULES;

/** How a person's decision was made: an operator's report, an operator's pin, or enough mailbox users' reports. */
export type DecisionHow = "report" | "pin" | "reporters";

/**
 * A person's decision on a campaign: it keeps the campaign out of merges (reputation/lua/includes/personDecision.lua)
 * and outranks every scan (a re-scan never overrides it), except that mailbox users' ham gives way to a scanner's
 * spam verdict (reputation/decision-standing.ts).
 */
export interface PersonDecision {
  label: "spam" | "ham";
  how: DecisionHow;
  /** Who: "operator:<name>", or "reporters" when mailbox users' reports decided. */
  by: string;
  why: string;
  /** Unix ms. */
  at: number;
}

/** Who changes a campaign's label, and why: every relabel is logged and kept in the campaign's history. */
export interface Actor {
  /** "operator:<name>" for the admin token or the command line, a mailbox address for a user's report. */
  actor: string;
  reason: string;
}

/** One line of a campaign's history (newest first, at most CAMPAIGN_HISTORY_LENGTH kept). */
export interface HistoryEntry {
  at: number;
  actor: string;
  /** block, unblock, decide, undecide, report, unreport, rescan. */
  action: string;
  label?: "spam" | "ham";
  why: string;
  /** The label the campaign's state took after it (blocked, spam, ham, bulk, new). */
  state?: string;
}

/** History lines kept per campaign. */
export const CAMPAIGN_HISTORY_LENGTH = 50;

/** What a mailbox user's report did. */
export interface ReportOutcome {
  outcome: "counted" | "duplicate" | "rate-limited" | "no-campaign";
  /** Distinct reporters holding each label now. */
  spam: number;
  ham: number;
  /** The decision the reports made, if they made one now. */
  decided: "spam" | "ham" | null;
}

/** The settings of mailbox users' reports. */
export interface ReportSettings extends DecidingReporters {
  /** Reports one reporter may make per hour. */
  perReporterPerHour: number;
}

/** How many distinct mailbox users decide a campaign: `reporters`, and one per `copiesPerReporter` copies it has had
 * (copies ever counted), whichever is more. */
export interface DecidingReporters {
  /** Distinct reporters that decide a campaign, at the least. */
  reporters: number;
  /** Copies the campaign may have had per deciding reporter. */
  copiesPerReporter: number;
}

/** One message seen at end of message. */
export interface Observation {
  fingerprint: Fingerprint;
  sender: string;
  recipients: readonly string[];
  clientIp: string | null;
  /** Unix ms; defaults to now. */
  now?: number;
}

/** A campaign as the policy sees it after one observation, or as `floodgate campaigns` lists it. */
export interface CampaignView {
  id: string;
  /** True when this observation started the campaign. */
  created: boolean;
  state: CampaignState;
  /** Counts within the sliding window. */
  copies: number;
  recipients: number;
  senders: number;
  clientIps: number;
  /** Copies ever counted (not windowed). */
  totalCopies: number;
  firstSeen: number;
  lastSeen: number;
  subject: string;
  verdict: ScanVerdict | null;
  /** A person's decision (an operator's report or pin, or enough users' reports); it outranks the verdict, but for
   * users' ham beside a scanner's spam (reputation/decision-standing.ts). */
  decision: PersonDecision | null;
  /** Distinct mailbox users whose report on this campaign stands, per label. */
  reports: { spam: number; ham: number };
  /** Unix ms until which a block holds; null when not blocked. */
  blockedUntil: number | null;
  /** Copies counted since the last scan was queued, and when that was (Unix ms, 0 if never). */
  copiesSinceScan: number;
  lastScanQueuedAt: number;
  /** Unix ms when the campaign last crossed a `campaigns.bulk` threshold; null while it is under all of them. */
  bulkSince: number | null;
  /** Campaigns merged into this one (a later copy matched both); their ids now stand for this one. */
  merged: number;
  /** While its state is ham: the links its scanner's ham verdict covers (./verdict-links.ts), null when it covers
   * every copy (a verdict recorded without them); and links a scan of a copy that added them called spam. In any other
   * state, null and none. */
  links: { ham: readonly string[] | null; spam: readonly string[] };
}

/** How an observation found its campaign: by its MinHash values, by its exact key, by an earlier fingerprint
 * version's keys (a campaign of before an upgrade, keyed by this version from then on), or not at all (a new one). */
export type FoundBy = "minhash" | "direct" | "previous" | "new";

/** A campaign as one observation left it. */
export interface ObservedCampaign extends CampaignView {
  foundBy: FoundBy;
  /** Campaigns this observation merged into it. */
  mergedNow: number;
}

/** The campaign a fingerprint matches: the one an observation would join, how it was found, and every campaign the
 * MinHash values matched (an observation would merge them into the first). */
export interface CampaignMatch {
  id: string;
  foundBy: Exclude<FoundBy, "new">;
  matched: string[];
}

export interface CampaignStore {
  /** Match (or start) the campaign of a fingerprint and count this copy, in one round trip; campaigns the copy
   * shows to be one are merged. */
  observe(observation: Observation): Promise<ObservedCampaign>;
  /** A campaign by id; an id merged into another gives that campaign (with its own id). */
  get(id: string): Promise<CampaignView | null>;
  /** The campaign a fingerprint matches, without counting or merging anything. */
  match(fingerprint: Fingerprint): Promise<CampaignMatch | null>;
  /**
   * The view of the campaign a fingerprint matches, read-only (this copy not counted): what a Redis that refuses
   * writes still answers. Null when no campaign matches.
   */
  lookup(fingerprint: Fingerprint, now?: number): Promise<CampaignView | null>;
  top(limit: number): Promise<CampaignView[]>;
  /** Block for `ttlSeconds` (a ham decision is dropped: the block is the newer word); an id merged into another
   * blocks that one. Returns the id blocked. */
  block(id: string, ttlSeconds: number, by?: Actor): Promise<string>;
  /** Lift a block; returns the id unblocked. */
  unblock(id: string, by?: Actor): Promise<string>;
  /** A person's decision: an operator's report ("report") or pin ("pin"); a ham decision lifts a block. */
  decide(id: string, label: "spam" | "ham", how: "report" | "pin", by: Actor): Promise<CampaignView>;
  /**
   * Take an operator's decision back (`how`: only a decision made that way; a pin is taken back by "pin"). Where
   * users' reports are enough (`settings`), their decision applies again. Resolves with false when there was none.
   */
  undecide(id: string, how: "report" | "pin", by: Actor, settings: DecidingReporters): Promise<boolean>;
  /** A mailbox user's report (`by.actor` is the reporter), counted towards the users that decide (`settings`). */
  report(id: string, label: "spam" | "ham", by: Actor, settings: ReportSettings): Promise<ReportOutcome>;
  /** Take a user's report back; resolves with false when the reporter had none on this campaign. */
  unreport(id: string, by: Actor, settings: ReportSettings): Promise<boolean>;
  /** Drop the scanner's verdict so that the next copy queues a scan (a person's decision stays). */
  rescan(id: string, by: Actor): Promise<void>;
  /** The campaign's history, newest first. */
  history(id: string): Promise<HistoryEntry[]>;
  /** Store a scan's verdict and publish it to waiters (`verdictChannel`), under the id named and the one it was
   * merged into. `links`: the scanned copy's (./verdict-links.ts); without them the verdict covers every copy. */
  recordVerdict(id: string, verdict: ScanVerdict, links?: CopyLinks): Promise<void>;
  /** Mark that a scan was queued for this campaign now (resets copiesSinceScan). */
  markScanQueued(id: string, now?: number): Promise<void>;
  /** The pub/sub channel carrying `{id, verdict}` JSON messages. */
  readonly verdictChannel: string;
  close(): Promise<void>;
}
