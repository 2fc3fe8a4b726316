/**
 * The one writer of Floodgate's own headers at end of message (src/vocabulary/own-headers.ts names them). Incoming
 * headers of those names are counted as they arrive, all of them, listed for the policy or not, so that the
 * changeHeader indexes are right after any number of headers; at end of message each label replaces the first
 * incoming header of its name or is added, and every other incoming one is deleted, whatever the outcome: a verdict,
 * a fail mode, or the engine's deadline.
 */
import type { Header } from "../vocabulary/mail.js";
import type { Modification } from "../vocabulary/modification.js";
import { isOwnHeader } from "../vocabulary/own-headers.js";

/** Incoming headers of Floodgate's names, counted per name (case-insensitive). */
export class OwnHeaderCount {
  private readonly counts = new Map<string, { name: string; count: number }>();

  /** @param statusHeader the configured status header name, one of Floodgate's own. */
  constructor(private readonly statusHeader: string) {}

  /** An incoming header: counted when it is one of Floodgate's. */
  see(name: string): void {
    if (!isOwnHeader(name, this.statusHeader)) return;
    const key = name.toLowerCase();
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { name, count: 1 });
  }

  /** How many incoming headers are named `name` (any case). */
  count(name: string): number {
    return this.counts.get(name.toLowerCase())?.count ?? 0;
  }

  /** Each name seen (as first spelled) with its count. */
  names(): IterableIterator<{ name: string; count: number }> {
    return this.counts.values();
  }
}

/**
 * The modifications that leave exactly `labels` among Floodgate's names: a label replaces the first incoming header of
 * its name (changeHeader index 1) or is added; the other incoming ones are deleted (changeHeader with an empty value,
 * highest index first, so that no index shifts under another).
 */
export function labelModifications(incoming: OwnHeaderCount, labels: readonly Header[]): Modification[] {
  const mods: Modification[] = [];
  const labelled = new Set<string>();
  for (const { name, value } of labels) {
    labelled.add(name.toLowerCase());
    const count = incoming.count(name);
    if (count === 0) {
      mods.push({ kind: "addHeader", name, value });
      continue;
    }
    for (let index = count; index >= 2; index--) mods.push({ kind: "changeHeader", index, name, value: "" });
    mods.push({ kind: "changeHeader", index: 1, name, value });
  }
  for (const { name, count } of incoming.names()) {
    if (labelled.has(name.toLowerCase())) continue;
    for (let index = count; index >= 1; index--) mods.push({ kind: "changeHeader", index, name, value: "" });
  }
  return mods;
}
