/**
 * The pool's threads: piscina started with the task entry, a fixed number of threads and a heap limit each, and why
 * a thread ended without a result. A thread's heap is limited (`threadHeapMb`), but Node does not guarantee that
 * reaching the limit ends only the thread (nodejs/node#47224): what really keeps a thread far below it is that every
 * step of a task is linear in the bytes parsed and caps its output (src/fingerprint/html-text.ts, extract.ts,
 * normalise.ts).
 */
import { join } from "node:path";
import { Piscina } from "piscina";
import type { Config } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import { errorText } from "../util/error-text.js";
import { distRoot } from "../util/paths.js";
import { taskOptions } from "./pool-messages.js";
import type { FingerprintBatch, FingerprintTaskResult } from "./task.js";
import type { SkipReason } from "./types.js";

/** The compiled piscina task entry. */
export const FINGERPRINT_TASK_FILE = join(distRoot, "workers/fingerprint-task.js");

/** What each thread is started with: how many built-in messages it warms up on, with the pool's task options. */
export interface ThreadData {
  warmUp: { messages: number; options: FingerprintBatch["options"] } | null;
}

/** Heap bytes a parse may use per byte parsed, a generous estimate (decoded text, HTML-to-text, tokens). */
const PARSE_HEAP_FACTOR = 64;

/** Start `threads` threads running `taskFile`, each with a heap limit of `threadHeapMb`. */
export function startThreads(
  config: Config["fingerprint"],
  threads: number,
  taskFile: string,
  logger: Logger | undefined,
): Piscina<FingerprintBatch, FingerprintTaskResult[]> {
  const piscina = new Piscina<FingerprintBatch, FingerprintTaskResult[]>({
    filename: taskFile,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    // A thread waits for its next task in its event loop, not in Atomics.wait: the main thread then signals each
    // task once (the port's wake-up), not twice (the port's and Atomics.notify), which shortens the tail of end of
    // message at half of capacity (benchmarks/README.md, "Figures behind choices in the code").
    atomics: "disabled",
    // The pool keeps its own figures (utilisation, queue, durations); piscina's histograms of every task's wait and
    // run times are read by nothing.
    recordTiming: false,
    resourceLimits: { maxOldGenerationSizeMb: config.threadHeapMb },
    workerData: threadData(config),
    closeTimeout: Math.max(1000, config.taskTimeoutMs * 2),
  });
  // A thread that dies between tasks is replaced by piscina; without a listener the event would crash us.
  piscina.on("error", (err: unknown) => {
    logger?.warn({ err: errorText(err) }, "fingerprint thread failed between tasks; replaced");
  });
  // The heap limit is best effort: some allocations past it abort the whole process instead of the thread
  // (nodejs/node#47224). parseKiB is what really bounds a thread's memory; warn when it leaves little margin.
  if (config.parseKiB * 1024 * PARSE_HEAP_FACTOR > config.threadHeapMb * 1024 * 1024) {
    logger?.warn(
      { parseKiB: config.parseKiB, threadHeapMb: config.threadHeapMb },
      "fingerprint.parseKiB is large for fingerprint.threadHeapMb: a hostile message may exhaust a thread's heap",
    );
  }
  return piscina;
}

/** The data every thread starts with, from the `fingerprint` section as the pool starts (not reloaded). */
function threadData(config: Config["fingerprint"]): ThreadData {
  const messages = config.warmUpMessages;
  return { warmUp: messages > 0 ? { messages, options: taskOptions(config) } : null };
}

/** Why a running pool's task ended without a result: the task file cannot load, or the thread died on a message. */
export function failureReason(err: unknown, logger: Logger | undefined): SkipReason {
  const message = errorText(err);
  if (message === "Terminating worker thread") return "pool-down";
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ERR_MODULE_NOT_FOUND" || message.startsWith("Cannot find module")) {
    logger?.error({ err: message }, "fingerprint task file cannot be loaded");
    return "pool-down";
  }
  // The thread died on this message (heap limit, crash): piscina replaces it; the message gets no fingerprint.
  logger?.warn({ err: message, code }, "fingerprint thread died on a message; replaced");
  return "thread-died";
}
