/**
 * The rules for the ways filtering stops silently: the fast-path Redis unreachable, refusing writes or filling up to
 * its maxmemory, messages decided by a fail mode instead of the policy, the fingerprint pool refusing or timing out,
 * a configuration reload refused, and the alerts themselves not reaching their webhook. All read the daemon's memory (its Redis probe, its counters, its spool), so
 * they run during the outage they report.
 */
import type { Config } from "../../config/schema.js";
import {
  booleanThresholds,
  largestKey,
  n,
  percent,
  shareOf,
  sharesText,
  thresholdsOf,
  type AlertRule,
} from "./rule-types.js";

/** The fingerprint outcomes that mean the pool could not take or finish the message in time. */
export const POOL_SATURATION_OUTCOMES = ["pool-full", "timeout", "pool-down", "large"] as const;

/** The enabled rules of this group. */
export function filteringRules(alerts: Config["alerts"]): (AlertRule | null)[] {
  return [...redisRules(alerts), ...decisionRules(alerts)];
}

/** The fast-path Redis unreachable, refusing writes, or near its maxmemory. */
function redisRules(alerts: Config["alerts"]): (AlertRule | null)[] {
  const repeat = alerts.repeatSeconds;
  const { redisDown, redisRefusingWrites, redisMemory } = alerts;
  return [
    redisDown.enabled
      ? {
          name: "FloodgateRedisDown",
          severity: "critical",
          thresholds: thresholdsOf(redisDown, repeat),
          value: (s) => (s.redis ? s.redis.unreachableSeconds : null),
          summary: (v) =>
            `The fast-path Redis has not answered for ${n(v)} s: campaigns are neither counted nor looked up`,
          description: (s) =>
            `last error: ${s.redis?.lastError ?? "none"}. Messages get policy.dependencyFailMode (reason redis-down or ` +
            `redis-timeout in the status header); the scan queue cannot be sampled or fed.`,
        }
      : null,
    redisRefusingWrites.enabled
      ? {
          name: "FloodgateRedisRefusingWrites",
          severity: "critical",
          thresholds: thresholdsOf(redisRefusingWrites, repeat),
          value: (s) => (s.redisWrites ? s.redisWrites.refusingSeconds : null),
          summary: (v) =>
            `The fast-path Redis has refused writes for ${n(v)} s: new campaigns are neither counted nor scanned`,
          description: (s) =>
            `Redis said: ${s.redisWrites?.lastError ?? "nothing"} READONLY: a replica answers (after a failover the old ` +
            `master; check redis.url or Sentinel). OOM: used_memory reached maxmemory (raise it, or find what fills ` +
            `it). Known verdicts and blocks still apply; other messages get policy.dependencyFailMode (reason redis-readonly ` +
            `or redis-oom).`,
          labels: (s) => ({ reason: s.redisWrites?.reason ?? "none" }),
        }
      : null,
    redisMemory.enabled
      ? {
          name: "FloodgateRedisMemoryHigh",
          severity: "warning",
          thresholds: thresholdsOf(redisMemory, repeat),
          value: (s) => s.redisMemory?.ratio ?? null,
          summary: (v) =>
            `The fast-path Redis uses ${percent(v)} of its maxmemory: at 100% it refuses writes (alert at ` +
            `${percent(redisMemory.high)})`,
          description: (s) =>
            `used_memory ${n(s.redisMemory?.usedBytes)} bytes of maxmemory ${n(s.redisMemory?.maxBytes)}. Raise ` +
            `maxmemory (redis.private.maxMemoryMb for the private Redis), or look at the scan queue's backlog and ` +
            `the campaigns' ttl.`,
        }
      : null,
  ];
}

/** Messages decided by a fail mode or refused by the pool, a reload refused, alerts not delivered. */
function decisionRules(alerts: Config["alerts"]): (AlertRule | null)[] {
  const repeat = alerts.repeatSeconds;
  const { failModes, poolSaturated, reloadRefused, undelivered } = alerts;
  return [
    failModes.enabled
      ? {
          name: "FloodgateFailModeHigh",
          severity: "critical",
          thresholds: thresholdsOf(failModes, repeat),
          value: (s) => shareOf(s.failModes, null, failModes.minEvents),
          summary: (v) =>
            `${percent(v)} of messages were decided by a fail mode over ${failModes.windowSeconds} s, not by the ` +
            `policy (alert at ${percent(failModes.high)})`,
          description: (s) =>
            `${n(s.failModes?.total)} messages in the last ${n(s.failModes?.seconds)} s; by reason: ` +
            `${sharesText(s.failModes)}. With policy.dependencyFailMode continue they passed unfiltered; with tempfail the ` +
            `senders retry.`,
          labels: (s) => ({ reason: largestKey(s.failModes) }),
        }
      : null,
    poolSaturated.enabled
      ? {
          name: "FloodgatePoolSaturated",
          severity: "warning",
          thresholds: thresholdsOf(poolSaturated, repeat),
          value: (s) => shareOf(s.pool, POOL_SATURATION_OUTCOMES, poolSaturated.minEvents),
          summary: (v) =>
            `The fingerprint pool refused or timed out ${percent(v)} of messages over ${poolSaturated.windowSeconds} s`,
          description: (s) =>
            `${n(s.pool?.total)} messages handed to the pool in the last ${n(s.pool?.seconds)} s; outcomes: ` +
            `${sharesText(s.pool)}. Check fingerprint.threads, maxQueue and taskTimeoutMs against the load.`,
        }
      : null,
    reloadRefused.enabled
      ? {
          name: "FloodgateConfigReloadRefused",
          severity: "warning",
          // One-shot: notified once; the next reload that applies resolves it.
          thresholds: booleanThresholds(0),
          value: (s) => (s.reload && !s.reload.ok ? 1 : 0),
          summary: () => "A configuration reload was refused: the previous configuration is still running",
          description: (s) =>
            s.reload && !s.reload.ok
              ? `refused at ${new Date(s.reload.at).toISOString()}: ${s.reload.errors.slice(0, 10).join("; ")}`
              : "the last reload applied",
        }
      : null,
    undelivered.enabled
      ? {
          name: "FloodgateAlertsUndelivered",
          severity: "warning",
          thresholds: thresholdsOf(undelivered, repeat),
          value: (s) => (s.delivery ? s.delivery.oldestAgeSeconds : null),
          summary: (v) => `An alert notification has waited ${n(v)} s for its webhook`,
          description: (s) =>
            `${n(s.delivery?.pending)} notifications waiting (the spool keeps ${n(s.delivery?.capacity)}, then drops ` +
            `the oldest); they are delivered once the receiver answers. Until then read /status or floodgate status.`,
        }
      : null,
  ];
}
