/**
 * The `mtaQueue` section: sampling the MTA's own queue (Postfix or Sendmail).
 */
import { z } from "zod";
import { count } from "./schema-fields.js";

export const mtaQueueSchema = z
  .object({
    /**
     * Sample the MTA's own queue: "postfix" runs `postqueue -j` (under the shipped systemd unit it needs
     * the drop-in floodgate.service.d/postfix-queue.conf: `SupplementaryGroups=postdrop`), "sendmail" runs `mailq`; "none" samples nothing. @defaultValue "none"
     */
    mta: z.enum(["none", "postfix", "sendmail"]).default("none"),
    /** The command and its arguments, instead of the MTA's default (`postqueue -c DIR -j` for a second instance). @defaultValue null */
    command: z.array(z.string().min(1)).min(1).nullable().default(null),
    /** Sample this often. @defaultValue 60 */
    intervalSeconds: count(60, 1, 3600),
    /** A sample that takes longer is killed and counts as failed. @defaultValue 30 */
    timeoutSeconds: count(30, 1, 600),
  })
  .strict();
