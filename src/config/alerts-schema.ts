/**
 * The `alerts` section: the built-in alert rules, each a two-threshold (hysteresis) alert, and where notifications go.
 */
import { z } from "zod";
import { count, ms } from "./schema-fields.js";

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
