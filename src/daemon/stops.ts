/**
 * What the composition root stops on the way out: every start unit hands back its stop function, and they run in
 * reverse order of start (the listener first, the private Redis last), each error logged and the rest still run.
 */
import type { Logger } from "../util/logger.js";

/** Stops one started part. */
export type Stop = () => unknown;

/** Stop functions in the order their parts started. */
export class StopStack {
  readonly #stops: Stop[] = [];

  constructor(private readonly logger: Logger) {}

  /** Remember a part's stop function. */
  push(stop: Stop): void {
    this.#stops.push(stop);
  }

  /** Run every stop function, last started first. Safe to call twice: the second call finds nothing. */
  async stopAll(): Promise<void> {
    while (this.#stops.length > 0) {
      const stop = this.#stops.pop()!;
      try {
        await stop();
      } catch (error) {
        this.logger.warn({ err: String(error) }, "error while stopping");
      }
    }
  }
}
