/**
 * What an alert rule reads and what it is: one evaluation's samples, the rule's shape, and the small helpers the rule
 * groups share (number formatting, thresholds from the configuration).
 */
import type { ReloadOutcome } from "../../config/live.js";
import type { MailFlowSnapshot } from "../mail-flow.js";
import type { RedisHealth } from "../health/redis-probe.js";
import type { RedisMemory } from "../../redis/memory.js";
import type { WriteHealth } from "../../redis/write-refusal.js";
import type { ScanQueueHealth } from "../health/queue-sampler.js";
import type { MtaQueueHealth } from "../mta-queue/sampler.js";
import type { HysteresisOptions } from "./hysteresis.js";

/** Counts over a sliding window: how many in all, and how many of them by key (a fail reason, a pool outcome). */
export interface ShareWindow {
  seconds: number;
  total: number;
  byKey: Record<string, number>;
}

/** Alert notifications not delivered yet, over every webhook. */
export interface DeliveryHealth {
  pending: number;
  /** Seconds the oldest one has waited; 0 when none waits. */
  oldestAgeSeconds: number;
  /** The spool's bound: past it the oldest notifications are dropped. */
  capacity: number;
}

/**
 * One evaluation's inputs, all from the daemon's memory (the last probe or sample of each dependency). A part that
 * could not be had is null: no evidence either way, so an alert on it neither fires nor resolves.
 */
export interface Samples {
  /** Scan jobs waiting, prioritized or delayed. */
  backlog: number | null;
  /** Age of the oldest waiting scan job. */
  oldestJobAgeSeconds: number | null;
  /** Scan jobs queued per second, and completed per second, over the last interval. */
  arrivalRate: number | null;
  completionRate: number | null;
  mailFlow: MailFlowSnapshot | null;
  /** The fast-path Redis probe. */
  redis?: RedisHealth | null;
  /** Whether the fast-path Redis takes writes (null when not probed). */
  redisWrites?: WriteHealth | null;
  /** How full the fast-path Redis is (null when not sampled). */
  redisMemory?: RedisMemory | null;
  /** The scan queue's sampling (null when the queue is off). */
  scanQueue?: ScanQueueHealth | null;
  /** Messages decided over the window (`total`) and fail-mode activations by reason (`byKey`). */
  failModes?: ShareWindow | null;
  /** Messages handed to the fingerprint pool over the window (`total`) and its refusals by outcome (`byKey`). */
  pool?: ShareWindow | null;
  /** The last configuration reload tried (null when none was). */
  reload?: ReloadOutcome | null;
  /** The MTA's queue (null when not sampled). */
  mtaQueue?: MtaQueueHealth | null;
  /** Alert notifications not delivered yet. */
  delivery?: DeliveryHealth | null;
}

export type Severity = "warning" | "critical";

/** A rule: a name (Prometheus style), a severity, the number it watches and its thresholds. */
export interface AlertRule {
  readonly name: string;
  readonly severity: Severity;
  readonly thresholds: HysteresisOptions;
  /** The number watched, or null when the sample lacks it. */
  value(samples: Samples): number | null;
  /** One line for the notification's summary. */
  summary(value: number | null): string;
  /** The details: the other numbers an operator wants in the page. */
  description(samples: Samples): string;
  /**
   * Labels beyond alertname, severity, service and instance, read when the alert fires and kept until it resolves
   * (Alertmanager tells alerts apart by their labels, so they must not change while one fires).
   */
  labels?(samples: Samples): Record<string, string>;
}

/** A number for a summary, or "unknown". */
export const n = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined ? "unknown" : x.toFixed(digits);

/** A share as a whole percentage. */
export const percent = (x: number | null | undefined): string =>
  x === null || x === undefined ? "unknown" : `${Math.round(x * 100)}%`;

/** The thresholds of a configured two-mark alert, with the alerts' repeat interval. */
export function thresholdsOf(
  h: { high: number; low: number; forSeconds: number; clearForSeconds: number },
  repeatSeconds: number,
): HysteresisOptions {
  return { high: h.high, low: h.low, forSeconds: h.forSeconds, clearForSeconds: h.clearForSeconds, repeatSeconds };
}

/** A condition that is true or false: fires and clears on the first sample that says so. */
export function booleanThresholds(repeatSeconds: number): HysteresisOptions {
  return { high: 1, low: 0, forSeconds: 0, clearForSeconds: 0, repeatSeconds };
}

/** `part / whole` over a window, or 0 below `minWhole` (too few to judge); null without a window. */
export function shareOf(window: ShareWindow | null | undefined, keys: readonly string[] | null, minWhole: number) {
  if (!window) return null;
  if (window.total < minWhole) return 0;
  const part = keys
    ? keys.reduce((sum, k) => sum + (window.byKey[k] ?? 0), 0)
    : Object.values(window.byKey).reduce((a, b) => a + b, 0);
  return Math.min(1, part / window.total);
}

/** "redis-down 80%, pool-timeout 20%": each key's share of the window's total, largest first. */
export function sharesText(window: ShareWindow | null | undefined): string {
  if (!window || window.total === 0) return "none";
  const parts = Object.entries(window.byKey)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${percent(Math.min(1, v / window.total))}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** The key with the largest count, or "none". */
export function largestKey(window: ShareWindow | null | undefined): string {
  let best = "none";
  let most = 0;
  for (const [k, v] of Object.entries(window?.byKey ?? {})) {
    if (v > most) {
      best = k;
      most = v;
    }
  }
  return best;
}
