/**
 * Teaching the scanners what people report: a BullMQ job of its own name on the scan queue, run where the scanners
 * are (the scan worker processes, which alone reach the private spamd's socket), for every scanner that learns.
 * `floodgate report` queues one per report (`reports.learn`); taking a report back queues a "forget".
 */
import type { Queue } from "bullmq";
import type { Config } from "../config/schema.js";
import type { LearnAs, Scanner } from "../scanners/types.js";
import type { Logger } from "../util/logger.js";
import { decodePayload, encodePayload } from "./payload.js";

/** The BullMQ job name of a learning. */
export const LEARN_JOB_NAME = "learn";

/** The data of a learn job. */
export interface LearnJobData {
  kind: "learn";
  campaignId: string;
  as: LearnAs;
  /** For "forget": what the message was taught as. */
  forgetting?: "spam" | "ham";
  messageGzipBase64: string;
  queuedAt: number;
}

/** What one learning did: the scanners that learnt, and those that failed with why. */
export interface LearnResult {
  learnt: string[];
  failed: Array<{ scanner: string; error: string }>;
}

/** Queue a learn job (the message capped and compressed as a scan's is). */
export async function queueLearn(
  queue: Queue,
  config: Config,
  request: { campaignId: string; message: Buffer; as: LearnAs; forgetting?: "spam" | "ham" },
): Promise<void> {
  const payload = await encodePayload(request.message, config.queue.maxPayloadBytes);
  const data: LearnJobData = {
    kind: "learn",
    campaignId: request.campaignId,
    as: request.as,
    ...(request.forgetting ? { forgetting: request.forgetting } : {}),
    messageGzipBase64: payload.base64,
    queuedAt: Date.now(),
  };
  await queue.add(LEARN_JOB_NAME, data, {
    attempts: config.scanWorker.attempts,
    backoff: { type: "exponential", delay: config.scanWorker.backoffMs },
    removeOnComplete: { age: config.queue.keepCompleted.ageSeconds, count: config.queue.keepCompleted.count },
    removeOnFail: { age: config.queue.keepFailed.ageSeconds, count: config.queue.keepFailed.count },
  });
}

/** Teach every scanner that learns; fails (to be retried) only when every one of them failed. */
export async function processLearnJob(
  data: LearnJobData,
  deps: { config: Config; scanners: readonly Scanner[]; logger: Logger; signal?: AbortSignal },
): Promise<LearnResult> {
  const message = await decodePayload(data.messageGzipBase64, deps.config.queue.maxPayloadBytes);
  const result: LearnResult = { learnt: [], failed: [] };
  for (const scanner of deps.scanners) {
    if (!scanner.learn) continue;
    try {
      await scanner.learn(message, data.as, data.forgetting, deps.signal);
      result.learnt.push(scanner.name);
    } catch (err) {
      result.failed.push({ scanner: scanner.name, error: (err as Error).message });
    }
  }
  deps.logger.info({ campaignId: data.campaignId, as: data.as, ...result }, "scanners taught a report");
  if (result.learnt.length === 0 && result.failed.length > 0)
    throw new Error(`no scanner learnt: ${result.failed.map((f) => `${f.scanner}: ${f.error}`).join("; ")}`);
  return result;
}
