/**
 * The soak's hostile messages, made on a thread of their own (this module is also that thread's entry): building a
 * 2 MB header flood takes tens of milliseconds, which on the sessions' thread would delay reading the daemon's
 * answers and count against its deadline. The thread keeps a few hundred messages ready; `next()` takes one.
 */
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { hostileMessages, type HostileMessage } from "../lab/hostile-mail.js";
import type { HostileFamily } from "../lab/hostile-recipes.js";

/** Messages asked of the thread at a time, and the stock under which more are asked. */
const BATCH = 64;
const LOW_WATER = 128;

interface FeedData {
  hostileFeed: true;
  seed: number;
  count: number;
  families?: readonly HostileFamily[];
}

/** Hostile messages from a thread, in stream order. */
export class HostileFeed {
  readonly #worker: Worker;
  readonly #ready: HostileMessage[] = [];
  readonly #waiting: Array<(m: HostileMessage | null) => void> = [];
  #asked = 0;
  #received = 0;
  #ended = false;

  constructor(
    seed: number,
    readonly count: number,
    families?: readonly HostileFamily[],
  ) {
    const data: FeedData = { hostileFeed: true, seed, count, ...(families ? { families } : {}) };
    this.#worker = new Worker(fileURLToPath(import.meta.url), { workerData: data });
    this.#worker.on("message", (batch: HostileMessage[]) => this.#take(batch));
    this.#worker.on("error", (err) => {
      throw err;
    });
    this.#ask();
  }

  /** The next message, or null when all `count` were taken. */
  next(): Promise<HostileMessage | null> {
    const ready = this.#ready.shift();
    if (ready) {
      this.#ask();
      return Promise.resolve(ready);
    }
    if (this.#ended || this.#received >= this.count) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async close(): Promise<void> {
    this.#ended = true;
    for (const waiter of this.#waiting.splice(0)) waiter(null);
    await this.#worker.terminate();
  }

  #ask(): void {
    if (this.#ready.length + (this.#asked - this.#received) >= LOW_WATER || this.#asked >= this.count) return;
    const n = Math.min(BATCH, this.count - this.#asked);
    this.#asked += n;
    this.#worker.postMessage(n);
  }

  #take(batch: HostileMessage[]): void {
    this.#received += batch.length;
    for (const m of batch) {
      const body = m.body as Uint8Array; // a Buffer arrives as a plain Uint8Array
      const message = { ...m, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
      const waiter = this.#waiting.shift();
      if (waiter) waiter(message);
      else this.#ready.push(message);
    }
    this.#ask();
    if (this.#received >= this.count) for (const waiter of this.#waiting.splice(0)) waiter(null);
  }
}

/** The thread: make messages as they are asked for. */
function feed(data: FeedData): void {
  const stream = hostileMessages(data.seed, data.count, data.families);
  parentPort!.on("message", (n: number) => {
    const batch: HostileMessage[] = [];
    for (let i = 0; i < n; i++) {
      const next = stream.next();
      if (next.done) break;
      batch.push(next.value);
    }
    // Copied, not transferred: a small Buffer is a view into a pool the thread goes on using.
    parentPort!.postMessage(batch);
  });
}

if (!isMainThread && (workerData as FeedData | null)?.hostileFeed) feed(workerData as FeedData);
