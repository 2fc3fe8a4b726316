/**
 * How the pool aborts a batch that hangs: what piscina needs of a task's signal (an `abort` listener, `aborted` and
 * `reason`), without an AbortController. Every message's batch gets one, and only a hanging batch is ever aborted:
 * an AbortController per batch and piscina's listener on its signal (an EventTarget) cost the main thread about 3 %
 * of its time at one session (benchmarks/README.md, issue 19); this holds one function.
 */

/** The signal piscina is handed for one batch (its `AbortSignalEventTarget` shape). */
export class BatchAbort {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | null = null;

  /** Piscina's listener: it takes the task off its queue or ends the thread running it. */
  addEventListener(_type: "abort", listener: () => void): void {
    this.#listener = listener;
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    if (this.#listener === listener) this.#listener = null;
  }

  /** Abort the batch (once). */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = null;
    listener?.();
  }
}
