/**
 * The policy's heavy scan of one copy: queue a scan when one is due (decide.ts scanReason) within the scan budget,
 * and, when configured, wait for the campaign's verdict. Never throws and never waits past the deadline.
 */
import type { Config } from "../config/schema.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import type { ScanProducer } from "../queue/types.js";
import type { CampaignStore, CampaignView, ScanVerdict } from "../reputation/types.js";
import type { LinkSource } from "../reputation/verdict-links.js";
import type { Logger } from "../util/logger.js";
import type { Deadline } from "../vocabulary/deadline.js";
import type { CapturedMessage } from "../vocabulary/mail.js";
import { scanReason } from "./decide.js";
import { scannedLinks } from "./link-cover.js";

/** What a scan request needs of the policy's dependencies. */
export interface ScanDeps {
  producer: ScanProducer | null;
  store: Pick<CampaignStore, "markScanQueued">;
  metrics: Pick<FloodgateMetrics, "scanJobsShedTotal">;
  logger: Logger;
}

/** One copy's scan: the copy, its fingerprint's links, and its campaign as the copy stands in it. */
export interface CopyScan {
  cfg: Config;
  message: CapturedMessage;
  campaign: CampaignView;
  /** What the copy links to and attaches: sent with a job (src/reputation/verdict-links.ts), so its verdict knows what
   * it judged. */
  fingerprint: LinkSource;
  /** Whether the copy carries links its campaign's ham verdict did not cover (./link-cover.ts). */
  unscannedLinks: boolean;
  /** Whether the mail path is busy (`queue.busyRate`): then only bulk campaigns are scanned. */
  busy: boolean;
  queueId: string | undefined;
  deadline: Deadline;
}

/**
 * Queue a scan when one is due; then, when configured, wait for the verdict. Returns the verdict if one came.
 *
 * When no verdict will be waited for (the campaign has one, or `queue.verdictWaitMs` is 0), the scan is queued beside
 * the answer instead of before it: the copy's answer does not depend on it (a shed job is counted, not labelled), and
 * the payload's compression and BullMQ's add (about 0.8 ms of CPU and a Redis round trip) would otherwise sit between
 * the MTA and its reply. The producer bounds the add on its own (`queue.enqueueTimeoutMs`, and how many it has
 * unanswered), so nothing here outlives it.
 */
export async function scanCopy(deps: ScanDeps, copy: CopyScan): Promise<ScanVerdict | null> {
  const { producer } = deps;
  const { cfg, campaign, deadline } = copy;
  if (!producer || !cfg.queue.enabled) return null;
  if (campaign.verdict !== null || cfg.queue.verdictWaitMs <= 0) {
    queueScan(deps, producer, copy, "beside-the-answer").catch((err: Error) =>
      deps.logger.debug({ err: err.message }, "scan request failed"),
    );
    return null;
  }
  const queued = await queueScan(deps, producer, copy, "before-the-answer");
  const pending = queued || campaign.lastScanQueuedAt > 0;
  if (!pending || !producer.healthy()) return null;
  const wait = Math.min(cfg.queue.verdictWaitMs, deadline.remaining());
  if (wait <= 0) return null;
  return producer.waitForVerdict(campaign.id, wait, deadline.signal).catch(() => null);
}

/**
 * Queue a heavy scan if one is due (`scanReason`); true when it was queued or already was. Before the answer, within
 * the copy's deadline; beside it, within the producer's own bounds only (the deadline ends with the answer).
 */
async function queueScan(
  deps: ScanDeps,
  producer: ScanProducer,
  copy: CopyScan,
  when: "before-the-answer" | "beside-the-answer",
): Promise<boolean> {
  const { cfg, campaign } = copy;
  const reason = scanReason(campaign, cfg.queue, Date.now(), copy.unscannedLinks);
  if (!reason) return false;
  // The scan budget: while the mail path is busy, a campaign under every bulk threshold is not scanned; one of its
  // later copies queues the scan once the rate has fallen (a campaign with no later copy needs no verdict).
  if (copy.busy && campaign.bulkSince === null) {
    deps.metrics.scanJobsShedTotal.inc({ reason: "busy" });
    return false;
  }
  const links = scannedLinks(cfg.queue, copy.fingerprint);
  const request = {
    campaignId: campaign.id,
    message: copy.message.raw,
    truncated: copy.message.truncated,
    reason,
    ...(links ? { links } : {}),
    ...(reason === "rescan" ? { generation: campaign.lastScanQueuedAt } : {}),
    ...(copy.queueId !== undefined ? { queueId: copy.queueId } : {}),
  };
  const enqueued = producer.enqueue(request);
  const result = await (when === "before-the-answer" ? copy.deadline.race(enqueued) : enqueued).catch(
    () => "shed" as const,
  );
  if (result === "shed") return false;
  // The producer marks a job it queued; a copy whose scan was already pending is marked here (a Redis round trip
  // and a script each, so not twice).
  if (result === "deduplicated")
    deps.store
      .markScanQueued(campaign.id)
      .catch((err: Error) => deps.logger.debug({ err: err.message }, "markScanQueued failed"));
  return true;
}
