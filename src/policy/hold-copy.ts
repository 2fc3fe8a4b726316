/**
 * Holding one copy in the MTA's hold queue at end of message (`policy.holdMode: quarantine`): the copy's queue id is
 * recorded with its campaign in Redis and with this host's hold-queue helper before the MTA is told to quarantine it,
 * so that no held copy is ever unknown to the sweep that releases or deletes it. When either cannot be done within
 * the deadline, the copy is tempfailed instead (the sender retries, as with `holdMode: tempfail`), counted by reason.
 */
import { hostname } from "node:os";
import type { Config } from "../config/schema.js";
import type { HoldMetrics } from "../metrics/hold-metrics.js";
import type { HoldHelperClient } from "../mta-hold/helper-client.js";
import { isQueueId } from "../mta-hold/protocol.js";
import type { HeldStore } from "../reputation/held.js";

/** Why a copy to be held was tempfailed instead. */
export type HoldFallback = "no-queue-id" | "hold-full" | "helper-down" | "redis";

export interface HoldCopyDeps {
  held: HeldStore;
  helper: HoldHelperClient;
  metrics: HoldMetrics;
}

/** The host name the held copies of this daemon are recorded under (`hold.host`, else the machine's). */
export function holdHost(cfg: Config): string {
  return (
    cfg.hold.host ??
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "_")
      .slice(0, 100)
  );
}

/** Record the copy as held; resolves with null when it is, else with why it cannot be (then tempfail it). */
export async function recordHeldCopy(
  deps: HoldCopyDeps,
  cfg: Config,
  campaignId: string,
  queueId: string | undefined,
  race: <T>(p: Promise<T>) => Promise<T>,
): Promise<HoldFallback | null> {
  const fallback = (reason: HoldFallback) => {
    deps.metrics.holdFallbackTotal.inc({ reason });
    return reason;
  };
  const mta = cfg.mtaQueue.mta;
  if (mta === "none" || !isQueueId(mta, queueId)) return fallback("no-queue-id");
  const host = holdHost(cfg);
  try {
    if (!(await race(deps.held.record(campaignId, host, queueId, cfg.hold.maxPerCampaign))))
      return fallback("hold-full");
  } catch {
    return fallback("redis");
  }
  try {
    const outcomes = await race(deps.helper.record([queueId]));
    if (outcomes[queueId] === "refused") throw new Error("refused");
  } catch {
    await deps.held.remove(campaignId, host, [queueId]).catch(() => undefined);
    return fallback("helper-down");
  }
  return null;
}
