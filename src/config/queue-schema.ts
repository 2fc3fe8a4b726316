/**
 * The `queue` and `scanWorker` sections: the heavy-scan queue (BullMQ) and the worker processes that run its jobs.
 */
import { z } from "zod";
import { count, ms } from "./schema-fields.js";
import { scannerSchema } from "./scanner-schema.js";

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
    /**
     * An add is given up (the job shed) when Redis has not answered it in this long. The mail path waits for it only
     * when the copy may wait for its verdict (`verdictWaitMs`); otherwise the scan is queued beside the answer.
     * @defaultValue 100
     */
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
    /**
     * The scan budget: while this daemon's end-of-message rate (messages a second, over the last 10 s) is at least
     * this, the mail path is busy and only bulk campaigns (past a `campaigns.bulk` threshold) are scanned; a smaller
     * campaign's scan waits for one of its copies after the rate has fallen under 70 % of this (one with no later copy
     * needs no verdict). Scans run in the idle class, yet a busy mail path's end of message still pays for those that
     * run beside it (benchmarks/README.md): a flood's own campaign is scanned, the trickle of small campaigns beside it
     * waits, and the bulk hold covers the campaigns that grow meanwhile. Counted in `floodgate_scan_jobs_shed_total{reason="busy"}`; the
     * log says when the mail path turns busy and when it no longer is. 0: never busy. @defaultValue 100
     */
    busyRate: count(100, 0),
    /** Re-scan a campaign after this many new copies. @defaultValue 1000 */
    rescanAfterCopies: count(1000, 1),
    /** Re-scan a campaign after this many seconds. @defaultValue 3600 */
    rescanAfterSeconds: count(3600, 1),
    /**
     * A ham verdict covers the links (the domains linked to, the kinds of files attached) of the copies it judged: a
     * copy carrying another is judged as a copy of an unjudged campaign, and scanned at most once each this many
     * seconds for its campaign (README, "What a ham verdict covers"). 0: a ham verdict covers every copy.
     * @defaultValue 60
     */
    rescanNewLinksSeconds: count(60, 0),
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
    /**
     * The CPU and I/O priority of what `floodgate run` starts for scanning here (its scan worker processes and the
     * private spamd, with every process they fork): "idle", the kernel's SCHED_IDLE class and the idle I/O class, so
     * that they run only on a CPU the mail path does not want (on a host that is never idle, scans wait: the bulk
     * hold covers that time); "low", nice 19 and the idle I/O class; "normal", the daemon's. A scan is background
     * work; an end of message is not (src/state/background-priority.ts). @defaultValue "idle"
     */
    priority: z.enum(["idle", "low", "normal"]).default("idle"),
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
