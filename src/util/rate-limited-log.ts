/**
 * Rate-limited warnings: the first of a reason is logged at once, then at most one line per interval carrying how
 * many were left out meanwhile, so that a flood of failures does not flood the log.
 */
import type { Logger } from "./logger.js";

/** Log a warning for `reason` with `fields`, unless one for that reason went out within the interval. */
export type RateLimitedLog = (reason: string, fields?: Record<string, unknown>) => void;

/** A rate-limited warning with `message`, one line per reason every `intervalMs`. */
export function createRateLimitedLog(logger: Logger, message: string, intervalMs = 10_000): RateLimitedLog {
  const state = new Map<string, { lastAt: number; suppressed: number }>();
  return (reason, fields = {}) => {
    const now = Date.now();
    const s = state.get(reason);
    if (s && now - s.lastAt < intervalMs) {
      s.suppressed++;
      return;
    }
    const suppressed = s?.suppressed ?? 0;
    state.set(reason, { lastAt: now, suppressed: 0 });
    logger.warn({ reason, ...fields, alsoSinceLastLog: suppressed }, message);
  };
}
