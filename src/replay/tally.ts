/**
 * What a replay records: each message's decision, and per campaign its copies, dates, when it turned bulk, the copies
 * held and rejected, the copies its ham verdict did not cover (`links=`), and its verdict. A campaign forgotten (its
 * ttl passed in message time) and started again from the same digest gets the same id: it is counted as a new
 * campaign, `id#2`.
 */
import type { Decision, FailAction } from "../policy/decide.js";
import type { LinkStanding } from "../policy/link-cover.js";
import type { CampaignView } from "../reputation/types.js";
import { skippedStatus, type FailReason } from "../vocabulary/fail-reasons.js";
import type { ReplayMessage } from "./mail-source.js";

/** One message's fate. */
export interface ReplayedMessage {
  file: string;
  /** ISO time it arrived (mail-source.ts), or of the message before it when that cannot be read. */
  date: string;
  /** The campaign (`id`, or `id#n` for its n-th life); null when no fingerprint could be made. */
  campaign: string | null;
  action: string;
  /** The status header the message would have carried. */
  status: string;
}

/** One campaign's story. */
export interface CampaignReport {
  campaign: string;
  subject: string;
  copies: number;
  firstSeen: string;
  lastSeen: string;
  /** When it turned bulk (a threshold reached), and at which copy; null when it never did. */
  bulkAt: string | null;
  bulkAtCopy: number | null;
  /** Copies held (tempfailed or quarantined), rejected, passed. */
  held: number;
  rejected: number;
  passed: number;
  /** Copies its scanner's ham verdict did not cover (src/policy/link-cover.ts), by their status's `links=`: linking
   * to a domain or attaching a kind of file no scan of the campaign saw, or one a scan called spam. */
  links: Record<LinkStanding, number>;
  verdict: { verdict: string; scanner: string; score: number } | null;
  /** A few of its messages, for the operator to look at. */
  sample: string[];
}

/** A copy as the replay decided it. */
export interface DecidedCopy {
  /** The campaign as the store keeps it (its verdict, not the copy's standing in it). */
  campaign: CampaignView;
  decision: Decision;
  status: string;
  /** How the copy stands to its campaign's ham verdict; null when the campaign's state holds for it. */
  links: LinkStanding | null;
}

const SAMPLE_FILES = 3;
const iso = (ms: number) => new Date(ms).toISOString();

export class CampaignTally {
  readonly decisions: ReplayedMessage[] = [];
  unparsed = 0;
  private readonly byKey = new Map<string, CampaignReport>();
  /** The current life of each campaign id. */
  private readonly lives = new Map<string, number>();

  /** A message of which no fingerprint was made, for `reason`, and what its fail mode made of it. */
  unfingerprinted(m: ReplayMessage, now: number, reason: FailReason, mode: FailAction): void {
    this.unparsed++;
    this.decisions.push({
      file: m.file,
      date: iso(now),
      campaign: null,
      action: mode,
      status: skippedStatus([reason]),
    });
  }

  /** A decided copy: its campaign as the store keeps it, the copy's decision and status, and its `links=` standing. */
  decided(m: ReplayMessage, now: number, copy: DecidedCopy): void {
    const { campaign, decision, status } = copy;
    const key = this.keyOf(campaign);
    let report = this.byKey.get(key);
    if (!report) {
      report = {
        campaign: key,
        subject: campaign.subject,
        copies: 0,
        firstSeen: iso(now),
        lastSeen: iso(now),
        bulkAt: null,
        bulkAtCopy: null,
        held: 0,
        rejected: 0,
        passed: 0,
        links: { unscanned: 0, spam: 0 },
        verdict: null,
        sample: [],
      };
      this.byKey.set(key, report);
    }
    report.copies++;
    report.lastSeen = iso(now);
    if (report.bulkAt === null && campaign.bulkSince !== null) {
      report.bulkAt = iso(campaign.bulkSince);
      report.bulkAtCopy = report.copies;
    }
    if (decision.action === "reject") report.rejected++;
    else if (decision.action === "continue") report.passed++;
    else report.held++;
    if (copy.links !== null) report.links[copy.links]++;
    const v = campaign.verdict;
    if (v) report.verdict = { verdict: v.verdict, scanner: v.scanner, score: v.score };
    if (report.sample.length < SAMPLE_FILES) report.sample.push(m.file);
    this.decisions.push({ file: m.file, date: iso(now), campaign: key, action: decision.action, status });
  }

  /** The campaigns, most copies first. */
  campaigns(): CampaignReport[] {
    return [...this.byKey.values()].sort((a, b) => b.copies - a.copies || a.firstSeen.localeCompare(b.firstSeen));
  }

  private keyOf(campaign: CampaignView): string {
    let life = this.lives.get(campaign.id) ?? 0;
    if (campaign.created || life === 0) this.lives.set(campaign.id, ++life);
    return life === 1 ? campaign.id : `${campaign.id}#${life}`;
  }
}
