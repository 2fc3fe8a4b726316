/**
 * The hold-queue unit of `floodgate run`: the store of held copies, the client of this host's hold-queue helper, and
 * the sweep that releases or deletes held copies. The sweep runs whatever `policy.holdMode` says now, so copies held
 * before a switch back to tempfail are still released or deleted. At start, with quarantine, the helper is greeted:
 * one that cannot be reached is logged (copies are tempfailed until it answers), never fatal.
 */
import type { Cluster, Redis } from "ioredis";
import type { LiveConfig } from "../config/live.js";
import type { HoldMetrics } from "../metrics/hold-metrics.js";
import { holdHelperClient } from "../mta-hold/helper-client.js";
import type { HoldStatus } from "../ops/status.js";
import { holdHost, type HoldCopyDeps } from "../policy/hold-copy.js";
import { holdActions, type HoldActions } from "../policy/hold-actions.js";
import { HoldSweep } from "../policy/hold-sweep.js";
import { createHeldStore } from "../reputation/held.js";
import type { CampaignStore } from "../reputation/types.js";
import type { Logger } from "../util/logger.js";

export interface HoldUnitDeps {
  live: LiveConfig;
  logger: Logger;
  fast: Redis | Cluster;
  store: CampaignStore;
  metrics: HoldMetrics;
}

export interface HoldUnit {
  /** What the policy needs to hold a copy. */
  readonly copy: HoldCopyDeps;
  /** The operator's actions on held copies (the console). */
  readonly actions: HoldActions;
  status(): Promise<HoldStatus>;
  stop(): Promise<void>;
}

/** Sum a counter's values by one label. */
async function byLabel(counter: HoldMetrics["holdFallbackTotal"], label: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await counter.get()).values) {
    const key = String(v.labels[label as keyof typeof v.labels] ?? "");
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

export async function startHold(deps: HoldUnitDeps): Promise<HoldUnit> {
  const { live, logger, metrics } = deps;
  const config = () => live.current();
  const held = createHeldStore(deps.fast, config().redis.prefix);
  const helper = holdHelperClient(
    () => config().hold.helperSocket,
    () => config().hold.helperTimeoutMs,
  );
  if (config().policy.holdMode === "quarantine") {
    await helper.hello().then(
      (hello) => logger.info({ socket: config().hold.helperSocket, ...hello }, "hold-queue helper answers"),
      (error: Error) =>
        logger.error(
          { socket: config().hold.helperSocket, err: error.message },
          "hold-queue helper not answering: bulk copies are tempfailed instead of held until it does",
        ),
    );
  }
  const sweep = new HoldSweep({ config, held, store: deps.store, helper, metrics, logger });
  sweep.start();
  return {
    copy: { held, helper, metrics },
    actions: holdActions(held),
    async status() {
      const cfg = config();
      const helperError =
        cfg.policy.holdMode === "quarantine"
          ? await helper.hello().then(
              () => null,
              (error: Error) => error.message,
            )
          : null;
      return {
        mode: cfg.policy.holdMode,
        host: holdHost(cfg),
        held: await held.count(holdHost(cfg)),
        heldTotal: (await metrics.heldTotal.get()).values.reduce((a, v) => a + v.value, 0),
        fallbacks: await byLabel(metrics.holdFallbackTotal, "reason"),
        outcomes: await byLabel(metrics.holdActionsTotal, "outcome"),
        helperError,
      };
    },
    stop: () => sweep.stop(),
  };
}
