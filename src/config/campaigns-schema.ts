/**
 * The `campaigns` section: when a message joins a campaign, how long campaigns live, and when one is bulk.
 */
import { z } from "zod";
import { count } from "./schema-fields.js";

export const campaignsSchema = z
  .object({
    /** Share of a message's MinHash values (those not common to many campaigns) that must point at one campaign
     * for the message to join it. 0.35 joins copies that share half their text with the campaign, wherever salt
     * was added, and keeps distinct ham apart (the evasion suite's figures: benchmarks/README.md).
     * @defaultValue 0.35 */
    matchShare: z.number().gt(0).max(1).default(0.35),
    /** No longer read: fingerprints of version 2 match by `matchShare`. Accepted so that a configuration written
     * for an earlier release still loads. */
    votes: z.number().int().min(1).max(32).optional(),
    /** Sliding window for counts of copies, recipients, senders and client IPs. @defaultValue 3600 */
    windowSeconds: count(3600, 60),
    /** A campaign unseen this long is forgotten. @defaultValue 604800 */
    ttlSeconds: count(7 * 86400, 60),
    /** Share of the fast-path Redis's maxmemory from which the store frees memory, so that Redis never refuses the
     * mail path's writes: the oldest generation of the value index, then the campaigns seen once and nothing more,
     * longest unseen first, and the console samples of those seen a few times (src/ops/store-shedder.ts). 0: never
     * (Redis then refuses writes when full). Has no effect on a Redis without maxmemory. @defaultValue 0.9 */
    shedAtMemory: z.number().min(0).max(1).default(0.9),
    /** A campaign is bulk when it passes any of these within the window. */
    bulk: z
      .object({
        /** @defaultValue 50 */
        copies: count(50, 1),
        /** Distinct recipients. @defaultValue 50 */
        recipients: count(50, 1),
        /** Distinct envelope senders. @defaultValue 20 */
        senders: count(20, 1),
      })
      .strict()
      .prefault({}),
  })
  .strict();
