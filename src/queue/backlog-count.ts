/**
 * The scan queue's backlog as the mail path reads it: waiting, prioritised and delayed jobs, counted by BullMQ at most
 * once every BACKLOG_REFRESH_MS in the background and raised by each job this process adds meanwhile, so that a
 * check on the mail path never waits for Redis.
 */
import type { Queue } from "bullmq";
import type { Logger } from "../util/logger.js";

/** The backlog count is refreshed at most this often. */
export const BACKLOG_REFRESH_MS = 1000;

export class BacklogCount {
  /** Jobs waiting, as of the last count plus those added since. */
  value = 0;
  /** The last count worked. */
  ok = false;
  #at = 0;
  #refreshing = false;

  constructor(
    private readonly queue: Pick<Queue, "getJobCounts">,
    private readonly logger: Logger,
  ) {}

  /** Count again in the background, unless a count runs or the last one is recent. */
  refresh(): void {
    if (this.#refreshing || Date.now() - this.#at < BACKLOG_REFRESH_MS) return;
    this.#refreshing = true;
    this.queue
      .getJobCounts("waiting", "prioritized", "delayed")
      .then((counts) => {
        this.value = Object.values(counts).reduce((a, b) => a + b, 0);
        this.ok = true;
      })
      .catch((err: Error) => {
        this.ok = false;
        this.logger.debug({ err: err.message }, "scan backlog count failed");
      })
      .finally(() => {
        this.#at = Date.now();
        this.#refreshing = false;
      });
  }

  /** A job was added by this process. */
  added(): void {
    this.value++;
  }
}
