/**
 * The campaign store's contract: what the policy, the scan worker and the CLI read and write in Redis.
 */
import type { Fingerprint } from "../fingerprint/types.js";

export type CampaignState = "new" | "bulk" | "spam" | "ham" | "blocked";

/** A heavy scan's verdict, written to the campaign by the scan worker. */
export interface ScanVerdict {
  verdict: "spam" | "ham";
  score: number;
  scanner: string;
  /** Unix ms. */
  at: number;
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
  /** Unix ms until which a block holds; null when not blocked. */
  blockedUntil: number | null;
  /** Copies counted since the last scan was queued, and when that was (Unix ms, 0 if never). */
  copiesSinceScan: number;
  lastScanQueuedAt: number;
  /** Unix ms when the campaign last crossed a `campaigns.bulk` threshold; null while it is under all of them. */
  bulkSince: number | null;
}

export interface CampaignStore {
  /** Match (or start) the campaign of a fingerprint and count this copy, in one round trip. */
  observe(observation: Observation): Promise<CampaignView>;
  get(id: string): Promise<CampaignView | null>;
  /** The campaign a fingerprint matches, without counting anything. */
  match(fingerprint: Fingerprint): Promise<string | null>;
  top(limit: number): Promise<CampaignView[]>;
  block(id: string, ttlSeconds: number): Promise<void>;
  unblock(id: string): Promise<void>;
  /** Store a scan's verdict and publish it to waiters (`verdictChannel`). */
  recordVerdict(id: string, verdict: ScanVerdict): Promise<void>;
  /** Mark that a scan was queued for this campaign now (resets copiesSinceScan). */
  markScanQueued(id: string, now?: number): Promise<void>;
  /** The pub/sub channel carrying `{id, verdict}` JSON messages. */
  readonly verdictChannel: string;
  close(): Promise<void>;
}
