/**
 * The scan queue, sampled on its own timer for metrics, alerting and `/status`, so that a Redis outage makes the
 * queue rules fail on their own (their numbers become unknown, FloodgateQueueUnobservable says so) instead of
 * holding up everything else. A sample is skipped at once while the queue's connection is not ready (BullMQ's
 * connection would otherwise park the commands until Redis returns), bounded by `timeoutMs`, and never started
 * while the previous one is still waiting for Redis. Only the last sample counts, and only when it was taken by the
 * last attempt: a stale number is no evidence that an alert may resolve on.
 */
import { scanJobsFinishedTotal, scanQueueUnobservableSeconds } from "../../metrics/metrics.js";
import type { QueueStats } from "../../queue/stats.js";
import type { Logger } from "../../util/logger.js";
import { CounterWindow } from "./counter-window.js";

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
  readonly #options: Required<Omit<QueueSamplerOptions, "logger">> & { logger?: Logger };
  readonly #startedAt: number;
  readonly #jobs: CounterWindow;
  #stats: QueueStats | null = null;
  #lastOkAt: number | null = null;
  #lastError: string | null = "not sampled yet";
  #inFlight: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #warned = false;

  constructor(options: QueueSamplerOptions) {
    this.#options = { intervalMs: 5000, timeoutMs: 3000, windowSeconds: 300, clock: Date.now, ...options };
    this.#startedAt = this.#options.clock();
    this.#jobs = new CounterWindow(this.#options.windowSeconds);
  }

  /** Sample every `intervalMs` from now (the first sample at the first tick, or when the caller asks for one). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sample(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One attempt. Never throws. */
  async sample(): Promise<void> {
    if (this.#inFlight) return this.#failed("the previous sample is still waiting for Redis");
    if (!this.#options.connected()) return this.#failed("the queue's Redis connection is not ready");
    let timer: NodeJS.Timeout | undefined;
    const attempt = this.#options.sample();
    this.#inFlight = attempt.then(
      () => undefined,
      () => undefined,
    );
    void this.#inFlight.finally(() => (this.#inFlight = null));
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.#options.timeoutMs} ms`)),
          this.#options.timeoutMs,
        );
      });
      this.#took(await Promise.race([attempt, timeout]));
    } catch (err) {
      this.#failed((err as Error).message || "failed");
    } finally {
      clearTimeout(timer);
    }
  }

  health(now = this.#options.clock()): ScanQueueHealth {
    const ok = this.#lastError === null;
    const increase = this.#jobs.increase();
    return {
      stats: ok ? this.#stats : null,
      unobservableSeconds: ok ? 0 : Math.max(0, (now - (this.#lastOkAt ?? this.#startedAt)) / 1000),
      lastError: this.#lastError,
      jobs: {
        seconds: increase.seconds,
        completed: increase.byKey["completed"] ?? 0,
        failed: increase.byKey["failed"] ?? 0,
        lastFailure: this.#stats?.lastFailedReason ?? null,
      },
    };
  }

  #took(stats: QueueStats): void {
    const before = this.#stats;
    if (before) {
      const completed = stats.completedTotal - before.completedTotal;
      const failed = stats.failedTotal - before.failedTotal;
      if (completed > 0) scanJobsFinishedTotal.inc({ result: "completed" }, completed);
      if (failed > 0) scanJobsFinishedTotal.inc({ result: "failed" }, failed);
    }
    this.#jobs.record(stats.at, { completed: stats.completedTotal, failed: stats.failedTotal });
    this.#stats = stats;
    this.#lastOkAt = this.#options.clock();
    this.#lastError = null;
    scanQueueUnobservableSeconds.set(0);
    if (this.#warned) this.#options.logger?.info("the scan queue can be sampled again");
    this.#warned = false;
  }

  #failed(reason: string): void {
    if (!this.#warned) this.#options.logger?.warn({ reason }, "the scan queue cannot be sampled");
    this.#warned = true;
    this.#lastError = reason;
    scanQueueUnobservableSeconds.set(this.health().unobservableSeconds);
  }
}
