/**
 * The scan queue's alert rules: its backlog, its oldest job, its growth, whether it can be sampled at all, and scan
 * jobs that fail for good (a scanner that fails every job). The first three read the last sample of the queue and
 * have no evidence while it cannot be sampled (Redis down): they keep their state and say so in their description.
 */
import type { Config } from "../../config/schema.js";
import { n, percent, shareOf, thresholdsOf, type AlertRule, type Samples } from "./rule-types.js";

function queueDescription(s: Samples): string {
  const unobservable =
    s.scanQueue && s.scanQueue.lastError !== null ? `; the queue cannot be sampled: ${s.scanQueue.lastError}` : "";
  return (
    `backlog ${n(s.backlog)} jobs, oldest waiting ${n(s.oldestJobAgeSeconds)} s, ` +
    `arrivals ${n(s.arrivalRate, 2)}/s, completions ${n(s.completionRate, 2)}/s${unobservable}`
  );
}

/** The finished jobs' failed share over the window, as a ShareWindow. */
function jobsWindow(s: Samples) {
  const jobs = s.scanQueue?.jobs;
  if (!jobs) return null;
  return { seconds: jobs.seconds, total: jobs.completed + jobs.failed, byKey: { failed: jobs.failed } };
}

/** The enabled scan-queue rules. */
export function queueRules(alerts: Config["alerts"]): (AlertRule | null)[] {
  const repeat = alerts.repeatSeconds;
  const failing = alerts.scanJobsFailing;
  return [
    alerts.backlog.enabled
      ? {
          name: "FloodgateScanBacklogHigh",
          severity: "warning",
          thresholds: thresholdsOf(alerts.backlog, repeat),
          value: (s) => s.backlog,
          summary: (v) => `Heavy-scan backlog is ${n(v)} jobs (alert at ${alerts.backlog.high})`,
          description: queueDescription,
        }
      : null,
    alerts.oldestJobAgeSeconds.enabled
      ? {
          name: "FloodgateScanJobTooOld",
          severity: "critical",
          thresholds: thresholdsOf(alerts.oldestJobAgeSeconds, repeat),
          value: (s) => s.oldestJobAgeSeconds,
          summary: (v) =>
            `The oldest waiting scan job is ${n(v)} s old (alert at ${alerts.oldestJobAgeSeconds.high} s)`,
          description: queueDescription,
        }
      : null,
    alerts.backlogGrowth.enabled
      ? {
          name: "FloodgateBacklogGrowing",
          severity: "warning",
          thresholds: thresholdsOf(alerts.backlogGrowth, repeat),
          value: (s) => (s.arrivalRate === null || s.completionRate === null ? null : s.arrivalRate - s.completionRate),
          summary: (v) => `Scan jobs arrive ${n(v, 2)}/s faster than they complete`,
          description: queueDescription,
        }
      : null,
    alerts.queueUnobservable.enabled
      ? {
          name: "FloodgateQueueUnobservable",
          severity: "warning",
          thresholds: thresholdsOf(alerts.queueUnobservable, repeat),
          value: (s) => (s.scanQueue ? s.scanQueue.unobservableSeconds : null),
          summary: (v) => `The scan queue could not be sampled for ${n(v)} s: its backlog and oldest job are unknown`,
          description: (s) =>
            `last error: ${s.scanQueue?.lastError ?? "none"}; the queue alerts keep their state until it can be sampled again`,
        }
      : null,
    failing.enabled
      ? {
          name: "FloodgateScanJobsFailing",
          severity: "critical",
          thresholds: thresholdsOf(failing, repeat),
          value: (s) =>
            s.scanQueue && s.scanQueue.lastError === null
              ? shareOf(jobsWindow(s), ["failed"], failing.minEvents)
              : null,
          summary: (v) =>
            `${percent(v)} of finished scan jobs failed for good over ${failing.windowSeconds} s: campaigns get no verdict`,
          description: (s) => {
            const jobs = s.scanQueue?.jobs;
            return (
              `completed ${n(jobs?.completed)}, failed ${n(jobs?.failed)} in the last ${n(jobs?.seconds)} s; ` +
              `last failure: ${jobs?.lastFailure ?? "unknown"}. Check the scanners the worker processes use.`
            );
          },
        }
      : null,
  ];
}
