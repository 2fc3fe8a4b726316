/**
 * The `policy` section: from a campaign's state to a verdict, the fail mode of dependencies, holds and the allowlist.
 */
import { z } from "zod";
import { parseCidr } from "../util/cidr.js";
import { count } from "./schema-fields.js";

export const policySchema = z
  .object({
    /** Decide and tag, never reject or tempfail. Switchable at run time. @defaultValue false */
    shadow: z.boolean().default(false),
    /**
     * What a message gets when a dependency (Redis, the fingerprint pool) is slow, down or fails (reasons
     * redis-timeout, pool-full, …). Formerly `policy.failMode`. @defaultValue "continue"
     */
    dependencyFailMode: z.enum(["continue", "tempfail"]).default("continue"),
    /**
     * What a message of which no fingerprint can be made becomes (`skipped; reason=unparsed` or `thread-died`: the
     * message itself, not a dependency, is the cause). Every message a parser limit stops is still fingerprinted from
     * what was read, so this is the case of a thread dying on a message. "tempfail" keeps it out without losing it:
     * the sending MTA retries, a metric and the log say why. "continue" delivers it unfiltered, labelled; "reject"
     * refuses it for good. @defaultValue "tempfail"
     */
    unparsedAction: z.enum(["continue", "tempfail", "reject"]).default("tempfail"),
    /**
     * What a message with a whole parse window (`fingerprint.parseKiB`) or more to read becomes when the fingerprint
     * pool does not read it in time or has no room for it (`skipped; reason=pool-large`). The pool reads smaller mail
     * first, so this happens when it is busy with large mail: a flood of messages costly to read (a megabyte of
     * styled elements takes a thread a few hundred milliseconds), whose copies must not skip the filter for being
     * costly. "tempfail" defers them (the sending MTA retries; legitimate large mail arriving in such a flood is
     * delayed, not lost); "continue" delivers them unfiltered, labelled, as `dependencyFailMode` does.
     * @defaultValue "tempfail"
     */
    largeMailFailMode: z.enum(["continue", "tempfail"]).default("tempfail"),
    /** Seconds a surging campaign without a verdict is held (tempfailed or quarantined). @defaultValue 900 */
    holdSeconds: count(900, 0),
    /** Hold bulk campaigns that have no verdict yet. @defaultValue true */
    holdBulk: z.boolean().default(true),
    /**
     * How a copy is held: "tempfail" answers 451 and the sender retries later; "quarantine" accepts it into the MTA's
     * hold queue (SMFIR_QUARANTINE), from which it is released or deleted once its campaign is judged or its hold
     * ends (the `hold` section; needs the hold-queue helper and `mtaQueue.mta`, so that the hold queue is watched).
     * @defaultValue "tempfail"
     */
    holdMode: z.enum(["tempfail", "quarantine"]).default("tempfail"),
    /** Solicited bulk that is never held: a match on any list below. */
    allowlist: z
      .object({
        /** Envelope sender domains (and their subdomains). @defaultValue [] */
        senderDomains: z.array(z.string()).default([]),
        /** Domains whose DKIM signature passed, per a trusted Authentication-Results header. @defaultValue [] */
        dkimDomains: z.array(z.string()).default([]),
        /** List-Id values. @defaultValue [] */
        listIds: z.array(z.string()).default([]),
        /** Client addresses or CIDR networks, v4 or v6. @defaultValue [] */
        clientNetworks: z
          .array(
            z.string().superRefine((spec, ctx) => {
              try {
                parseCidr(spec);
              } catch (error) {
                ctx.addIssue({ code: "custom", message: (error as Error).message });
              }
            }),
          )
          .default([]),
        /**
         * Authentication-Results headers trusted for `dkimDomains`: those whose authserv-id is listed; when empty,
         * only the topmost one (added by the nearest MTA or milter). @defaultValue []
         */
        authservIds: z.array(z.string()).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();
