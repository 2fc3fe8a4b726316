/**
 * The fingerprint thread pool (piscina): the front the milter calls with a message at end of message. It never
 * rejects and never waits past its deadline: a full queue, a task over `taskTimeoutMs` (aborted, its thread
 * replaced), a message that breaks the parser or kills its thread, and a closed pool all become a
 * `{ status: "skipped", reason }` outcome, counted in `floodgate_fingerprints_total{outcome}`.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Piscina } from "piscina";
import type { Config } from "../config/schema.js";
import { fingerprintsTotal, poolQueueLength, poolUtilization } from "../ops/metrics.js";
import type { Logger } from "../util/logger.js";
import { distRoot } from "../util/paths.js";
import type { FingerprintTask, FingerprintTaskResult } from "./task.js";
import type { FingerprintOutcome, SkipReason } from "./types.js";

/** The compiled piscina task entry. */
export const FINGERPRINT_TASK_FILE = join(distRoot, "workers/fingerprint-task.js");

/** A snapshot of the pool. */
export interface PoolStats {
  /** Threads alive now. */
  threads: number;
  /** Tasks waiting for a thread. */
  queued: number;
  /** Share of threads running a task now, 0 to 1. */
  utilization: number;
  /** Tasks a thread finished (ok or parse skip) since the pool started. */
  completed: number;
}

/** Internal knobs for tests: another task file (a thread that crashes or hangs on purpose). */
export interface PoolInternals {
  taskFile?: string;
}

const TIMEOUT = Symbol("timeout");
/** Heap bytes a parse may use per byte parsed, a generous estimate (decoded text, HTML-to-text, tokens). */
const PARSE_HEAP_FACTOR = 64;

/** The fingerprint thread pool. One per process; `close()` on shutdown. */
export class FingerprintPool {
  readonly #config: Config["fingerprint"];
  readonly #logger: Logger | undefined;
  readonly #piscina: Piscina<FingerprintTask, FingerprintTaskResult>;
  readonly #threads: number;
  #inFlight = 0;
  #completed = 0;
  #closed = false;

