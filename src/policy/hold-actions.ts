/**
 * What an operator (the console, the command line) does to a campaign's held copies: release or delete every copy
 * held now, on every MTA host of the fleet (each host's sweep applies the order within `hold.sweepIntervalMs`), and
 * what there is to see: copies held and the sample kept of a deleted one.
 */
import type { HeldStore } from "../reputation/held.js";
import type { Actor } from "../reputation/types.js";

export interface HoldActions {
  /** Copies of the campaign held now, over every host. */
  count(campaignId: string): Promise<number>;
  /**
   * Release the campaign's copies held now, on every host, and deliver them; logged in its history with the actor.
   * Resolves with the copies held when the order was given (the hosts' sweeps carry it out).
   */
  release(campaignId: string, by: Actor): Promise<number>;
  /** Delete the campaign's copies held now, on every host (the first kept as its sample); as `release` resolves. */
  delete(campaignId: string, by: Actor): Promise<number>;
  /** The sample kept of a deleted copy (at most 256 KiB of it), while `hold.sampleSeconds` keeps it. */
  sample(campaignId: string): Promise<Buffer | null>;
}

export function holdActions(held: HeldStore): HoldActions {
  const order = async (campaignId: string, action: "release" | "delete", by: Actor) => {
    await held.order(campaignId, action, by);
    return held.countCampaign(campaignId);
  };
  return {
    count: (campaignId) => held.countCampaign(campaignId),
    release: (campaignId, by) => order(campaignId, "release", by),
    delete: (campaignId, by) => order(campaignId, "delete", by),
    sample: (campaignId) => held.sample(campaignId),
  };
}
