/**
 * The hold sweep: every `hold.sweepIntervalMs`, each host's daemon looks at the campaigns with copies held in its
 * own MTA's hold queue and acts on them through its hold-queue helper. Copies of a blocked campaign, or of one judged
 * spam (a scanner's confident verdict or a person's decision), are deleted, the first batch's first copy kept as the
 * campaign's sample; copies of a ham campaign (a scanner's ham or a pin) are released and delivered at once; copies
 * still held when the campaign's hold ends (`policy.holdSeconds` after it turned bulk, or once it fell back under
 * every threshold, or expired) are released. An operator's order (the console) applies first, to the copies held
 * before it. A copy the helper reports gone (delivered or deleted by hand) is forgotten; a helper that cannot be
 * reached leaves every record in place for the next sweep.
 */
import type { Config } from "../config/schema.js";
import type { HoldMetrics } from "../metrics/hold-metrics.js";
import type { HoldHelperClient } from "../mta-hold/helper-client.js";
import type { IdOutcome } from "../mta-hold/protocol.js";
import type { HeldStore } from "../reputation/held.js";
import type { CampaignStore, CampaignView } from "../reputation/types.js";
import type { Logger } from "../util/logger.js";
import { holdHost } from "./hold-copy.js";

/** Why held copies were released or deleted. */
export type HoldReason = "blocked" | "spam" | "reported" | "ham" | "pinned" | "hold-ended" | "operator";

export interface HoldAction {
  action: "release" | "delete";
  reason: HoldReason;
}

/**
 * What to do with a campaign's held copies now, from its state (null: it expired), or null to keep holding them.
 * Pure, so every row is a unit test.
 */
export function holdActionOf(
  campaign: Pick<CampaignView, "state" | "decision" | "bulkSince"> | null,
  now: number,
  holdSeconds: number,
): HoldAction | null {
  if (campaign === null) return { action: "release", reason: "hold-ended" };
  switch (campaign.state) {
    case "blocked":
      return { action: "delete", reason: "blocked" };
    case "spam":
      return { action: "delete", reason: campaign.decision?.label === "spam" ? "reported" : "spam" };
    case "ham":
      return { action: "release", reason: campaign.decision?.how === "pin" ? "pinned" : "ham" };
    case "new":
      return { action: "release", reason: "hold-ended" };
    case "bulk":
      if (campaign.bulkSince !== null && now < campaign.bulkSince + holdSeconds * 1000) return null;
      return { action: "release", reason: "hold-ended" };
  }
}

export interface HoldSweepDeps {
  config: () => Config;
  held: HeldStore;
  store: Pick<CampaignStore, "get">;
  helper: HoldHelperClient;
  metrics: HoldMetrics;
  logger: Logger;
}

/** Campaigns looked at per sweep, and copies per helper request. */
const CAMPAIGNS_PER_SWEEP = 100;
const BATCH = 200;

/** What one sweep did, by outcome. */
export type SweepCounts = Partial<Record<IdOutcome, number>>;

export class HoldSweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private lastError = "";

  constructor(private readonly deps: HoldSweepDeps) {}

  /** Sweep on a timer until `stop()`; one sweep at a time. */
  start(): void {
    const tick = () => {
      this.running = this.sweep()
        .catch((error: Error) => this.warn(error))
        .finally(() => {
          this.running = null;
          if (this.timer !== null) this.timer = setTimeout(tick, this.deps.config().hold.sweepIntervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass over the campaigns with copies held on this host. */
  async sweep(now = Date.now()): Promise<SweepCounts> {
    const cfg = this.deps.config();
    const host = holdHost(cfg);
    const counts: SweepCounts = {};
    for (const campaignId of await this.deps.held.campaigns(host, CAMPAIGNS_PER_SWEEP)) {
      const order = await this.deps.held.orderOf(campaignId);
      if (order) await this.act(campaignId, host, { action: order.action, reason: "operator" }, counts, order.at);
      const campaign = await this.deps.store.get(campaignId);
      const action = holdActionOf(campaign, now, cfg.policy.holdSeconds);
      if (action) await this.act(campaignId, host, action, counts);
    }
    this.deps.metrics.heldMessages.set(await this.deps.held.count(host));
    this.lastError = "";
    return counts;
  }

  /** Release or delete a campaign's copies held on this host (held up to `heldUpTo`, when given). */
  private async act(
    campaignId: string,
    host: string,
    { action, reason }: HoldAction,
    counts: SweepCounts,
    heldUpTo?: number,
  ): Promise<void> {
    const { held, helper, metrics, logger } = this.deps;
    const sampleSeconds = this.deps.config().hold.sampleSeconds;
    const done: SweepCounts = {};
    for (;;) {
      const ids = (await held.copies(campaignId, host, BATCH, heldUpTo)).map((c) => c.id);
      if (ids.length === 0) break;
      let outcomes: Record<string, IdOutcome>;
      if (action === "release") outcomes = await helper.release(ids);
      else {
        const deleted = await helper.delete(ids, sampleSeconds > 0);
        outcomes = deleted.outcomes;
        if (deleted.sample) await held.saveSample(campaignId, deleted.sample, sampleSeconds);
      }
      const answered = ids.filter((id) => outcomes[id] !== undefined);
      for (const id of answered) {
        const outcome = outcomes[id] as IdOutcome;
        done[outcome] = (done[outcome] ?? 0) + 1;
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        metrics.holdActionsTotal.inc({ outcome, reason });
      }
      await held.remove(campaignId, host, answered);
      if (answered.length < ids.length || ids.length < BATCH) break;
    }
    if (Object.keys(done).length === 0) return;
    if (done.refused)
      logger.error(
        { campaign: campaignId, refused: done.refused },
        "the hold helper does not know held copies Floodgate recorded; they stay in the hold queue for an operator",
      );
    logger.info({ campaign: campaignId, host, action, reason, ...done }, "held copies acted on");
    const what = Object.entries(done).map(([outcome, n]) => `${n} ${outcome}`);
    await held.log(campaignId, {
      at: Date.now(),
      actor: `floodgate:${host}`,
      action: `${action}-held`,
      why: `${reason}: ${what.join(", ")}`,
    });
  }

  private warn(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.deps.logger.warn({ err: error.message }, "hold sweep failed; the held copies wait for the next sweep");
  }
}
