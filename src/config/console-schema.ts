/**
 * The `console` section: the operator's web console on the ops server (src/ops/console), and the bounded samples of
 * each campaign it shows, written off the mail path.
 */
import { z } from "zod";

export const consoleSchema = z
  .object({
    /** Serve the console at `/console/` on the ops server (it needs `metrics.enabled`). @defaultValue true */
    enabled: z.boolean().default(true),
    /** Campaigns the live table shows at most (read in time that follows this, not the number of campaigns). @defaultValue 100 */
    campaigns: z.number().int().min(1).max(500).default(100),
    /** A logged-in session lasts this long without activity. @defaultValue 43200 */
    sessionSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(43_200),
    /** Samples of each campaign (one message, subjects, link domains, attachment digests, sender domains, client networks). */
    samples: z
      .object({
        /** Keep samples at all. @defaultValue true */
        enabled: z.boolean().default(true),
        /** How long a sample is kept after the campaign's last sampled copy. @defaultValue 604800 (7 days) */
        retentionSeconds: z
          .number()
          .int()
          .min(60)
          .max(366 * 86_400)
          .default(604_800),
        /** A copy is sampled only once its campaign has this many copies. Most mail is one message to one person:
         * it is nobody's campaign, and keeping each for `retentionSeconds` would keep a week of private mail and fill
         * Redis (and cost every distinct message a write). @defaultValue 2 */
        fromCopies: z.number().int().min(1).max(1000).default(2),
        /** Copies of one campaign sampled per minute per Floodgate at most. @defaultValue 3 */
        perCampaignPerMinute: z.number().int().min(1).max(60).default(3),
        /** The sample message is kept to this many bytes. @defaultValue 262144 */
        maxMessageBytes: z
          .number()
          .int()
          .min(1024)
          .max(4 * 1024 * 1024)
          .default(262_144),
        /** Distinct values kept per list (subjects, link domains, …), the most recent. @defaultValue 20 */
        maxValues: z.number().int().min(1).max(200).default(20),
      })
      .strict()
      .prefault({}),
  })
  .strict();
