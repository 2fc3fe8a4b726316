/**
 * The heavy-scan queue's contract: what the policy hands the producer, and the job the scan worker receives.
 */
import type { ScanVerdict } from "../reputation/types.js";
import type { CopyLinks } from "../reputation/verdict-links.js";

export interface ScanRequest {
  campaignId: string;
  /** The captured message (possibly truncated); the producer caps and compresses it. */
  message: Buffer;
  truncated: boolean;
  reason: "new" | "rescan";
  /**
   * For a re-scan: the campaign's `lastScanQueuedAt` as the policy saw it. Milter processes deciding the same
   * re-scan at once pass the same value and so queue one job (deduplication id `<id>:r<generation>`).
   * When absent, the current `queue.rescanAfterSeconds` time bucket is used.
   */
  generation?: number;
  /** The MTA's queue id, for logs. */
  queueId?: string;
  /** The copy's links, recorded with its verdict (what a ham verdict covers); absent: the verdict covers every copy. */
  links?: CopyLinks;
}

export type EnqueueResult = "queued" | "deduplicated" | "shed";

export interface ScanProducer {
  /** Queue a scan with a bounded wait; never throws, never blocks the mail path past `queue.enqueueTimeoutMs`. A job
   * it queued is marked in the campaign store (`markScanQueued`); a deduplicated one is left to the caller. */
  enqueue(request: ScanRequest): Promise<EnqueueResult>;
  /** Wait up to `ms` for a campaign's verdict (pub/sub); null if none arrived. */
  waitForVerdict(campaignId: string, ms: number, signal?: AbortSignal): Promise<ScanVerdict | null>;
  /** True while the backlog is under the high-water mark and Redis answers. */
  healthy(): boolean;
  close(): Promise<void>;
}

/** The data of a BullMQ scan job. */
export interface ScanJobData {
  campaignId: string;
  /** Base64 of the gzip-compressed message (at most `queue.maxPayloadBytes` before compression). */
  messageGzipBase64: string;
  truncated: boolean;
  reason: "new" | "rescan";
  queuedAt: number;
  queueId?: string;
  /** The scanned copy's links (ScanRequest.links); absent in a job queued without them. */
  links?: CopyLinks;
}
