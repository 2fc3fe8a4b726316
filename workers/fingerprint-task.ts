/**
 * The piscina task entry of the fingerprint pool (src/fingerprint/pool.ts): one message in, one fingerprint or a
 * "parse" skip out. The message arrives as a view of a SharedArrayBuffer and is never written to.
 */
import { runFingerprintTask, type FingerprintTask, type FingerprintTaskResult } from "../src/fingerprint/task.js";

/** Fingerprint one message; a parse failure is returned as a skip, never thrown across the pool. */
export default function fingerprintTask(task: FingerprintTask): Promise<FingerprintTaskResult> {
  return runFingerprintTask(task);
}
