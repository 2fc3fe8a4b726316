/**
 * The MTA's side of the silence: mail accumulating in its own queue (the next hop unreachable, a mailbox server
 * down), which no milter metric shows. Enabled when `mtaQueue.mta` samples the queue.
 */
import type { Config } from "../../config/schema.js";
import { n, thresholdsOf, type AlertRule, type Samples } from "./rule-types.js";

function mtaDescription(s: Samples): string {
  const q = s.mtaQueue;
  if (!q) return "the MTA's queue is not sampled";
  const c = q.counts;
  if (!c) return `${q.mta}'s queue cannot be sampled: ${q.lastError ?? "unknown"}`;
  return (
    `${q.mta} queue: ${c.total} messages (deferred ${c.deferred}, active ${c.active}, hold ${c.hold}, ` +
    `incoming ${c.incoming}); the oldest queued ${n(c.oldestAgeSeconds)} s ago`
  );
}

/** The MTA queue rules, when the queue is sampled. */
export function mtaRules(alerts: Config["alerts"], sampled: boolean): (AlertRule | null)[] {
  if (!sampled) return [];
  const repeat = alerts.repeatSeconds;
  const { deferred, oldestMessageSeconds, hold, unobservableSeconds } = alerts.mtaQueue;
  return [
    deferred.enabled
      ? {
          name: "FloodgateMtaDeferredHigh",
          severity: "warning",
          thresholds: thresholdsOf(deferred, repeat),
          value: (s) => s.mtaQueue?.counts?.deferred ?? null,
          summary: (v) => `${n(v)} messages wait in the MTA's deferred queue (alert at ${deferred.high})`,
          description: (s) => `${mtaDescription(s)}. Check the MTA's log for the deferral reason (the next hop).`,
        }
      : null,
    oldestMessageSeconds.enabled
      ? {
          name: "FloodgateMtaMessageOld",
          severity: "critical",
          thresholds: thresholdsOf(oldestMessageSeconds, repeat),
          value: (s) => s.mtaQueue?.counts?.oldestAgeSeconds ?? null,
          summary: (v) => `A message has waited ${n(v)} s in the MTA's queue (alert at ${oldestMessageSeconds.high} s)`,
          description: mtaDescription,
        }
      : null,
    hold.enabled
      ? {
          name: "FloodgateMtaHoldHigh",
          severity: "warning",
          thresholds: thresholdsOf(hold, repeat),
          value: (s) => s.mtaQueue?.counts?.hold ?? null,
          summary: (v) => `${n(v)} messages wait in the MTA's hold queue (alert at ${hold.high})`,
          description: (s) =>
            `${mtaDescription(s)}. Held copies wait for their campaign's verdict or the end of its hold ` +
            "(policy.holdSeconds): check that scans finish (the scan backlog) and that the hold-queue helper answers (floodgate status).",
        }
      : null,
    unobservableSeconds.enabled
      ? {
          name: "FloodgateMtaQueueUnobservable",
          severity: "warning",
          thresholds: thresholdsOf(unobservableSeconds, repeat),
          value: (s) => s.mtaQueue?.unobservableSeconds ?? null,
          summary: (v) => `The MTA's queue could not be sampled for ${n(v)} s`,
          description: (s) =>
            `${mtaDescription(s)}. Under the shipped systemd unit, postqueue needs the postdrop group (NoNewPrivileges ignores its setgid bit): the drop-in floodgate.service.d/postfix-queue.conf gives it.`,
        }
      : null,
  ];
}
