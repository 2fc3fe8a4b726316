/**
 * The messages waiting for a fingerprint thread, and how the batch a free thread takes is cut from them: the
 * message with the fewest bytes to parse first (the newest of equals), then the next ones in that order while the
 * batch holds fewer than `batchMax` messages and at most `batchBytes` to parse in all. A message marked `alone` (its
 * batch's thread died) is put back ahead of the others and always runs in a batch of its own.
 *
 * Why the fewest bytes first: a task's work is linear in the bytes it parses, but what a sender writes sets how much
 * work a byte is, up to a few hundred milliseconds a megabyte of elements each with a colour to read, against well
 * under one for an ordinary message. Taken oldest first, a flood of such messages from a score of sessions held
 * every other message behind it past the task timeout (1.5 s), and all of them went out unfingerprinted
 * (`skipped`) under the fail mode (test/integration/daemon-costly-mail.test.ts). Smaller first, a message waits for
 * the smaller ones and for the one batch running at most; under a load the thread cannot keep up with, the largest
 * wait longest, and a full queue makes room for a smaller message by refusing its largest (`displaceLargest`).
 * Why the newest of equals: when more arrive than the thread reads, the newest still has its time, while the oldest
 * would be read only for its answer to be dropped, its caller gone; taken oldest first, such a flood had nearly every
 * message of it wait past its time, and the thread spent itself on answers nobody took (a fifth of them read in
 * time, against two fifths now).
 * Pure bookkeeping: no threads, no timers; the queue is bounded (`fingerprint.maxQueue`), so keeping it in order
 * costs a few hundred comparisons at most.
 */

/** What the queue needs to know of a waiting message. */
export interface Waiting {
  /** Bytes of the message a thread parses. */
  parseBytes: number;
  /** Run in a task of its own. */
  alone: boolean;
}

export class BatchQueue<T extends Waiting> {
  /** Messages put back (`alone`), in their order: they go first. */
  readonly #again: T[] = [];
  /** The others, by bytes to parse, the newest first among equals. */
  readonly #bySize: T[] = [];

  constructor(private limits: { batchMax: number; batchBytes: number }) {}

  /** New limits for the next batches cut (a configuration reload). */
  setLimits(limits: { batchMax: number; batchBytes: number }): void {
    this.limits = { ...limits };
  }

  /** Messages waiting. */
  get length(): number {
    return this.#again.length + this.#bySize.length;
  }

  push(item: T): void {
    // ahead of every message of its size or larger: a binary search for the first of them
    let low = 0;
    let high = this.#bySize.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#bySize[middle]!.parseBytes < item.parseBytes) low = middle + 1;
      else high = middle;
    }
    this.#bySize.splice(low, 0, item);
  }

  /** Put messages back ahead of the others, in their order: they waited longest. */
  pushFront(items: readonly T[]): void {
    this.#again.unshift(...items);
  }

  /** Take a message out (its caller gave up); false when it was not waiting. */
  remove(item: T): boolean {
    for (const list of [this.#again, this.#bySize]) {
      const at = list.indexOf(item);
      if (at < 0) continue;
      list.splice(at, 1);
      return true;
    }
    return false;
  }

  /** Take out the waiting message with the most bytes to parse (the oldest of equals) when it has more than
   * `parseBytes`, to make room for a message of that size; undefined when none has more. */
  displaceLargest(parseBytes: number): T | undefined {
    const last = this.#bySize[this.#bySize.length - 1];
    return last !== undefined && last.parseBytes > parseBytes ? this.#bySize.pop() : undefined;
  }

  /** The next batch for a free thread; empty when nothing waits. */
  nextBatch(): T[] {
    const again = this.#again.shift();
    if (again !== undefined) return [again];
    const first = this.#bySize.shift();
    if (first === undefined) return [];
    const batch = [first];
    if (first.alone) return batch;
    let bytes = first.parseBytes;
    for (let next = this.#bySize[0]; next !== undefined; next = this.#bySize[0]) {
      if (batch.length >= this.limits.batchMax || next.alone) break;
      if (bytes + next.parseBytes > this.limits.batchBytes) break;
      bytes += next.parseBytes;
      batch.push(this.#bySize.shift()!);
    }
    return batch;
  }

  /** Take every waiting message out. */
  drain(): T[] {
    return [...this.#again.splice(0), ...this.#bySize.splice(0)];
  }
}
