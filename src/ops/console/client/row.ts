/**
 * One row of the Campaigns table as the API sends it: the server's campaign-rows.ts makes it, the page reads it. Types
 * only, shared by both sides (the server imports it as a type).
 */
export interface Row {
  id: string;
  /** new, bulk, spam, ham or blocked. */
  state: string;
  subject: string;
  copies: number;
  totalCopies: number;
  recipients: number;
  senders: number;
  clientIps: number;
  firstSeen: number;
  lastSeen: number;
  verdict: { verdict: string; scanner: string; score: number; threshold: number | null } | null;
  decision: { label: string; how: string; by: string } | null;
  blockedUntil: number | null;
  /** Copies per minute, oldest first. */
  spark: number[];
  /** Copies in the last minute minus the minute before. */
  growth: number;
}
