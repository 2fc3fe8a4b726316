/**
 * What the pool hands a thread and what it hands back: a message's bytes shared with the thread, the task's
 * options and batch limits from the `fingerprint` section, and a thread's result as an outcome.
 */
import type { Config } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import type { FingerprintBatch, FingerprintTaskResult } from "./task.js";
import type { FingerprintOutcome } from "./types.js";

/** A thread's result for one message as an outcome; a message of which no fingerprint could be made is logged. */
export function outcomeOf(result: FingerprintTaskResult | undefined, logger: Logger | undefined): FingerprintOutcome {
  if (result?.status === "ok") return { status: "ok", fingerprint: result.fingerprint };
  logger?.warn({ err: result?.error ?? "no result" }, "no fingerprint could be made of a message");
  return { status: "skipped", reason: "unparsed" };
}

/** The bytes as a view of a SharedArrayBuffer: the same memory when it already is one, else one copy. */
export function shared(message: Buffer): Uint8Array {
  if (message.buffer instanceof SharedArrayBuffer) {
    return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  }
  const view = new Uint8Array(new SharedArrayBuffer(message.byteLength));
  view.set(message);
  return view;
}

/** The options every task of the pool runs with; the earlier versions' keys only while `earlier` (the store may
 * hold keys of those versions: src/reputation/versions.ts) and `previousVersion` allows; the values in the store's
 * form written on the thread. */
export function taskOptions(config: Config["fingerprint"], earlier = true): FingerprintBatch["options"] {
  return {
    parseBytes: config.parseKiB * 1024,
    minWords: config.minWords,
    previousVersion: config.previousVersion && earlier,
    attachmentMinBytes: config.attachmentMinBytes,
    parser: config.parser,
    storeValues: true,
  };
}

/** How many messages, and how many bytes to parse, one task takes at most. */
export function batchLimits(config: Config["fingerprint"]): { batchMax: number; batchBytes: number } {
  return { batchMax: config.batchMax, batchBytes: config.batchKiB * 1024 };
}
