/**
 * The configuration schema: every option, its default and its limits, in one place.
 * Unknown keys are refused (every object is strict) and every error is reported at once with its path.
 * Renamed keys are listed in renames.ts.
 * size: one schema is the point: every option, its default and its limits where an operator looks for them.
 */
import { consoleSchema } from "./console-schema.js";
import { z } from "zod";
import { parseCidr } from "../util/cidr.js";
import { holdSchema } from "./hold-schema.js";

const ms = (def: number, min = 1, max = 3_600_000) => z.number().int().min(min).max(max).default(def);
const count = (def: number, min = 0, max = 1_000_000_000) => z.number().int().min(min).max(max).default(def);
const listenSpec = z
  .string()
  .regex(/^(inet:[^:]+:\d+|inet6:\[[^\]]+\]:\d+|inet6:[0-9a-fA-F:]+:\d+|unix:\/.+|local:\/.+)$/, {
    message: "must be inet:HOST:PORT, inet6:[ADDR]:PORT or unix:/path",
  });

/** How many finished jobs of a kind BullMQ keeps, and for how long. */
const retention = (count: number, ageSeconds: number) =>
  z
    .object({
      /** Jobs kept at most (each use gives its default). */
      count: z.number().int().min(0).max(1_000_000).default(count),
      /** Seconds a job is kept at most (each use gives its default). */
      ageSeconds: z
        .number()
        .int()
        .min(1)
        .max(30 * 86_400)
        .default(ageSeconds),
    })
    .strict()
    .prefault({});

/** The fields of a two-threshold alert: fire at `high` held for `forSeconds`, clear at `low` held for `clearForSeconds`. */
const marks = (high: number, low: number, forSeconds: number, clearForSeconds: number) => ({
  /** @defaultValue true */
  enabled: z.boolean().default(true),
  /** Fire at or above this (each alert gives its default). */
  high: z.number().min(0).default(high),
  /** Clear at or below this (each alert gives its default). */
  low: z.number().min(0).default(low),
  /** Seconds at or above `high` before the alert fires (each alert gives its default). */
  forSeconds: z.number().min(0).default(forSeconds),
  /** Seconds at or below `low` before the alert clears (each alert gives its default). */
  clearForSeconds: z.number().min(0).default(clearForSeconds),
});
const lowNotAboveHigh = { message: "low must not be above high", path: ["low"] };

/** A two-threshold alert on a number. */
const hysteresis = (high: number, low: number, forSeconds = 60, clearForSeconds = 120) =>
  z
    .object(marks(high, low, forSeconds, clearForSeconds))
    .strict()
    .refine((h) => h.low <= h.high, lowNotAboveHigh);

/** A two-threshold alert on a share (0 to 1) over a sliding window, judged once the window holds `minEvents`. */
const shareHysteresis = (
  marksOf: { high: number; low: number; forSeconds: number; clearForSeconds: number },
  windowSeconds: number,
  minEvents: number,
) =>
  z
    .object({
      ...marks(marksOf.high, marksOf.low, marksOf.forSeconds, marksOf.clearForSeconds),
      /** Fire at or above this share (each alert gives its default). */
      high: z.number().min(0).max(1).default(marksOf.high),
      /** Clear at or below this share (each alert gives its default). */
      low: z.number().min(0).max(1).default(marksOf.low),
      /** Length of the sliding window (each alert gives its default). */
      windowSeconds: count(windowSeconds, 10, 86_400),
      /** The least events in the window for the share to count (each alert gives its default). */
      minEvents: count(minEvents, 1),
    })
    .strict()
    .refine((h) => h.low <= h.high, lowNotAboveHigh);

