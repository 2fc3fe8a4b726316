/**
 * The `hold` section: how copies held in the MTA's hold queue (`policy.holdMode: quarantine`) are recorded and
 * released or deleted through the hold-queue helper (src/mta-hold, deploy/systemd/floodgate-hold-helper.service).
 */
import { z } from "zod";

export const holdSchema = z
  .object({
    /** The hold-queue helper's unix socket on this MTA host. @defaultValue "/run/floodgate-hold/helper.sock" */
    helperSocket: z.string().startsWith("/").default("/run/floodgate-hold/helper.sock"),
    /** The helper's answer on the mail path (recording a held copy) waits at most this long. @defaultValue 500 */
    helperTimeoutMs: z.number().int().min(10).max(10_000).default(500),
    /**
     * This MTA host's name in the records of held copies: each host's Floodgate acts on its own queue through its own
     * helper, so every host of a fleet needs a name of its own. null: the machine's host name. @defaultValue null
     */
    host: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, { message: "must be 1 to 100 letters, digits, dots, dashes or underscores" })
      .nullable()
      .default(null),
    /** Copies held per campaign on one host at most; past it a copy is tempfailed instead. @defaultValue 5000 */
    maxPerCampaign: z.number().int().min(1).max(1_000_000).default(5000),
    /** How often the held copies are checked against their campaign's state (verdict, block, hold end). @defaultValue 1000 */
    sweepIntervalMs: z.number().int().min(100).max(60_000).default(1000),
    /** A deleted campaign's sample message is kept this long for the console; 0 keeps none. @defaultValue 604800 */
    sampleSeconds: z
      .number()
      .int()
      .min(0)
      .max(90 * 86_400)
      .default(7 * 86_400),
  })
  .strict();
