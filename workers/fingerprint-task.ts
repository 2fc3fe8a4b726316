/**
 * The piscina task entry of the fingerprint pool (src/fingerprint/pool.ts): a batch of messages in (one, unless
 * messages waited for a thread), one fingerprint or "parse" skip per message out, in order. The messages arrive
 * as views of SharedArrayBuffers and are never written to. While it has no task, a thread that has just started
 * warms itself up on built-in mail (src/fingerprint/warm-up.ts).
 */
import { workerData } from "node:worker_threads";
import { runFingerprintBatch, type FingerprintBatch, type FingerprintTaskResult } from "../src/fingerprint/task.js";
import type { ThreadData } from "../src/fingerprint/pool-threads.js";
import { startWarmUp, withWarmUpPaused } from "../src/fingerprint/warm-up.js";
import { nameThisThread, THREAD_NAMES } from "../src/util/thread-name.js";

nameThisThread(THREAD_NAMES.fingerprint);
const data = workerData as Partial<ThreadData> | null;
if (data?.warmUp) startWarmUp(data.warmUp.messages, data.warmUp.options);

/** Fingerprint a batch; a parse failure is returned as a skip, never thrown across the pool. */
export default function fingerprintTask(batch: FingerprintBatch): Promise<FingerprintTaskResult[]> {
  return withWarmUpPaused(() => runFingerprintBatch(batch));
}
