/**
 * Why a message has the fingerprint it has, and why two messages are or are not one campaign, for an operator
 * (`floodgate fingerprint --explain FILE`, `--compare A B`): the text a reader sees with the parts left out marked,
 * the words, what the exact key is made of, the MinHash values; and for two messages the values they share, the
 * text those values come from, and the campaign rule applied to them. The rule here is the pairwise one (the
 * smaller sketch shares `matchShare` of its values with the other, or the exact keys are equal): the store also
 * leaves out text common to many campaigns and matches a copy against every copy of a campaign at once.
 */
import type { Config } from "../config/schema.js";
import { fingerprintParts, MAX_TEXT_CHARS, type FingerprintOptions } from "./compute.js";
import { agreement, votesNeeded, windowValue, wordHashes } from "./minhash.js";
import { normaliseText } from "./normalise.js";
import { recipientNames, skeletonOf, type Skeleton } from "./skeleton.js";
import { extract, type ParserName } from "./task.js";
import type { Fingerprint } from "./types.js";

/** How to fingerprint a message to explain it (the `fingerprint` section's settings). */
export interface ExplainOptions extends FingerprintOptions {
  parseBytes: number;
  parser: ParserName;
}

/** The explain options of a configuration's `fingerprint` section: the extractor and the bytes it reads. */
export function explainOptions(f: Config["fingerprint"]): ExplainOptions {
  return {
    parseBytes: f.parseKiB * 1024,
    parser: f.parser,
    minWords: f.minWords,
    attachmentMinBytes: f.attachmentMinBytes,
  };
}

/**
 * The text a reader sees of a message, text a mail client would not show written between HIDDEN_OPEN and
 * HIDDEN_CLOSE: what the fingerprint's extractor reads, with what it leaves out marked (`--explain`, the console).
 */
export async function markedText(message: Uint8Array, options: ExplainOptions): Promise<string> {
  const { parseBytes, parser, attachmentMinBytes } = options;
  return (await extract(message, parseBytes, parser, attachmentMinBytes, { markHidden: true })).text;
}

/** A message's fingerprint and what it was made of. */
export interface Explanation {
  fingerprint: Fingerprint;
  /** The text a reader sees, text a mail client would not show written between HIDDEN_OPEN and HIDDEN_CLOSE. */
  markedText: string;
  /** The normalised words (the MinHash is over their 3-word windows). */
  words: string[];
  /** The recipient's names read from To and Cc, left out of the exact key. */
  names: string[];
  /** What the exact key is made of. */
  skeleton: Skeleton;
}

/** Fingerprint a message and keep what it was made of. */
export async function explainMessage(message: Uint8Array, options: ExplainOptions): Promise<Explanation> {
  const { parseBytes, parser, attachmentMinBytes } = options;
  const marked = await markedText(message, options);
  const parts = await extract(message, parseBytes, parser, attachmentMinBytes, {
    previousText: options.previousVersion,
  });
  const fingerprint = fingerprintParts(parts, options, parts);
  const text = parts.text.length > MAX_TEXT_CHARS ? parts.text.slice(0, MAX_TEXT_CHARS) : parts.text;
  const words = normaliseText(text);
  const names = recipientNames(parts.recipients ?? "");
  const short = words.length < options.minWords;
  const skeleton = skeletonOf(text, words, normaliseText(parts.subject), names, short);
  return { fingerprint, markedText: marked, words, names: [...names].filter((name) => !name.endsWith("#")), skeleton };
}

/** Two messages under the pairwise campaign rule. */
export interface Comparison {
  /** MinHash values both have, and how many the rule needs (null when either has none: a short text). */
  shared: number;
  needed: number | null;
  byMinhash: boolean;
  byExactKey: boolean;
  /** The 3-word sequences of the first message whose values the second has too (at most `maxShared`). */
  sharedText: string[];
}

/** Compare two explained messages by the pairwise rule with `share` (`campaigns.matchShare`). */
export function compareMessages(a: Explanation, b: Explanation, share: number, maxShared = 40): Comparison {
  const ma = a.fingerprint.minhash;
  const mb = b.fingerprint.minhash;
  const shared = ma && mb ? agreement(ma, mb) : 0;
  const needed = ma && mb ? votesNeeded(Math.min(ma.length, mb.length), share) : null;
  const inB = new Set(mb ?? []);
  const inBoth = new Set(ma ? ma.filter((v) => inB.has(v)) : []);
  const sharedText: string[] = [];
  if (inBoth.size > 0) {
    const hashes = wordHashes(a.words);
    const windows = Math.max(1, a.words.length - 2);
    for (let i = 0; i < windows && sharedText.length < maxShared; i++) {
      const value = windowValue(hashes, i);
      if (!inBoth.has(value)) continue;
      inBoth.delete(value); // a sequence the text repeats is shown once
      sharedText.push(a.words.slice(i, i + 3).join(" "));
    }
  }
  return {
    shared,
    needed,
    byMinhash: needed !== null && shared >= needed,
    byExactKey: a.fingerprint.direct === b.fingerprint.direct,
    sharedText,
  };
}
