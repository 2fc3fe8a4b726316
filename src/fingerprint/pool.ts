/**
 * The fingerprint thread pool (piscina): the front the milter calls with a message at end of message. It never
 * rejects and never waits past its deadline: a full queue, a message not done within `taskTimeoutMs` or the
 * caller's deadline, a message that breaks the parser or kills its thread, and a closed pool all become a
 * `{ status: "skipped", reason }` outcome, counted in `floodgate_fingerprints_total{outcome}`.
 *
 * Messages wait in a bounded queue of our own (`maxQueue`; ./batch-queue.ts), the smallest first, so a flood of
 * messages costly to read does not hold others past their time. A thread that comes free takes the messages that
 * waited, up to `batchMax` of them and `batchKiB` of bytes to parse, in one task: under load one
 * hand-off (a thread wake-up and a reply) serves several messages, and an idle pool still runs each message at once.
 * A batch every message of which has timed out or lost its caller is left to finish (its results dropped): every
 * step of a task is linear in the bytes parsed and capped, so it ends soon, while replacing its thread costs a
 * restart (the task module loaded again, its code cold), and aborting such batches at once makes a loaded pool fall
 * further behind the more it is loaded (benchmarks/README.md, "Figures behind choices in the code"). Only a batch
 * still running `hangMs` after its last caller left is taken for a hang: it is aborted and its thread replaced. A
 * batch whose thread dies is run again one message per task, so only the message that kills a thread is skipped, as
 * "thread-died". The threads themselves, their heap limit and what bounds their memory: ./pool-threads.ts.
 */
import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import type { Config } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import { BatchAbort } from "./batch-abort.js";
import { BatchQueue, type Waiting } from "./batch-queue.js";
import { batchLimits, outcomeOf, shared, taskOptions } from "./pool-messages.js";
import { failureReason, FINGERPRINT_TASK_FILE, startThreads } from "./pool-threads.js";
import { errorText } from "../util/error-text.js";
import type { FingerprintBatch, FingerprintTaskResult } from "./task.js";
import type { FingerprintOutcome, SkipReason } from "./types.js";
import {
  HANG_MS,
  type FingerprintSourceLabel,
  type PoolMetrics,
  type PoolOptions,
  type PoolStats,
} from "./pool-types.js";

/** One message from its call to its outcome. `alone`: its batch's thread died, so it runs in a task of its own. */
interface Request extends Waiting {
  message: Uint8Array;
  source: FingerprintSourceLabel;
  /** The batch running it; null while it waits. */
  batch: Batch | null;
  settled: boolean;
  settle(outcome: FingerprintOutcome): void;
}

/** Messages running in one task on one thread. */
interface Batch {
  members: Request[];
  abort: BatchAbort;
  /** Set once nobody waits for the batch: it aborts the batch if it is still running then. */
  hangTimer: NodeJS.Timeout | null;
}

/** The fingerprint thread pool. One per process; `close()` on shutdown. */
export class FingerprintPool {
  #config: Config["fingerprint"];
  readonly #internals: PoolOptions;
  readonly #logger: Logger | undefined;
  readonly #piscina: Piscina<FingerprintBatch, FingerprintTaskResult[]>;
  readonly #threads: number;
  #options: FingerprintBatch["options"];
  /** Whether the store may hold keys of earlier fingerprint versions (until told otherwise: it may). */
  #earlier = true;
  readonly #queue: BatchQueue<Request>;
  /** Batches on a thread now (a count: a Set of them would keep each batch's messages past the scavenges, see
   * src/util/live-list.ts). */
  #running = 0;
  readonly #metrics: PoolMetrics | null;
  #completed = 0;
  #threadsStarted = 0;
  #tasks = 0;
  #closed = false;

  /** Start the threads (`threads`, 0 = one per core but the main thread's) with a heap limit of `threadHeapMb` each. */
  constructor(config: Config["fingerprint"], logger?: Logger, options: PoolOptions = {}) {
    this.#internals = options;
    this.#config = config;
    this.#logger = logger;
    this.#metrics = options.metrics ?? null;
    this.#threads = config.threads > 0 ? config.threads : Math.max(1, availableParallelism() - 1);
    this.#options = taskOptions(config);
    this.#queue = new BatchQueue(batchLimits(config));
    this.#piscina = startThreads(config, this.#threads, options.taskFile ?? FINGERPRINT_TASK_FILE, logger);
    this.#piscina.on("workerCreate", () => this.#threadsStarted++);
    this.#updateGauges();
  }