export const milterSchema = z
  .object({
    /** @defaultValue ["inet:127.0.0.1:10030"] */
    listen: z.array(listenSpec).min(1).default(["inet:127.0.0.1:10030"]),
    /** File mode of unix sockets, octal. @defaultValue "0660" */
    socketMode: z
      .string()
      .regex(/^0?[0-7]{3}$/)
      .default("0660"),
    /** Which engine speaks the protocol. @defaultValue "typescript" */
    engine: z.enum(["typescript", "libmilter"]).default("typescript"),
    /** Sessions open at once; more are refused at accept, never those already open. @defaultValue 2000 */
    maxSessions: count(2000, 1),
    /** Close a session idle this long between commands. @defaultValue 600000 */
    idleTimeoutMs: ms(600_000),
    /** TCP keepalive probe delay; 0 turns keepalive off. @defaultValue 60000 */
    keepAliveMs: ms(60_000, 0),
    /** Largest inbound packet accepted; a larger one closes the session. @defaultValue 16 MiB */
    maxPacketBytes: count(16 * 1024 * 1024, 1024 * 1024, 1_073_741_823),
    /** Bytes of each message kept for the policy; the rest is counted, not buffered. @defaultValue 1 MiB */
    messageCaptureBytes: count(1024 * 1024, 1024, 64 * 1024 * 1024),
    /**
     * Bytes the message captures of all sessions hold at most, beyond 16 KiB each: past it a message is captured
     * short (and still fingerprinted from what was kept), counted in floodgate_capture_budget_cuts_total.
     * @defaultValue 256 MiB
     */
    captureBudgetBytes: count(256 * 1024 * 1024, 1024 * 1024, 64 * 1024 * 1024 * 1024),
    /** Deadline for a policy handler before end of message. @defaultValue 1000 */
    commandDeadlineMs: ms(1000),
    /** Deadline for the end-of-message decision. @defaultValue 2000 */
    eomDeadlineMs: ms(2000),
    /** While end of message runs longer than this, send SMFIR_PROGRESS at this interval. @defaultValue 5000 */
    progressIntervalMs: ms(5000, 100),
    /**
     * What a message gets when the policy misses a stage's deadline or its handler throws (reasons `<stage>-deadline`,
     * `<stage>-error`, `<stage>-safety-timeout`). Formerly `milter.failMode`. @defaultValue "continue"
     */
    deadlineFailMode: z.enum(["continue", "tempfail"]).default("continue"),
    /**
     * Stages that are only observed and get no-reply flags when the MTA offers them (a stage the policy decides at is
     * never promised). Every write the milter saves is a wake-up saved on both sides. DATA stays answered: a milter
     * that answers nothing before end of message leaves Postfix's small writes waiting on a delayed ACK
     * (real-mta-lab.md, "Two TCP traps"). @defaultValue all but "data"
     */
    noReplyStages: z
      .array(z.enum(["connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "unknown"]))
      .default(["connect", "helo", "mail", "rcpt", "header", "eoh", "body", "unknown"]),
    /** The header that says why a fail mode applied, and carries the verdict. @defaultValue "X-Floodgate-Status" */
    statusHeader: z
      .string()
      .max(120)
      .regex(/^[\x21-\x39\x3b-\x7e]+$/)
      .default("X-Floodgate-Status"),
    /** Seconds a graceful shutdown waits for sessions in flight. @defaultValue 30 */
    shutdownGraceSeconds: z.number().min(0).max(3600).default(30),
  })
  .strict();

export const redisSchema = z
  .object({
    /**
     * redis://[user:password@]host:port/db, rediss://…, or unix:///path/redis.sock?password=…&db=N; null starts a
     * private redis-server in the state directory. @defaultValue null
     */
    url: z.string().url().nullable().default(null),
    /** How `url` (or the nodes below) is reached. @defaultValue "standalone" */
    mode: z.enum(["standalone", "cluster", "sentinel"]).default("standalone"),
    /** Cluster seed nodes, "host:port". @defaultValue [] */
    clusterNodes: z.array(z.string()).default([]),
    /** Sentinel endpoints, "host:port". @defaultValue [] */
    sentinels: z.array(z.string()).default([]),
    /** The master's name at the sentinels. @defaultValue "mymaster" */
    sentinelName: z.string().default("mymaster"),
    /** Key prefix; keys carry hash tags so that a Redis Cluster works. @defaultValue "fg" */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]+$/)
      .default("fg"),
    /** A Redis command on the mail path fails after this long. @defaultValue 250 */
    commandTimeoutMs: ms(250),
    /**
     * The private redis-server started when `url` is null: on a unix socket in the state directory's `redis`
     * subdirectory, with a random password, an append-only file fsynced every second, and `noeviction`.
     */
    private: z
      .object({
        /** @defaultValue "redis-server" */
        binary: z.string().default("redis-server"),
        /**
         * Its `maxmemory`, MiB. At the limit Redis refuses writes (known verdicts and blocks still apply, new
         * campaigns are not counted); `floodgate_redis_memory_used_ratio` alerts well before. @defaultValue 1024
         */
        maxMemoryMb: count(1024, 16, 1_048_576),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const fingerprintSchema = z
  .object({
    /** Threads in the pool; 0 means one per core. @defaultValue 0 */
    threads: count(0, 0, 64),
    /** Messages waiting for a thread before new ones are refused (skipped: pool-full). @defaultValue 256 */
    maxQueue: count(256, 1),
    /** Messages a free thread takes in one task when several waited (1: one per task). @defaultValue 8 */
    batchMax: count(8, 1, 64),
    /** Bytes to parse in one batch at most, KiB: every message of a batch gets its result when the whole batch is
     * done, so a large message runs alone rather than holding small ones behind it. A message larger than this
     * still runs, on its own. @defaultValue 32 */
    batchKiB: count(32, 1, 65536),
    /** A message not fingerprinted by then, waiting included, yields skipped: timeout. @defaultValue 1500 */
    taskTimeoutMs: ms(1500),
    /** Only the first this many KiB of a message are parsed. @defaultValue 256 */
    parseKiB: count(256, 1, 65536),
    /** Heap limit of each thread, MiB. @defaultValue 128 */
    threadHeapMb: count(128, 16, 4096),
    /** Fewer words than this: only the exact digest is used. @defaultValue 64 */
    minWords: count(64, 1),
    /** Attachments at least this large get a digest. @defaultValue 1024 */
    attachmentMinBytes: count(1024, 1),
    /** Compute the previous fingerprint version's keys too, so that campaigns blocked or given a verdict before an
     * upgrade keep matching until they expire (src/fingerprint/previous-version.ts). Turn it off once
     * floodgate_campaign_matches_total{by="previous"} has stayed at 0 for the campaign ttl (or the longest block made
     * before the upgrade, if longer): it costs about one tenth of a fingerprint. @defaultValue true */
    previousVersion: z.boolean().default(true),
    /** MIME extractor of the threads: "fast" (mailsplit + a tag stripper, src/fingerprint/extract.ts) or
     * "mailparser" (simpleParser, the slower reference). Fingerprints of the two differ for some HTML mail,
     * so changing it splits campaigns already stored. @defaultValue "fast" */
    parser: z.enum(["fast", "mailparser"]).default("fast"),
  })
  .strict();

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

const scannerSchema = z.discriminatedUnion("type", [
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

export const queueSchema = z
  .object({
    /** Queue heavy scans; false: the fast path only (campaign counts, blocks, verdicts already known). @defaultValue true */
    enabled: z.boolean().default(true),
    /** BullMQ queue name. @defaultValue "floodgate-scan" */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default("floodgate-scan"),
    /** Bytes of a message carried by its job (compressed). @defaultValue 256 KiB */
    maxPayloadBytes: count(256 * 1024, 1024),
    /** Queuing waits at most this long on the mail path. @defaultValue 100 */
    enqueueTimeoutMs: ms(100),
    /** Past this many waiting jobs new ones are shed (counted and logged). @defaultValue 10000 */
    highWaterMark: count(10_000, 1),
    /**
     * A campaign's first heavy scan is due at this many copies, and only then is a message's payload taken (compressed
     * and queued). A pre-scanner is for bulk: one-off mail is judged by the downstream filter or the MTA's content
     * filter anyway, so scanning every new message would double their work for nothing. 1 scans every new campaign at
     * its first copy, for a site where Floodgate is the only scanner (with `verdictWaitMs`, the first copy can wait for
     * its own verdict). @defaultValue 2
     */
    scanAtCopies: count(2, 1),
    /** Re-scan a campaign after this many new copies. @defaultValue 1000 */
    rescanAfterCopies: count(1000, 1),
    /** Re-scan a campaign after this many seconds. @defaultValue 3600 */
    rescanAfterSeconds: count(3600, 1),
    /**
     * Finished scan jobs kept in Redis (each with its message), by count and age: the newest `count` of those younger
     * than `ageSeconds`. Completed jobs are only kept for inspection; failed ones a day, for diagnosis.
     * @defaultValue completed: 100 for 1 h; failed: 1,000 for 24 h
     */
    keepCompleted: retention(100, 3600),
    keepFailed: retention(1000, 86_400),
    /** End of message may wait this long for its own scan's verdict when the queue is healthy; 0 never waits. @defaultValue 0 */
    verdictWaitMs: ms(0, 0),
  })
  .strict();

/** The heavy-scan worker processes (BullMQ); formerly the section `worker`. */
export const scanWorkerSchema = z
  .object({
    /** Worker processes `floodgate run` starts beside the milter; 0 for none. @defaultValue 1 */
    processes: count(1, 0, 64),
    /** Jobs at once per process. @defaultValue 4 */
    concurrency: count(4, 1, 1000),
    /** A job whose scanners have not answered by then fails (and is retried). @defaultValue 60000 */
    jobTimeoutMs: ms(60_000),
    /** Tries per job, the first included. @defaultValue 3 */
    attempts: count(3, 1, 100),
    /** First retry delay, doubled on each attempt. @defaultValue 2000 */
    backoffMs: ms(2000),
    /** A job's lock, renewed while it runs; a worker process that dies loses it after this long. @defaultValue 30000 */
    lockDurationMs: ms(30_000, 1000),
    /** How often each worker process looks for stalled jobs (lock lost) and re-queues them. @defaultValue 15000 */
    stalledIntervalMs: ms(15_000, 500),
    /** Times a job may stall (its worker process died) before it fails for good. @defaultValue 2 */
    maxStalledCount: count(2, 0, 100),
    /** A verdict from a score at or above this is spam. @defaultValue 5 */
    spamScore: z.number().default(5),
    /**
     * Tried in order, the first that answers decides. The default: the private spamd, and the built-in rules when it
     * cannot start or answer. @defaultValue [{ type: "spamd" }, { type: "builtin", threshold: 5 }]
     */
    scanners: z
      .array(scannerSchema)
      .min(1)
      .prefault([{ type: "spamd" }, { type: "builtin", threshold: 5 }]),
  })
  .strict();

export const metricsSchema = z
  .object({
    /** Serve /metrics, /healthz, /readyz, /status and the admin endpoint. @defaultValue true */
    enabled: z.boolean().default(true),
    /** Loopback unless configured otherwise; the admin endpoints answer local peers only. @defaultValue "127.0.0.1" */
    host: z.string().min(1).default("127.0.0.1"),
    /** 0 picks a free port (tests). @defaultValue 9464 */
    port: count(9464, 0, 65535),
    /** A unix socket (mode 0600) the ops server also listens on, such as /run/floodgate/ops.sock. @defaultValue null */
    socket: z.string().startsWith("/").nullable().default(null),
    /**
     * The token every state-changing endpoint requires (`Authorization: Bearer …`), at least 16 characters; null:
     * `adminTokenFile`, else `<state.dir>/admin-token`, generated at the first start (mode 0600). Redacted when
     * printed. @defaultValue null
     */
    adminToken: z.string().min(16).nullable().default(null),
    /** A file (owned by Floodgate's user or root, not readable by others) holding the token. @defaultValue null */
    adminTokenFile: z.string().min(1).nullable().default(null),
    /**
     * Host names an admin request's Host header may carry beside IP literals and `localhost`: anything else is
     * refused, as DNS rebinding would bring it. @defaultValue []
     */
    allowedHosts: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const alertsSchema = z
  .object({
    /** Evaluate the built-in alert rules this often; `enabled: false` turns the evaluator off. @defaultValue true */
    enabled: z.boolean().default(true),
    /** @defaultValue 5000 */
    evaluateIntervalMs: ms(5000, 100),
    /** The `instance` label of every alert; null means the host name. @defaultValue null */
    instance: z.string().min(1).nullable().default(null),
    /** Where Alertmanager-webhook-shaped notifications go (none by default: edges are logged anyway). @defaultValue [] */
    webhooks: z
      .array(
        z
          .object({
            /** Where to POST; required. */
            url: z.string().url(),
            /** Each attempt gives up after this long. @defaultValue 5000 */
            timeoutMs: ms(5000),
            /** First retry delay; doubled on each attempt up to `maxBackoffMs`. @defaultValue 1000 */
            backoffMs: ms(1000),
            /** The longest wait between two attempts: a notification is retried until delivered. @defaultValue 60000 */
            maxBackoffMs: ms(60_000),
            /** Extra request headers such as Authorization (redacted when printed). @defaultValue {} */
            headers: z.record(z.string(), z.string()).default({}),
          })
          .strict(),
      )
      .default([]),
    /** Re-send a firing alert this often. @defaultValue 3600 */
    repeatSeconds: count(3600, 1),
    /**
     * Notifications not yet delivered, over every webhook, kept in memory and in a spool file in the state
     * directory (delivered after a restart too); past this the oldest are dropped, counted and logged. @defaultValue 1000
     */
    spoolMaxNotifications: count(1000, 10, 100_000),
    /** FloodgateScanBacklogHigh: scan jobs waiting. @defaultValue high 1000, low 100, for 60 s, clear for 120 s */
    backlog: hysteresis(1000, 100).prefault({}),
    /** FloodgateScanJobTooOld: age of the oldest waiting scan job, seconds. @defaultValue high 300, low 60, for 60 s, clear for 120 s */
    oldestJobAgeSeconds: hysteresis(300, 60).prefault({}),
    /** Arrival rate minus completion rate, jobs per second. @defaultValue high 5, low 0, for 60 s, clear for 120 s */
    backlogGrowth: hysteresis(5, 0).prefault({}),
    /** FloodgateRedisDown (critical): seconds the fast-path Redis has not answered its probe (one a second).
     * @defaultValue high 10, low 0, for 0 s, clear for 10 s
     */
    redisDown: hysteresis(10, 0, 0, 10).prefault({}),
    /**
     * FloodgateRedisRefusingWrites (critical): seconds the fast-path Redis has refused writes (READONLY: a replica;
     * OOM: at maxmemory), by its probe (one a second) or the mail path.
     * @defaultValue high 5, low 0, for 0 s, clear for 10 s
     */
    redisRefusingWrites: hysteresis(5, 0, 0, 10).prefault({}),
    /** FloodgateRedisMemoryHigh: used_memory over maxmemory of the fast-path Redis (past 1 it refuses writes).
     * @defaultValue high 0.8, low 0.7, for 60 s, clear for 120 s
     */
    redisMemory: hysteresis(0.8, 0.7, 60, 120).prefault({}),
    /** FloodgateFailModeHigh (critical): share of messages decided by a fail mode, any reason, over the window.
     * @defaultValue high 0.25, low 0.05, for 30 s, clear for 60 s, window 120 s, at least 10 messages
     */
    failModes: shareHysteresis({ high: 0.25, low: 0.05, forSeconds: 30, clearForSeconds: 60 }, 120, 10).prefault({}),
    /** FloodgatePoolSaturated: share of messages the fingerprint pool refused (full, down) or timed out.
     * @defaultValue high 0.25, low 0.05, for 30 s, clear for 60 s, window 120 s, at least 10 messages
     */
    poolSaturated: shareHysteresis({ high: 0.25, low: 0.05, forSeconds: 30, clearForSeconds: 60 }, 120, 10).prefault(
      {},
    ),
    /** FloodgateQueueUnobservable: seconds the scan queue could not be sampled. @defaultValue high 30, low 0, for 0 s, clear for 10 s */
    queueUnobservable: hysteresis(30, 0, 0, 10).prefault({}),
    /** FloodgateScanJobsFailing (critical): share of finished scan jobs that failed for good over the window.
     * @defaultValue high 0.9, low 0.5, for 0 s, clear for 120 s, window 600 s, at least 3 jobs
     */
    scanJobsFailing: shareHysteresis({ high: 0.9, low: 0.5, forSeconds: 0, clearForSeconds: 120 }, 600, 3).prefault({}),
    /** FloodgateConfigReloadRefused: fires once when a reload is refused, resolves on the next reload that applies. */
    reloadRefused: z
      .object({
        /** @defaultValue true */
        enabled: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** FloodgateAlertsUndelivered: seconds the oldest alert notification has waited for its webhook.
     * @defaultValue high 300, low 0, for 0 s, clear for 0 s */
    undelivered: hysteresis(300, 0, 0, 0).prefault({}),
    /** The MTA's queue, when `mtaQueue.mta` samples it. */
    mtaQueue: z
      .object({
        /** FloodgateMtaDeferredHigh: messages in the deferred queue. @defaultValue high 200, low 50, for 300 s, clear for 300 s */
        deferred: hysteresis(200, 50, 300, 300).prefault({}),
        /** FloodgateMtaMessageOld (critical): seconds the oldest message has been in the queue.
         * @defaultValue high 3600, low 1800, for 0 s, clear for 300 s */
        oldestMessageSeconds: hysteresis(3600, 1800, 0, 300).prefault({}),
        /** FloodgateMtaHoldHigh: messages in the MTA's hold queue (held copies waiting for a verdict).
         * @defaultValue high 1000, low 200, for 300 s, clear for 300 s */
        hold: hysteresis(1000, 200, 300, 300).prefault({}),
        /** FloodgateMtaQueueUnobservable: seconds the MTA's queue could not be sampled. @defaultValue high 300, low 0, for 0 s, clear for 0 s */
        unobservableSeconds: hysteresis(300, 0, 0, 0).prefault({}),
      })
      .strict()
      .prefault({}),
    watchdog: z
      .object({
        /** No message accepted this long while sessions keep arriving. @defaultValue 600 */
        noAcceptedSeconds: count(600, 1),
        /** Sessions opened since the last accepted message before the silence counts. @defaultValue 3 */
        noAcceptedMinSessions: count(3, 1),
        /** No MTA connected this long. @defaultValue 1800 */
        noConnectionSeconds: count(1800, 1),
        /** Reject ratio over the window. @defaultValue high 0.5, low 0.3, for 60 s, clear for 120 s */
        rejectRatio: hysteresis(0.5, 0.3).prefault({}),
        /** Tempfail ratio over the window. @defaultValue high 0.5, low 0.3, for 60 s, clear for 120 s */
        tempfailRatio: hysteresis(0.5, 0.3).prefault({}),
        /** Window of the ratios, seconds. @defaultValue 300 */
        ratioWindowSeconds: count(300, 10),
        /** The least messages in the window for a ratio to count. @defaultValue 20 */
        ratioMinMessages: count(20, 1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

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

export const reportsSchema = z
  .object({
    /**
     * Distinct mailbox users whose reports decide a campaign (`floodgate report --reporter`); an operator's report
     * (the admin token) decides alone. @defaultValue 3
     */
    reporters: count(3, 1, 1000),
    /** Reports one reporter may make per hour; past it they are refused (counted, not applied). @defaultValue 30 */
    perReporterPerHour: count(30, 1, 100_000),
    /** Teach the scanners (spamd's Bayes, rspamd) every report that decides or is counted. @defaultValue true */
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

export const stateSchema = z
  .object({
    /**
     * The directory that holds every private service's data and every secret (the private Redis, the admin token),
     * each in its own subdirectory of mode 0700. null: `$STATE_DIRECTORY` under systemd, /var/lib/floodgate for root
     * or a service user that owns it, else `$XDG_STATE_HOME/floodgate` (~/.local/state/floodgate). One
     * `floodgate run` per directory. @defaultValue null
     */
    dir: z.string().min(1).nullable().default(null),
  })
  .strict();

export const mtaQueueSchema = z
  .object({
    /**
     * Sample the MTA's own queue: "postfix" runs `postqueue -j` (under the shipped systemd unit it needs
     * `SupplementaryGroups=postdrop`), "sendmail" runs `mailq`; "none" samples nothing. @defaultValue "none"
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

export const configSchema = z
  .object({
    state: stateSchema.prefault({}),
    milter: milterSchema.prefault({}),
    redis: redisSchema.prefault({}),
    fingerprint: fingerprintSchema.prefault({}),
    campaigns: campaignsSchema.prefault({}),
    policy: policySchema.prefault({}),
    queue: queueSchema.prefault({}),
    scanWorker: scanWorkerSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
    mtaQueue: mtaQueueSchema.prefault({}),
    verdicts: verdictsSchema.prefault({}),
    reports: reportsSchema.prefault({}),
    console: consoleSchema.prefault({}),
    hold: holdSchema.prefault({}),
    /** Log level of the JSON log on standard error; a reload applies it. @defaultValue "info" */
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => c.policy.holdMode !== "quarantine" || c.mtaQueue.mta !== "none", {
    message: "quarantine needs mtaQueue.mta (postfix or sendmail), so that the hold queue is sampled and alerted on",
    path: ["policy", "holdMode"],
  });

export type Config = z.infer<typeof configSchema>;
export type MilterConfig = Config["milter"];

/** The configuration with every default, as `floodgate run` uses it with no file. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
