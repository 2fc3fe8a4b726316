/**
 * The unit of `floodgate run` that tells the fingerprint pool whether fingerprints need the earlier fingerprint
 * versions' keys: the campaign store's answer (src/reputation/versions.ts), asked at start and every CHECK_MS while
 * `fingerprint.previousVersion` is on, and logged when it changes. Until the first answer, and while Redis does not
 * answer, they are computed: a campaign of before an upgrade is never missed for want of its keys, at worst their
 * cost is paid a few minutes longer.
 */
import type { Config } from "../config/schema.js";
import type { FingerprintPool } from "../fingerprint/pool.js";
import type { RedisCampaignStore } from "../reputation/store.js";
import { errorText } from "../util/error-text.js";
import type { Logger } from "../util/logger.js";
import type { StopStack } from "./stops.js";

/** How often the store is asked, ms: a store restored from an earlier release's backup into a running one is
 * noticed within this long. */
export const EARLIER_CHECK_MS = 5 * 60_000;

export function startEarlierVersions(
  deps: {
    config: () => Config;
    store: Pick<RedisCampaignStore, "earlierVersionsLive">;
    pool: Pick<FingerprintPool, "setEarlierVersions">;
    logger: Logger;
  },
  stops: StopStack,
): void {
  let live = true;
  let running: Promise<void> | null = null;
  async function ask(): Promise<void> {
    try {
      const next = await deps.store.earlierVersionsLive();
      if (next === live) return;
      live = next;
      deps.pool.setEarlierVersions(next);
      deps.logger.info(
        { earlierVersions: next },
        next
          ? "the campaign store may hold keys of earlier fingerprint versions: fingerprints carry them"
          : "the campaign store holds no keys of earlier fingerprint versions: fingerprints are made without them",
      );
    } catch (err) {
      deps.logger.warn({ err: errorText(err) }, "could not tell whether the store holds earlier versions' keys");
    }
  }
  const check = () => {
    if (running || !deps.config().fingerprint.previousVersion) return;
    running = ask().finally(() => (running = null));
  };
  check();
  const timer = setInterval(check, EARLIER_CHECK_MS);
  timer.unref();
  stops.push(async () => {
    clearInterval(timer);
    await running;
  });
}
