/**
 * The members a long-lived holder keeps while they live, when they come and go at the rate of mail (a server's open
 * connections): an array with removal by swapping in the last entry. Not a Set or Map: in Node 20's V8 (11.3) a Set
 * or Map that keeps taking and dropping young objects makes each one it held, and all that object reaches, survive
 * the scavenges until the next full collection, so a whole session's objects were copied twice and promoted for
 * every connection (benchmarks/README.md, "What the fast path's scavenges keep"); an array keeps only its members.
 */

/** A member's place in the list; give it back to `remove`. */
export interface LiveEntry<T> {
  readonly value: T;
  /** Its index in the list, -1 once removed. */
  slot: number;
}

export class LiveList<T> implements Iterable<T> {
  readonly #entries: LiveEntry<T>[] = [];

  get size(): number {
    return this.#entries.length;
  }

  add(value: T): LiveEntry<T> {
    const entry = { value, slot: this.#entries.length };
    this.#entries.push(entry);
    return entry;
  }

  /** Remove a member in constant time; removing it again, or an entry of another list, does nothing. */
  remove(entry: LiveEntry<T>): void {
    const { slot } = entry;
    if (slot < 0 || this.#entries[slot] !== entry) return;
    const last = this.#entries.pop() as LiveEntry<T>;
    if (last !== entry) {
      this.#entries[slot] = last;
      last.slot = slot;
    }
    entry.slot = -1;
  }

  /** The entries now, a copy: removing while walking it is safe. */
  entries(): LiveEntry<T>[] {
    return [...this.#entries];
  }

  /** The values now, a copy. */
  [Symbol.iterator](): Iterator<T> {
    return this.#entries.map((entry) => entry.value)[Symbol.iterator]();
  }
}
