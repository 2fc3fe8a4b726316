/**
 * Freeing the store's memory before Redis is full (src/ops/store-shedder.ts decides when): forgetting the campaigns
 * seen once that were last seen longest ago and the console samples of those seen a few times (shedCampaigns-2.lua
 * says which campaigns qualify and what of them goes), and unlinking a generation of the value index
 * (dropValueGeneration-1.lua). At `maxmemory` Redis refuses every write and the mail path can no longer count
 * copies; a flood of distinct messages reaches it in minutes (README, "How much memory to give it"), so the store
 * gives up its least useful memory first.
 */
import { FINGERPRINT_VERSION } from "../fingerprint/types.js";
import { singleMs } from "./observe-args.js";
import { SAMPLE_KEY_NAMES } from "./samples.js";
import { loadScript, runScript } from "./scripts.js";
import type { StoreContext } from "./store-context.js";

const shedScripts = {
  forget: loadScript("shedCampaigns-2.lua"),
  dropGeneration: loadScript("dropValueGeneration-1.lua"),
};

/** What one look at the campaigns seen longest ago did. */
export interface ForgetPass {
  /** Campaigns looked at: fewer than asked when the list by last seen has ended. */
  looked: number;
  forgotten: number;
  /** Campaigns seen a few times whose console samples went. */
  unsampled: number;
  /** Where the next look starts (the last score looked at); "-inf" when the list has ended. */
  next: string;
}

/** The store's ways of freeing memory. */
export interface SheddingOperations {
  /** Look at up to `limit` campaigns after `after` in the list by last seen ("-inf": the oldest first), forgetting
   * those seen once and nothing more, and dropping the console samples of those seen fewer times than the bulk
   * threshold with no block or person's decision. */
  forgetSeenOnce(after: string, limit: number): Promise<ForgetPass>;
  /** Unlink the previous or the current generation of the value index; true when it was there. */
  dropValueGeneration(which: "previous" | "current", now?: number): Promise<boolean>;
}

export function sheddingOperations(ctx: StoreContext): SheddingOperations {
  const { redis, keys } = ctx;
  return {
    async forgetSeenOnce(after: string, limit: number): Promise<ForgetPass> {
      const c = ctx.settings();
      const args = [after, limit, ctx.bucketMs(c), c.bulk.copies, ...SAMPLE_KEY_NAMES];
      const reply = await runScript(redis, shedScripts.forget, [keys.top, keys.base], args);
      if (!Array.isArray(reply) || reply.length !== 4) throw new Error("unexpected reply from shedCampaigns");
      const [looked, forgotten, last, unsampled] = reply as [number, number, string, number];
      return { looked, forgotten, unsampled, next: looked < limit || last === "" ? "-inf" : String(last) };
    },

    async dropValueGeneration(which: "previous" | "current", now = Date.now()): Promise<boolean> {
      const args = [keys.valuePrefix(FINGERPRINT_VERSION), now, singleMs(ctx.settings()), which === "previous" ? 1 : 0];
      return (await runScript(redis, shedScripts.dropGeneration, [keys.base], args)) === 1;
    },
  };
}
