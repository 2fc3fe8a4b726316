/**
 * The messages waiting for a fingerprint thread, oldest first, and how the batch a free thread takes is cut from
 * them: the oldest message, then the next ones while the batch holds fewer than `batchMax` messages and at most
 * `batchBytes` to parse in all. A message marked `alone` (its batch's thread died) always runs in a batch of its own.
 * Pure bookkeeping: no threads, no timers.
 */

/** What the queue needs to know of a waiting message. */
export interface Waiting {
  /** Bytes of the message a thread parses. */
  parseBytes: number;
  /** Run in a task of its own. */
  alone: boolean;
}

export class BatchQueue<T extends Waiting> {
  readonly #items: T[] = [];

  constructor(private limits: { batchMax: number; batchBytes: number }) {}

  /** New limits for the next batches cut (a configuration reload). */
  setLimits(limits: { batchMax: number; batchBytes: number }): void {
    this.limits = { ...limits };
  }

  /** Messages waiting. */
  get length(): number {
    return this.#items.length;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Put messages back at the front, in their order: they waited longest. */
  pushFront(items: readonly T[]): void {
    this.#items.unshift(...items);
  }

  /** Take a message out (its caller gave up); false when it was not waiting. */
  remove(item: T): boolean {
    const at = this.#items.indexOf(item);
    if (at < 0) return false;
    this.#items.splice(at, 1);
    return true;
  }

  /** The next batch for a free thread; empty when nothing waits. */
  nextBatch(): T[] {
    const first = this.#items.shift();
    if (first === undefined) return [];
    const batch = [first];
    if (first.alone) return batch;
    let bytes = first.parseBytes;
    for (let next = this.#items[0]; next !== undefined; next = this.#items[0]) {
      if (batch.length >= this.limits.batchMax || next.alone) break;
      if (bytes + next.parseBytes > this.limits.batchBytes) break;
      bytes += next.parseBytes;
      batch.push(this.#items.shift()!);
    }
    return batch;
  }

  /** Take every waiting message out, oldest first. */
  drain(): T[] {
    return this.#items.splice(0);
  }
}
