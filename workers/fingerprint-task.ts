/**
 * The piscina task entry of the fingerprint pool (src/fingerprint/pool.ts): a batch of messages in (one, unless
 * messages waited for a thread), one fingerprint or "parse" skip per message out, in order. The messages arrive
 * as views of SharedArrayBuffers and are never written to.
 */
import { runFingerprintBatch, type FingerprintBatch, type FingerprintTaskResult } from "../src/fingerprint/task.js";
import { nameThisThread, THREAD_NAMES } from "../src/util/thread-name.js";

nameThisThread(THREAD_NAMES.fingerprint);

/** Fingerprint a batch; a parse failure is returned as a skip, never thrown across the pool. */
export default function fingerprintTask(batch: FingerprintBatch): Promise<FingerprintTaskResult[]> {
  return runFingerprintBatch(batch);
}