  /**
   * Fingerprint one message. Never rejects. The Buffer is shared with the thread, not copied, when it is backed
   * by a SharedArrayBuffer; otherwise it is copied once into one. It must not change until the promise settles.
   * An abort of `options.signal`, or `options.withinMs` passing (the caller's deadline, when it has only a time:
   * no AbortSignal to make per message), ends the wait like the pool's own timeout; the message's batch may still
   * read it until the batch ends, and what it computes for it is dropped.
   */
  fingerprint(
    message: Buffer,
    options: { signal?: AbortSignal; withinMs?: number; source?: FingerprintSourceLabel } = {},
  ): Promise<FingerprintOutcome> {
    const { signal, source = "mail" } = options;
    if (this.#closed) return Promise.resolve(this.#count({ status: "skipped", reason: "pool-down" }, source));
    if (signal?.aborted) return Promise.resolve(this.#count({ status: "skipped", reason: "timeout" }, source));
    const parseBytes = Math.min(message.byteLength, this.#options.parseBytes);
    if (!this.#roomFor(parseBytes)) {
      return Promise.resolve(
        this.#count({ status: "skipped", reason: this.#crowdedOut(parseBytes, "pool-full") }, source),
      );
    }
    const started = performance.now();
    return new Promise((resolve) => {
      const request: Request = {
        message: shared(message),
        source,
        parseBytes,
        alone: false,
        batch: null,
        settled: false,
        settle: (outcome) => {
          if (request.settled) return;
          request.settled = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.#metrics?.fingerprintDuration.observe({ source }, (performance.now() - started) / 1000);
          resolve(this.#count(outcome, source));
        },
      };
      const onAbort = () => this.#abandon(request);
      const timer = setTimeout(onAbort, Math.min(this.#config.taskTimeoutMs, options.withinMs ?? Infinity));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(request);
      this.#dispatch();
    });
  }

  /**
   * Resolves when the threads have started and loaded the task (about a second on a busy machine), so the first
   * messages do not spend their deadline on it. Optional: messages sent before simply wait in the queue.
   */
  async ready(): Promise<void> {
    if (this.#closed) return;
    const warmUp: FingerprintBatch = { messages: [new Uint8Array(0)], options: this.#options };
    await Promise.allSettled(Array.from({ length: this.#threads }, () => this.#piscina.run(warmUp)));
  }

  /** Threads, queue length, utilisation and completed messages, now. */
  stats(): PoolStats {
    return {
      threads: this.#closed ? 0 : this.#piscina.threads.length,
      queued: this.#queue.length,
      utilization: this.#utilization(),
      completed: this.#completed,
      tasks: this.#tasks,
      threadsStarted: this.#threadsStarted,
    };
  }

  /**
   * Apply a reloaded `fingerprint` section to the next messages: queue bound, timeout, batch limits and parse options.
   * The thread count and heap limit stay until a restart.
   */
  reconfigure(config: Config["fingerprint"]): void {
    this.#config = config;
    this.#options = taskOptions(config, this.#earlier);
    this.#queue.setLimits(batchLimits(config));
  }

  /**
   * Whether the campaign store may hold keys of earlier fingerprint versions (src/reputation/versions.ts): while
   * it may not, the next messages' fingerprints are made without them (`fingerprint.previousVersion` on or not).
   */
  setEarlierVersions(live: boolean): void {
    this.#earlier = live;
    this.#options = taskOptions(this.#config, live);
  }

  /** Stop taking messages (new calls get pool-down, waiting ones too), let running ones finish, stop the threads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const request of this.#queue.drain()) request.settle({ status: "skipped", reason: "pool-down" });
    try {
      await this.#piscina.close({ force: true });
    } catch (err) {
      this.#logger?.warn({ err: errorText(err) }, "fingerprint pool did not close cleanly; destroying it");
      await this.#piscina.destroy();
    }
    this.#metrics?.poolUtilization.set(0);
    this.#metrics?.poolQueueLength.set(0);
  }

  /** Whether a message of `parseBytes` may wait: the queue has room, or makes it by refusing a larger message. */
  #roomFor(parseBytes: number): boolean {
    if (this.#queue.length < this.#config.maxQueue) return true;
    const displaced = this.#queue.displaceLargest(parseBytes);
    displaced?.settle({ status: "skipped", reason: this.#crowdedOut(displaced.parseBytes, "pool-full") });
    return displaced !== undefined;
  }

  /**
   * Why a message the pool could not take or finish in time is skipped: "large" when it has a whole parse window or
   * more to read. Such mail waits behind smaller mail, so when it misses its time the pool was busy with large mail
   * (a flood of messages costly to read): its size, not a dependency, kept it, and it has a fail mode of its own
   * (`policy.largeMailFailMode`, tempfail by default), so that such a flood cannot skip the filter.
   */
  #crowdedOut(parseBytes: number, reason: "timeout" | "pool-full"): SkipReason {
    return parseBytes >= this.#options.parseBytes ? "large" : reason;
  }

  /** Start a task on every free thread, each with the next batch the queue cuts. */
  #dispatch(): void {
    while (!this.#closed && this.#running < this.#threads && this.#queue.length > 0) {
      void this.#run(this.#queue.nextBatch());
    }
    this.#updateGauges();
  }

  /** Run one batch on a thread and settle its messages. */
  async #run(members: Request[]): Promise<void> {
    const batch: Batch = { members, abort: new BatchAbort(), hangTimer: null };
    for (const request of members) request.batch = batch;
    this.#running++;
    this.#tasks++;
    try {
      const messages = members.map((request) => request.message);
      const results = await this.#piscina.run({ messages, options: this.#options }, { signal: batch.abort });
      this.#completed += members.length;
      members.forEach((request, i) => request.settle(outcomeOf(results[i], this.#logger)));
    } catch (err) {
      this.#failed(batch, err);
    } finally {
      if (batch.hangTimer) clearTimeout(batch.hangTimer);
      this.#running--;
      this.#dispatch();
    }
  }

  /** A batch ended without results: aborted (nobody waits any more), the pool closing, or its thread died. */
  #failed(batch: Batch, err: unknown): void {
    const waiting = batch.members.filter((request) => !request.settled);
    if (waiting.length === 0) return;
    const reason = this.#classify(err);
    if (reason === "thread-died" && batch.members.length > 1) {
      // Which message killed the thread is unknown: run each again on its own, in their order, ahead of the queue.
      for (const request of waiting) {
        request.alone = true;
        request.batch = null;
      }
      this.#queue.pushFront(waiting);
      return;
    }
    for (const request of waiting) request.settle({ status: "skipped", reason });
  }

  /** The caller's deadline or the task timeout passed: answer "timeout"; once nobody waits on its batch, give the batch
   * `hangMs` more before taking it for a hang. */
  #abandon(request: Request): void {
    if (request.settled) return;
    request.settle({ status: "skipped", reason: this.#crowdedOut(request.parseBytes, "timeout") });
    const batch = request.batch;
    if (batch === null) {
      this.#queue.remove(request);
      this.#updateGauges();
      return;
    }
    if (batch.hangTimer || !batch.members.every((member) => member.settled)) return;
    const hangMs = this.#internals.hangMs ?? Math.max(HANG_MS, 4 * this.#config.taskTimeoutMs);
    batch.hangTimer = setTimeout(() => batch.abort.abort(), hangMs);
  }

  /** Why a batch's thread ended without a result. */
  #classify(err: unknown): SkipReason {
    return this.#closed ? "pool-down" : failureReason(err, this.#logger);
  }

  #count(outcome: FingerprintOutcome, source: FingerprintSourceLabel): FingerprintOutcome {
    this.#metrics?.fingerprintsTotal.inc({ outcome: outcome.status === "ok" ? "ok" : outcome.reason, source });
    return outcome;
  }

  /** Share of threads running a batch now, 0 to 1. */
  #utilization(): number {
    return this.#threads > 0 ? this.#running / this.#threads : 0;
  }

  #updateGauges(): void {
    this.#metrics?.poolUtilization.set(this.#utilization());
    this.#metrics?.poolQueueLength.set(this.#queue.length);
  }
}
