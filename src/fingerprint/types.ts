/**
 * What one message hashes to: the contract between the fingerprint thread (workers/fingerprint-task.ts),
 * the pool front (src/fingerprint/pool.ts) and the campaign store (src/reputation).
 */

import type { PreviousKeys } from "./previous-version.js";
import type { VersionTwoKeys } from "./version-two.js";

/**
 * The version of the fingerprint algorithm: what text is read, how it is normalised, the MinHash and the exact
 * key. A change that gives a message other values carries a new version; the exact key carries it, and the store
 * keys the values of version 1 apart from the later ones (src/reputation/keys.ts). Campaigns of the versions before
 * are found by their keys, computed beside the current ones, while they may still be stored (./previous-version.ts
 * for version 1, ./version-two.ts for 2).
 * 1: 32 MinHash functions compared by position (17 of 32), the exact digest of all the words and the subject.
 * 2: the text a reader sees (the HTML of an alternative), look-alike letters folded by the Unicode confusables,
 *    quoted lines kept, a bottom-128 MinHash compared as a share of the values, the exact key without the
 *    recipient's names (./skeleton.ts). Released at 3fadabd, after version 1 at f34d09b.
 * 3: a word and a number side by side kept as the word and `#` at any length (`user10` as `user#`, as `user9`
 *    already was; ./token-rules.ts), and a recipient's name followed by a number read as the name. The same
 *    MinHash of the words otherwise, so it shares version 2's value index.
 * Two later changes carry no version, and every version's keys follow them: a run of more than 30 combining marks is
 * cut (./mark-runs.ts), and a window that was cut short and mostly not text is read further (./task.ts). They give
 * other values only to hostile messages and to those padded ahead of their text (whose copies were each a campaign
 * of its own before, so no campaign is lost across the upgrade): on the defaults no corpus message's keys change
 * (benchmarks/README.md). A message with under 16 KiB of text before a 256 KiB attachment and more text after it
 * would change too; the corpus holds none.
 */
export const FINGERPRINT_VERSION = 3;

export interface Fingerprint {
  /** FINGERPRINT_VERSION of the algorithm that computed it. */
  version: number;
  /** Up to 128 MinHash values (bottom-k, 53-bit, ascending) over word 3-grams; null when the text has fewer than
   * `minWords` words. */
  minhash: number[] | null;
  /** `minhash` as the campaign store keeps it (./packed-values.ts), when the fingerprint was made with `storeValues`
   * (the pool's threads: the main thread then only passes it on to Redis). */
  minhashPacked?: Uint8Array;
  /** The values of `minhash` the store's index holds, as its scripts read them (./value-sample.ts), written with
   * `storeValues`. */
  sampleText?: string;
  /** Hex digest of the message's skeleton (./skeleton.ts): the key for short messages and exact copies. */
  direct: string;
  /** Version 1's keys, when asked for (`fingerprint.previousVersion`). */
  previous?: PreviousKeys;
  /** Version 2's keys, when asked for (`fingerprint.previousVersion`). */
  version2?: VersionTwoKeys;
  /** `version2.minhash` as the store's scripts read it (./value-text.ts: it names keys), written with `storeValues`:
   * while a store may hold version 2's keys, the main thread then only passes it on. */
  version2Text?: string;
  /** Hex digests of decoded attachments of at least `attachmentMinBytes`. */
  attachments: string[];
  /** The kinds of its attachments whatever their size (`.pdf`, or a content type where the name has no extension),
   * sorted, unique, at most MAX_ATTACHMENT_KINDS (./attachment-kinds.ts). */
  attachmentKinds: string[];
  /** Registrable domains of the links in the text and HTML, sorted, unique. */
  linkDomains: string[];
  /** Words in the normalised text. */
  words: number;
  /** Characters of HTML text a reader would not see (hidden by style, attribute or colour), left out of the words,
   * and their share of all the HTML text (0 to 1): a message that hides much of its text is itself a signal. */
  hiddenChars: number;
  hiddenShare: number;
  /** The decoded subject, trimmed to 200 characters (a sample for `floodgate campaigns`). */
  subject: string;
  /** Bytes of the message that were parsed, and whether the parse cap cut it. */
  bytesParsed: number;
  truncated: boolean;
  /** The limit that stopped the MIME parse (the raw body then joined the text), else "style" when an HTML part's
   * style cascade spent its budget (./css-budget.ts), or null when it went through. */
  limit: ParseLimit | null;
}

/** Which limit stopped a message's MIME parse: a part's header block too large, too many parts, nesting too deep,
 * or a parser error; or which stopped the reading of its HTML's style sheet ("style": the cascade's work budget, past
 * which its later elements were read by their own markup alone). */
export type ParseLimit = "header" | "parts" | "depth" | "error" | "style";

/** Why a message got no fingerprint: none could be made of it ("unparsed"), its thread died on it alone
 * ("thread-died": a crash or the thread's heap limit), it waited too long, or the pool was full or down; "large":
 * a message with a whole parse window or more to read that waited too long or found the pool full (large mail waits
 * behind smaller mail: ./batch-queue.ts). */
export type SkipReason = "unparsed" | "thread-died" | "timeout" | "pool-full" | "pool-down" | "large";

export type FingerprintOutcome = { status: "ok"; fingerprint: Fingerprint } | { status: "skipped"; reason: SkipReason };