  /** Start the threads (`threads`, 0 = one per core) with a heap limit of `threadHeapMb` each. */
  constructor(config: Config["fingerprint"], logger?: Logger, internals: PoolInternals = {}) {
    this.#config = config;
    this.#logger = logger;
    this.#threads = config.threads > 0 ? config.threads : availableParallelism();
    this.#piscina = new Piscina<FingerprintTask, FingerprintTaskResult>({
      filename: internals.taskFile ?? FINGERPRINT_TASK_FILE,
      minThreads: this.#threads,
      maxThreads: this.#threads,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: config.threadHeapMb },
      closeTimeout: Math.max(1000, config.taskTimeoutMs * 2),
    });
    // A thread that dies between tasks is replaced by piscina; without a listener the event would crash us.
    this.#piscina.on("error", (err: unknown) => {
      this.#logger?.warn({ err: errorMessage(err) }, "fingerprint thread failed between tasks; replaced");
    });
    // The heap limit is best effort: some allocations past it abort the whole process instead of the thread
    // (nodejs/node#47224). parseKiB is what really bounds a thread's memory; warn when it leaves little margin.
    if (config.parseKiB * 1024 * PARSE_HEAP_FACTOR > config.threadHeapMb * 1024 * 1024) {
      this.#logger?.warn(
        { parseKiB: config.parseKiB, threadHeapMb: config.threadHeapMb },
        "fingerprint.parseKiB is large for fingerprint.threadHeapMb: a hostile message may exhaust a thread's heap",
      );
    }
    this.#updateGauges();
  }

  /**
   * Fingerprint one message. Never rejects. The Buffer is shared with the thread, not copied, when it is backed
   * by a SharedArrayBuffer; otherwise it is copied once into one. It must not change until the promise settles.
   * An abort of `options.signal` (the caller's deadline) ends the task like the pool's own timeout.
   */
  async fingerprint(message: Buffer, options: { signal?: AbortSignal } = {}): Promise<FingerprintOutcome> {
    if (this.#closed) return this.#count({ status: "skipped", reason: "pool-down" });
    // The bound is ours: piscina keeps tasks that carry an AbortSignal in a side queue its maxQueue ignores.
    if (this.#waiting() >= this.#config.maxQueue) return this.#count({ status: "skipped", reason: "pool-full" });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(TIMEOUT), this.#config.taskTimeoutMs);
    const onCallerAbort = () => controller.abort(TIMEOUT);
    options.signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (options.signal?.aborted) controller.abort(TIMEOUT);
    this.#inFlight++;
    try {
      const task: FingerprintTask = {
        message: shared(message),
        parseBytes: this.#config.parseKiB * 1024,
        minWords: this.#config.minWords,
        attachmentMinBytes: this.#config.attachmentMinBytes,
        parser: this.#config.parser,
      };
      const pending = this.#piscina.run(task, { signal: controller.signal });
      this.#updateGauges();
      const result = await pending;
      this.#completed++;
      if (result.status === "ok") return this.#count({ status: "ok", fingerprint: result.fingerprint });
      this.#logger?.debug({ err: result.error }, "message not parsed; fingerprint skipped");
      return this.#count({ status: "skipped", reason: "parse" });
    } catch (err) {
      return this.#count({ status: "skipped", reason: this.#classify(err, controller.signal) });
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onCallerAbort);
      this.#inFlight--;
      this.#updateGauges();
    }
  }

  /**
   * Resolves when the threads have started and loaded the task (about a second on a busy machine), so the first
   * messages do not spend their deadline on it. Optional: messages sent before simply wait in the queue.
   */
  async ready(): Promise<void> {
    if (this.#closed) return;
    const warmUp: FingerprintTask = {
      message: new Uint8Array(0),
      parseBytes: 0,
      minWords: 1,
      attachmentMinBytes: 1,
      parser: this.#config.parser,
    };
    await Promise.allSettled(Array.from({ length: this.#threads }, () => this.#piscina.run(warmUp)));
  }

  /** Threads, queue length, utilisation and completed tasks, now. */
  stats(): PoolStats {
    const queued = this.#waiting();
    const running = Math.min(this.#threads, this.#inFlight);
    return {
      threads: this.#closed ? 0 : this.#piscina.threads.length,
      queued,
      utilization: this.#threads > 0 ? running / this.#threads : 0,
      completed: this.#completed,
    };
  }

  /** Stop taking tasks (new calls get pool-down), let running ones finish, stop the threads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#piscina.close({ force: true });
    } catch (err) {
      this.#logger?.warn({ err: errorMessage(err) }, "fingerprint pool did not close cleanly; destroying it");
      await this.#piscina.destroy();
    }
    poolUtilization.set(0);
    poolQueueLength.set(0);
  }

  /** Why a task ended without a result. */
  #classify(err: unknown, signal: AbortSignal): SkipReason {
    const message = errorMessage(err);
    if (signal.aborted && signal.reason === TIMEOUT) return "timeout";
    if (this.#closed || message === "Terminating worker thread") return "pool-down";
    if (message === "Task queue is at limit" || message.startsWith("No task queue available")) return "pool-full";
    const code = (err as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || message.startsWith("Cannot find module")) {
      this.#logger?.error({ err: message }, "fingerprint task file cannot be loaded");
      return "pool-down";
    }
    // The thread died on this message (heap limit, crash): piscina replaces it; the message is unparseable.
    this.#logger?.warn({ err: message, code }, "fingerprint thread died on a message; replaced");
    return "parse";
  }

  /** Tasks accepted and not yet on a thread. */
  #waiting(): number {
    return Math.max(0, this.#inFlight - this.#threads);
  }

  #count(outcome: FingerprintOutcome): FingerprintOutcome {
    fingerprintsTotal.inc({ outcome: outcome.status === "ok" ? "ok" : outcome.reason });
    return outcome;
  }

  #updateGauges(): void {
    const stats = this.stats();
    poolUtilization.set(stats.utilization);
    poolQueueLength.set(stats.queued);
  }
}

/** The bytes as a view of a SharedArrayBuffer: the same memory when it already is one, else one copy. */
function shared(message: Buffer): Uint8Array {
  if (message.buffer instanceof SharedArrayBuffer) {
    return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  }
  const view = new Uint8Array(new SharedArrayBuffer(message.byteLength));
  view.set(message);
  return view;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
