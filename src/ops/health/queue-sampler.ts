/**
 * The scan queue, sampled on its own timer for metrics, alerting and `/status`, so that a Redis outage makes the
 * queue rules fail on their own (their numbers become unknown, FloodgateQueueUnobservable says so) instead of
 * holding up everything else. A sample fails at once while the queue's connection is not ready (BullMQ's connection
 * would otherwise park the commands until Redis returns); ./sampled.ts bounds the rest.
 */
import type { FloodgateMetrics } from "../../metrics/metrics.js";
import type { QueueStats } from "../../queue/stats.js";
import type { Logger } from "../../util/logger.js";
import { CounterWindow } from "./counter-window.js";
import { Sampled } from "./sampled.js";

export interface QueueSamplerOptions {
  sample: () => Promise<QueueStats>;
  /** False while the queue's Redis connection is not ready. */
  connected: () => boolean;
  /** @defaultValue 5000 */
  intervalMs?: number;
  /** @defaultValue 3000 */
  timeoutMs?: number;
  /** The window of the failed-jobs share. @defaultValue 300 */
  windowSeconds?: number;
  clock?: () => number;
  logger?: Logger;
  /** Where it counts: finished jobs and how long the queue went unobserved. */
  metrics?: Pick<FloodgateMetrics, "scanJobsFinishedTotal" | "scanQueueUnobservableSeconds">;
}

/** Finished scan jobs over the window. */
export interface ScanJobsWindow {
  seconds: number;
  completed: number;
  failed: number;
  /** The last error of the most recent job that failed for good. */
  lastFailure: string | null;
}

/** The scan queue as the rules and `/status` read it. */
export interface ScanQueueHealth {
  /** The last sample, when the last attempt took it; null otherwise. */
  stats: QueueStats | null;
  /** Seconds since the last sample that worked (since start when none did); 0 while sampling works. */
  unobservableSeconds: number;
  /** Why the last attempt failed; null when it worked. */
  lastError: string | null;
  jobs: ScanJobsWindow;
}

/** Samples the scan queue every `intervalMs`; `health()` answers at once. */
export class QueueSampler {
  readonly #sampled: Sampled<QueueStats>;
  readonly #metrics: Pick<FloodgateMetrics, "scanJobsFinishedTotal" | "scanQueueUnobservableSeconds"> | null;
  readonly #jobs: CounterWindow;
  #previous: QueueStats | null = null;

  constructor(options: QueueSamplerOptions) {
    this.#metrics = options.metrics ?? null;
    this.#jobs = new CounterWindow(options.windowSeconds ?? 300);
    this.#sampled = new Sampled({
      what: "the scan queue",
      attempt: () => {
        if (!options.connected()) throw new Error("the queue's Redis connection is not ready");
        return options.sample();
      },
      intervalMs: options.intervalMs ?? 5000,
      timeoutMs: options.timeoutMs ?? 3000,
      after: (stats) => this.#after(stats),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /** Sample every `intervalMs` from now (the first sample at the first tick, or when the caller asks for one). */
  start(): void {
    this.#sampled.start();
  }

  stop(): Promise<void> {
    return this.#sampled.stop();
  }

  /** One attempt. Never throws. */
  sample(): Promise<void> {
    return this.#sampled.sample();
  }

  health(now?: number): ScanQueueHealth {
    const s = this.#sampled.state(now);
    const increase = this.#jobs.increase();
    return {
      stats: s.value,
      unobservableSeconds: s.failingSeconds,
      lastError: s.lastError,
      jobs: {
        seconds: increase.seconds,
        completed: increase.byKey["completed"] ?? 0,
        failed: increase.byKey["failed"] ?? 0,
        lastFailure: this.#previous?.lastFailedReason ?? null,
      },
    };
  }

  /** Count what finished since the previous sample, and keep the window. */
  #after(stats: QueueStats | null): void {
    this.#metrics?.scanQueueUnobservableSeconds.set(this.#sampled.state().failingSeconds);
    if (!stats) return;
    const before = this.#previous;
    if (before) {
      const completed = stats.completedTotal - before.completedTotal;
      const failed = stats.failedTotal - before.failedTotal;
      if (completed > 0) this.#metrics?.scanJobsFinishedTotal.inc({ result: "completed" }, completed);
      if (failed > 0) this.#metrics?.scanJobsFinishedTotal.inc({ result: "failed" }, failed);
    }
    this.#jobs.record(stats.at, { completed: stats.completedTotal, failed: stats.failedTotal });
    this.#previous = stats;
  }
}
