/**
 * What the fingerprint pool's callers hand it and read of it (./pool.ts): its metrics and test hooks, a snapshot of
 * its state, and whose message it is.
 */
import type { FloodgateMetrics } from "../metrics/metrics.js";

/** A snapshot of the pool. */
export interface PoolStats {
  /** Threads alive now. */
  threads: number;
  /** Messages waiting for a thread. */
  queued: number;
  /** Share of threads running a task now, 0 to 1. */
  utilization: number;
  /** Messages a thread finished (ok or unparsed) since the pool started. */
  completed: number;
  /** Tasks started on a thread since the pool started; a batch of messages is one. */
  tasks: number;
  /** Threads started since the pool started, the first ones and every replacement. */
  threadsStarted: number;
}

/** The metrics the pool counts in (none when not given, as in the one-shot commands). */
export type PoolMetrics = Pick<
  FloodgateMetrics,
  "fingerprintsTotal" | "fingerprintDuration" | "poolUtilization" | "poolQueueLength"
>;

/** The pool's metrics, and for tests another task file (a thread that crashes or hangs on purpose). */
export interface PoolOptions {
  metrics?: PoolMetrics;
  taskFile?: string;
  /** How long a batch nobody waits for may still run before it is taken for a hang. @defaultValue HANG_MS */
  hangMs?: number;
}

/** How long a batch nobody waits for may still run before its thread is replaced (at least 4 × taskTimeoutMs). */
export const HANG_MS = 10_000;

/** Whose message it is: mail on the milter path, or a person's report (the ops server): counted apart. */
export type FingerprintSourceLabel = "mail" | "report";
