/**
 * What the helper needs of an MTA's hold queue: release ids (and deliver them now), delete ids from the hold queue
 * only, read a sample, and say whether its queue ids are never reused.
 */
import type { IdOutcome } from "./protocol.js";

export interface HoldQueue {
  readonly mta: "postfix" | "sendmail";
  /** Whether queue ids are unique for ever (Postfix: enable_long_queue_ids = yes; Sendmail's always are). */
  longQueueIds(): Promise<boolean>;
  /** Release held copies and deliver them now; "gone" for an id no longer held. */
  release(ids: readonly string[]): Promise<Record<string, IdOutcome>>;
  /** Delete held copies, from the hold queue only; "gone" for an id no longer held. */
  delete(ids: readonly string[]): Promise<Record<string, IdOutcome>>;
  /** The held copy's text (cut at MAX_SAMPLE_BYTES), or null when it is not held. */
  sample(id: string): Promise<Buffer | null>;
}
