/**
 * The one writer of Floodgate's own headers at end of message (src/vocabulary/own-headers.ts names them). Incoming
 * headers of those names are counted as they arrive, all of them, listed for the policy or not, so that the
 * changeHeader indexes are right after any number of headers; at end of message each label replaces the first
 * incoming header of its name or is added, and every other incoming one is deleted, whatever the outcome: a verdict,
 * a fail mode, or the engine's deadline.
 */
import type { Header } from "../vocabulary/mail.js";
import type { Modification } from "../vocabulary/modification.js";
import type { EndOfMessageResult } from "../vocabulary/verdict.js";
import { isOwnHeader } from "../vocabulary/own-headers.js";

/**
 * Incoming headers of Floodgate's names a message may carry and still be delivered: each is deleted by its own
 * changeHeader, and Postfix finds each deleted header by walking the message's headers from the first, so removing n
 * costs it n² (16,000 forged headers kept its cleanup busy about 9 s, and the message was tempfailed). A message
 * carrying more is refused instead of cleaned (forgedHeadersAnswer): only a forger writes so many.
 */
export const MAX_OWN_HEADERS_REMOVED = 100;

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

  /** How many incoming headers have one of Floodgate's names. */
  total(): number {
    let total = 0;
    for (const { count } of this.counts.values()) total += count;
    return total;
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

/**
 * The answer for a message carrying more than MAX_OWN_HEADERS_REMOVED of Floodgate's own headers, without asking the
 * policy (it is not counted in a campaign either); null for any other message. Refused, not cleaned, so that no
 * modification is sent for it.
 */
export function forgedHeadersAnswer(incoming: OwnHeaderCount): EndOfMessageResult | null {
  const count = incoming.total();
  if (count <= MAX_OWN_HEADERS_REMOVED) return null;
  const text = `Message refused: it carries ${count} headers named as Floodgate's own`;
  return { verdict: { kind: "reject", reply: { code: 550, xcode: "5.7.1", text } }, status: "reject; forged-headers" };
}
