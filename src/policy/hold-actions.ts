/**
 * What an operator (the console, the command line) does to a campaign's held copies: release or delete every copy
 * held now, on every MTA host of the fleet (each host's sweep applies the order within `hold.sweepIntervalMs`), and
 * what there is to see: copies held and the sample kept of a deleted one.
 */
import type { HeldStore } from "../reputation/held.js";
import type { Actor } from "../reputation/types.js";

export interface HoldActions {
  /** Release the campaign's copies held now, on every host, and deliver them; logged in its history with the actor. */
  release(campaignId: string, by: Actor): Promise<void>;
  /** Delete the campaign's copies held now, on every host (the first kept as its sample). */
  delete(campaignId: string, by: Actor): Promise<void>;
  /** Copies of the campaign held now, over every host. */
  heldCopies(campaignId: string): Promise<number>;
  /** The sample kept of a deleted copy (at most 256 KiB of it), while `hold.sampleSeconds` keeps it. */
  sample(campaignId: string): Promise<Buffer | null>;
}

export function holdActions(held: HeldStore): HoldActions {
  return {
    release: (campaignId, by) => held.order(campaignId, "release", by),
    delete: (campaignId, by) => held.order(campaignId, "delete", by),
    heldCopies: (campaignId) => held.countCampaign(campaignId),
    sample: (campaignId) => held.sample(campaignId),
  };
}
