/**
 * The `reports` section: how reports of spam and ham from operators and mailbox users relabel campaigns.
 */
import { z } from "zod";
import { count } from "./schema-fields.js";

export const reportsSchema = z
  .object({
    /**
     * Distinct mailbox users whose reports decide a campaign (`floodgate report --reporter`), at the least (more past
     * `copiesPerReporter`); an operator's report (the admin token) decides alone. @defaultValue 3
     */
    reporters: count(3, 1, 1000),
    /**
     * Copies a campaign may have had per deciding user: past `reporters` × this many copies, one more distinct user is
     * needed per this many, so that a few complaints among thousands of readers do not refuse a newsletter to all of
     * them, and a few of a sender's own mailboxes do not release a flood held as bulk. @defaultValue 1000
     */
    copiesPerReporter: count(1000, 1, 100_000_000),
    /** Reports one reporter may make per hour; past it they are refused (counted, not applied). @defaultValue 30 */
    perReporterPerHour: count(30, 1, 100_000),
    /**
     * Teach the scanners (spamd's Bayes, rspamd) every report that decides or is counted, but a mailbox user's ham only
     * while the campaign stands ham. @defaultValue true
     */
    learn: z.boolean().default(true),
    /**
     * The report-only token's file, which can report and nothing else; null: `<state.dir>/reporter/token`,
     * generated at the first start. @defaultValue null
     */
    tokenFile: z.string().startsWith("/").nullable().default(null),
    /**
     * The group of the mail system's user (Dovecot's `vmail`, `mail`) that may read the generated report token: the
     * token's directory and file get that group (0750, 0640) and the state directory lets it pass (0711). null: only
     * Floodgate's user reads it. @defaultValue null
     */
    group: z.string().min(1).nullable().default(null),
  })
  .strict();
