/**
 * The scan queue's state for metrics and alerting: counts by BullMQ state, the backlog, the oldest waiting job's
 * age, and arrival and completion rates (from the producer's arrival counter and BullMQ's completion metrics,
 * differenced against the previous call on the same queue, or against a sample the caller passes). `setQueueGauges` puts a sample in the metrics.
 */
import type { Queue } from "bullmq";
import type { FloodgateMetrics } from "../metrics/metrics.js";

/** The BullMQ states counted (v6 has no `paused` state). */
export const JOB_STATES = ["waiting", "active", "delayed", "prioritized", "completed", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface QueueStats {
  counts: Record<JobState, number>;
  /** waiting + prioritized + delayed: jobs not yet started. */
  backlog: number;
  /** Age in seconds of the oldest waiting job; 0 when none waits. */
  oldestWaitingAgeSeconds: number;
  /** Jobs added per second since the previous call (0 on the first call). */
  arrivalRate: number;
  /** Jobs finished (completed or failed for good) per second since the previous call (0 on the first call). */
  completionRate: number;
  /** Jobs added ever (the producer's counter; an estimate without `arrivalsKey`) and finished ever (BullMQ metrics). */
  arrivalsTotal: number;
  finishedTotal: number;
  /** Of `finishedTotal`, the jobs completed and the jobs failed for good (every attempt used). */
  completedTotal: number;
  failedTotal: number;
  /** Why the most recent job that failed for good failed (its last error); null when none did. */
  lastFailedReason: string | null;
  /** Unix ms of this sample. */
  at: number;
}

interface Sample {
  at: number;
  arrivals: number;
  finished: number;
}
const previous = new WeakMap<object, Sample>();

/**
 * Sample the queue. `arrivalsKey` is the producer's arrival counter (`arrivalsKey(config)` in names.ts); without it
 * the arrival rate is estimated as completion rate plus backlog growth.
 */
export async function queueStats(
  queue: Queue,
  options: {
    arrivalsKey?: string;
    now?: number;
    previous?: Pick<QueueStats, "at" | "arrivalsTotal" | "finishedTotal">;
  } = {},
): Promise<QueueStats> {
  const at = options.now ?? Date.now();
  const client = options.arrivalsKey ? await queue.getBackend().client : null;
  const [counts, oldest, completed, failed, arrivalsText, lastFailed] = await Promise.all([
    queue.getJobCounts(...JOB_STATES),
    queue.getJobs(["wait"], 0, 0, true),
    queue.getMetrics("completed", 0, 0),
    queue.getMetrics("failed", 0, 0),
    client && options.arrivalsKey ? client.get(options.arrivalsKey) : Promise.resolve(null),
    queue.getJobs(["failed"], 0, 0, false),
  ]);
  const full = Object.fromEntries(JOB_STATES.map((s) => [s, counts[s] ?? 0])) as Record<JobState, number>;
  const backlog = full.waiting + full.prioritized + full.delayed;
  const oldestJob = oldest[0];
  const oldestWaitingAgeSeconds = oldestJob ? Math.max(0, (at - oldestJob.timestamp) / 1000) : 0;
  const completedTotal = Number(completed.meta.count);
  const failedTotal = Number(failed.meta.count);
  const finished = completedTotal + failedTotal;
  const inSystem = backlog + full.active;
  const arrivals = options.arrivalsKey ? Number(arrivalsText ?? 0) : inSystem + finished;

  const prior = options.previous;
  const before = prior
    ? { at: prior.at, arrivals: prior.arrivalsTotal, finished: prior.finishedTotal }
    : previous.get(queue);
  previous.set(queue, { at, arrivals, finished });
  let arrivalRate = 0;
  let completionRate = 0;
  if (before && at > before.at) {
    const seconds = (at - before.at) / 1000;
    completionRate = Math.max(0, (finished - before.finished) / seconds);
    arrivalRate = Math.max(0, (arrivals - before.arrivals) / seconds);
  }

  return {
    counts: full,
    backlog,
    oldestWaitingAgeSeconds,
    arrivalRate,
    completionRate,
    arrivalsTotal: arrivals,
    finishedTotal: finished,
    completedTotal,
    failedTotal,
    lastFailedReason: lastFailed[0]?.failedReason ?? null,
    at,
  };
}

/** Set the queue gauges (`floodgate_scan_jobs{state}`, `floodgate_scan_oldest_job_age_seconds`) from a sample. */
export function setQueueGauges(metrics: Pick<FloodgateMetrics, "scanJobs" | "oldestJobAge">, stats: QueueStats): void {
  for (const state of JOB_STATES) metrics.scanJobs.set({ state }, stats.counts[state]);
  metrics.oldestJobAge.set(stats.oldestWaitingAgeSeconds);
}
