/**
 * Rate-limited logging of shed scan jobs: the first shed of a reason is logged at once, then at most one line
 * per interval carrying how many were shed meanwhile, so a flood does not flood the log.
 */
import type { Logger } from "../util/logger.js";

/** A function to call on every shed job. */
export function createShedLog(logger: Logger, intervalMs = 10_000, message = "scan job shed") {
  const state = new Map<string, { lastAt: number; suppressed: number }>();
  return (reason: string, campaignId: string, detail?: string): void => {
    const now = Date.now();
    const s = state.get(reason);
    if (s && now - s.lastAt < intervalMs) {
      s.suppressed++;
      return;
    }
    const suppressed = s?.suppressed ?? 0;
    state.set(reason, { lastAt: now, suppressed: 0 });
    logger.warn({ reason, campaignId, detail, alsoSinceLastLog: suppressed }, message);
  };
}
