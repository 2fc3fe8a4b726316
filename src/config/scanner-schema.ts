/**
 * The heavy scanners (`scanWorker.scanners`) and the `verdicts` section: which scanners judge a campaign, and how
 * a score becomes a verdict.
 */
import { z } from "zod";
import { count, ms } from "./schema-fields.js";

export const scannerSchema = z.discriminatedUnion("type", [
  /** The built-in rules; spam at or above `threshold` points. */
  z
    .object({
      type: z.literal("builtin"),
      /** @defaultValue 5 */
      threshold: z.number().default(5),
    })
    .strict(),
  /** SpamAssassin's spamd. */
  z
    .object({
      type: z.literal("spamd"),
      /**
       * Where spamd listens: `socket`, or `host` and `port` (a missing one of the two: 127.0.0.1, 783). None of the
       * three: the private spamd that `floodgate run` starts in the state directory. @defaultValue null
       */
      host: z.string().min(1).nullable().default(null),
      /** @defaultValue null */
      port: count(783, 1, 65535).nullable().default(null),
      /** @defaultValue null */
      socket: z.string().startsWith("/").nullable().default(null),
      /** @defaultValue 30000 */
      timeoutMs: ms(30_000),
      /** The user spamd scans as; null: spamd's default. @defaultValue null */
      user: z.string().nullable().default(null),
      /** The private spamd (src/scanners/private-spamd.ts). @defaultValue {} */
      private: z
        .object({
          /** @defaultValue "spamd" */
          binary: z.string().min(1).default("spamd"),
          /** Scanning children. @defaultValue 2 */
          children: count(2, 1, 64),
          /** DNS blocklists and URIBL; they need a resolver that answers, or every scan waits on time-outs. @defaultValue false */
          networkTests: z.boolean().default(false),
          /** The user it runs as when Floodgate runs as root; null: debian-spamd, else nobody. @defaultValue null */
          user: z.string().min(1).nullable().default(null),
          /**
           * "with-workers": started when this host runs scan worker processes (`scanWorker.processes` > 0, the queue
           * on); "always": also on a host that runs none (another host's worker processes cannot reach its socket).
           * @defaultValue "with-workers"
           */
          start: z.enum(["with-workers", "always"]).default("with-workers"),
        })
        .strict()
        .prefault({}),
    })
    .strict(),
  /** rspamd's HTTP API. */
  z
    .object({
      type: z.literal("rspamd"),
      /** @defaultValue "http://127.0.0.1:11333" */
      url: z.string().url().default("http://127.0.0.1:11333"),
      /** @defaultValue 30000 */
      timeoutMs: ms(30_000),
      /** rspamd's controller password; null: none. @defaultValue null */
      password: z.string().nullable().default(null),
      /** rspamd's controller, which learns (`learn_spam`, `learn_ham`); null: the same host on port 11334. @defaultValue null */
      controllerUrl: z.string().url().nullable().default(null),
    })
    .strict(),
  /** ClamAV's clamd (a virus found: spam). */
  z
    .object({
      type: z.literal("clamd"),
      /** @defaultValue "127.0.0.1" */
      host: z.string().default("127.0.0.1"),
      /** @defaultValue 3310 */
      port: count(3310, 1, 65535),
      /** @defaultValue 30000 */
      timeoutMs: ms(30_000),
    })
    .strict(),
]);
export type ScannerConfig = z.infer<typeof scannerSchema>;
export type SpamdScannerConfig = Extract<ScannerConfig, { type: "spamd" }>;

/** A spamd entry with neither socket nor host nor port: the private spamd of `floodgate run`. */
export function isPrivateSpamd(config: ScannerConfig): config is SpamdScannerConfig {
  return config.type === "spamd" && config.socket === null && config.host === null && config.port === null;
}

export const verdictsSchema = z
  .object({
    /**
     * A scan judges a campaign ham only when its score is at most the scanner's threshold minus this margin; a score
     * between is "unsure" and judges nothing (bulk holds apply, the campaign is re-scanned on schedule). null: half
     * the scanner's threshold (2.5 under SpamAssassin's 5). The built-in rules never judge ham. @defaultValue null
     */
    hamMargin: z.number().min(0).nullable().default(null),
  })
  .strict();
