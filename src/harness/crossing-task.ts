/**
 * A piscina task entry for the crossings-only benchmark process (./crossings-daemon.ts): it names its thread as a
 * fingerprint thread and answers each message of a batch at once, without reading it ("skipped"), so the pool's
 * hand-off is measured with no fingerprint work on the thread.
 */
import type { FingerprintBatch, FingerprintTaskResult } from "../fingerprint/task.js";
import { nameThisThread, THREAD_NAMES } from "../util/thread-name.js";

nameThisThread(THREAD_NAMES.fingerprint);

/** One skip per message, in order. */
export default function crossingTask(batch: FingerprintBatch): FingerprintTaskResult[] {
  return batch.messages.map(() => ({ status: "skipped", reason: "unparsed", error: "crossings only: not read" }));
}
