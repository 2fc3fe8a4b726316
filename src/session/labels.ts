/**
 * The one writer of Floodgate's own headers at end of message (src/vocabulary/own-headers.ts names them). Incoming
 * headers of those names are counted as they arrive, all of them, listed for the policy or not, so that the
 * changeHeader indexes are right after any number of headers; at end of message each label replaces the first
 * incoming header of its name or is added, and every other incoming one is deleted, whatever the outcome: a verdict,
 * a fail mode, or the engine's deadline. A message whose own headers cannot all be deleted (too many, or a name too
 * long to keep) is refused instead, or in shadow mode labelled over them (forgedHeadersAnswer). An MTA that offers
 * no header changes gets each label inserted first among the headers (withoutHeaderChanges).
 */
import { SMFIF_CHGHDRS } from "../milter/constants.js";
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

/**
 * The longest name of Floodgate's a header may have and still be kept to be deleted: Floodgate's own names are short
 * (the status header's is at most 120 characters). A longer one is counted, not kept, and its message is refused as
 * forged, since its header could not be cleaned.
 */
export const MAX_OWN_HEADER_NAME_LENGTH = 256;

/**
 * Incoming headers of Floodgate's names, counted per name (case-insensitive). Names are kept until the count passes
 * MAX_OWN_HEADERS_REMOVED (the message is refused then, not cleaned) but for the status header's, which a shadow
 * label replaces; headers of names not kept are still counted.
 */
export class OwnHeaderCount {
  private readonly counts = new Map<string, { name: string; count: number }>();
  private readonly statusKey: string;
  private seen = 0;
  private tooLong = 0;

  /** @param statusHeader the configured status header name, one of Floodgate's own. */
  constructor(private readonly statusHeader: string) {
    this.statusKey = statusHeader.toLowerCase();
  }

  /** An incoming header: counted when it is one of Floodgate's. */
  see(name: string): void {
    if (!isOwnHeader(name, this.statusHeader)) return;
    this.seen++;
    if (name.length > MAX_OWN_HEADER_NAME_LENGTH) {
      this.tooLong++;
      return;
    }
    const key = name.toLowerCase();
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else if (this.seen <= MAX_OWN_HEADERS_REMOVED || key === this.statusKey) this.counts.set(key, { name, count: 1 });
  }

  /** Whether every header counted can be deleted: no more than MAX_OWN_HEADERS_REMOVED, no name too long. */
  cleanable(): boolean {
    return this.seen <= MAX_OWN_HEADERS_REMOVED && this.tooLong === 0;
  }

  /** How many incoming headers are named `name` (any case). */
  count(name: string): number {
    return this.counts.get(name.toLowerCase())?.count ?? 0;
  }

  /** How many incoming headers have one of Floodgate's names. */
  total(): number {
    return this.seen;
  }

  /** Each name kept (as first spelled) with its count. */
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
 * The modifications of Floodgate's own headers for an answer: labelModifications, but for a message whose own
 * headers cannot be cleaned (`forged`, forgedHeadersAnswer): none when it is refused, and in shadow mode, where it
 * goes on, each label over the first incoming header of its name (changeHeader index 1) or added, the other forged
 * headers left, since deleting them is what would cost the MTA n². `actions` are those negotiated.
 */
export function ownHeaderModifications(
  incoming: OwnHeaderCount,
  labels: readonly Header[],
  forged: Forgery,
  actions: number,
): Modification[] {
  if (forged && forged.verdict.kind !== "continue") return [];
  const mods = forged ? labelsOverFirst(incoming, labels) : labelModifications(incoming, labels);
  return (actions & SMFIF_CHGHDRS) !== 0 ? mods : withoutHeaderChanges(mods);
}

/** Each label over the first incoming header of its name (changeHeader index 1), or added; nothing deleted. */
function labelsOverFirst(incoming: OwnHeaderCount, labels: readonly Header[]): Modification[] {
  return labels.map(({ name, value }) =>
    incoming.count(name) === 0 ? { kind: "addHeader", name, value } : { kind: "changeHeader", index: 1, name, value },
  );
}

/**
 * Label modifications for an MTA that offered no header changes (SMFIF_CHGHDRS): incoming headers of Floodgate's
 * names can then be neither replaced nor deleted, so a label that would replace one is inserted first among the
 * headers instead (insertHeader index 0), where whoever reads the first header of its name meets Floodgate's before a
 * forged one; the deletions are left out (the option negotiation's warning says the MTA's offer lacks them).
 */
function withoutHeaderChanges(mods: readonly Modification[]): Modification[] {
  const kept: Modification[] = [];
  for (const mod of mods) {
    if (mod.kind !== "changeHeader") kept.push(mod);
    else if (mod.value !== "") kept.push({ kind: "insertHeader", index: 0, name: mod.name, value: mod.value });
  }
  return kept;
}

/** What forgedHeadersAnswer says of a message: null, or the answer it gets. */
export type Forgery = EndOfMessageResult | null;

/**
 * The answer for a message whose own headers cannot be cleaned: more than MAX_OWN_HEADERS_REMOVED of them, or one
 * with a name over MAX_OWN_HEADER_NAME_LENGTH. It is refused without asking the policy (it is not counted in a
 * campaign either), so that no modification is sent for it; in shadow mode, which never refuses, it goes on with the
 * status a shadow verdict has. Null for any other message.
 */
export function forgedHeadersAnswer(incoming: OwnHeaderCount, shadow = false): Forgery {
  if (incoming.cleanable()) return null;
  if (shadow) return { verdict: { kind: "continue" }, status: "shadow-reject; forged-headers" };
  const count = incoming.total();
  const what =
    count > MAX_OWN_HEADERS_REMOVED
      ? `${count} headers named as Floodgate's own`
      : `a header named as Floodgate's own, its name over ${MAX_OWN_HEADER_NAME_LENGTH} characters`;
  const text = `Message refused: it carries ${what}`;
  return { verdict: { kind: "reject", reply: { code: 550, xcode: "5.7.1", text } }, status: "reject; forged-headers" };
}
