/**
 * The keys of fingerprint version 2, computed next to the current ones (version 3) while a store may still hold
 * campaigns keyed by it (`fingerprint.previousVersion`): a campaign blocked or given a verdict by a host of version 2
 * is still found after the upgrade, and is then keyed by the current version (src/reputation).
 *
 * Version 3 reads a message as version 2 did but for two rules: version 2 dropped a word and a number side by side
 * from 6 characters on (`user10`, as version 1 did: ./previous-tokens.ts), and did not read a recipient's name
 * followed by a number (`mary#`) as the name. Its exact key's digest carries its version, so it always differs from
 * the current one (the same skeleton is hashed again where the two read the same); its MinHash values are the
 * current ones where it read the same words, and computed again only where it read other words. They are looked up
 * in version 2's own value index (`m2:`, src/reputation/keys.ts): each released version keeps the index it wrote.
 * Checked against the fingerprints the build of version 2 (main at 3fadabd) computed for every corpus message
 * (test/integration/fingerprint-version-two.test.ts). Pure: no I/O.
 */
import { bottomValues, hashWord } from "./minhash.js";
import { tokenise, wordTrace, type WordTrace } from "./normalise.js";
import { withoutLongMixed } from "./previous-tokens.js";
import { keyDigest, nameSet, recipientNameText, skeletonKey, skeletonOf } from "./skeleton.js";

/** The version these keys are of. */
export const VERSION_TWO = 2;

/** The keys of a message under version 2. */
export interface VersionTwoKeys {
  /** Hex digest of version 2's skeleton: its exact key. */
  direct: string;
  /** Version 2's MinHash values (the current ones where it read the same words); null when it has none (fewer than
   * `minWords` words). */
  minhash: number[] | null;
}

/** What the current version read of a message. */
export interface VersionTwoInput {
  /** The text read, its words, their hashes and their trace (which words version 2 dropped: `WordTrace.longMixed`). */
  text: string;
  words: readonly string[];
  hashes: Uint32Array;
  trace: WordTrace;
  /** The subject's words and their trace. */
  subjectWords: readonly string[];
  subjectTrace: WordTrace;
  /** The raw values of the To and Cc headers, and the current version's names of them. */
  recipients: string;
  names: ReadonlySet<string>;
  /** The current version's skeleton key (./skeleton.ts `skeletonKey`) and MinHash values (null when none). */
  key: string;
  minhash: number[] | null;
  minWords: number;
}

/** The keys version 2 computed for a message, from what the current version read of it. */
export function versionTwoKeys(input: VersionTwoInput): VersionTwoKeys {
  const read = withoutLongMixed(input.words, input.trace);
  const subject = withoutLongMixed(input.subjectWords, input.subjectTrace).words;
  const names = namesOf(input.recipients, input.names);
  const short = read.words.length < input.minWords;
  const same = read.words === input.words && subject === input.subjectWords && sameSkeleton(input, names);
  const key = same ? input.key : skeletonKey(skeletonOf(input.text, read.words, subject, names, short, read.trace));
  const direct = keyDigest(VERSION_TWO, key);
  if (short || read.words.length === 0) return { direct, minhash: null };
  if (read.words === input.words) return { direct, minhash: input.minhash };
  return { direct, minhash: bottomValues(keptHashes(input.words, input.hashes, read.words)) };
}

/** Version 2's recipient names: without the numbered forms, of the words it read. Headers of ASCII give words
 * without digits (the name text has none), so version 2 read the same names: the current ones but the numbered. */
function namesOf(recipients: string, current: ReadonlySet<string>): Set<string> {
  if (recipients === "") return new Set();
  if (!NOT_ASCII.test(recipients)) return new Set([...current].filter((name) => !name.endsWith("#")));
  const trace = wordTrace();
  const words = tokenise(recipientNameText(recipients), trace);
  return nameSet(withoutLongMixed(words, trace).words, false);
}

/** Whether version 2's skeleton is the current one, of the same words: its names are the current ones but for the
 * numbered forms (`mary#`), and neither the text nor the subject holds one of those. */
function sameSkeleton(input: VersionTwoInput, names: ReadonlySet<string>): boolean {
  const current = input.names;
  if (current.size !== 2 * names.size) return false;
  if (names.size === 0) return true;
  for (const name of names) if (!current.has(name) || !current.has(`${name}#`)) return false;
  const numbered = (word: string) => word.charCodeAt(word.length - 1) === 0x23 && current.has(word) && !names.has(word);
  return !input.words.some(numbered) && !input.subjectWords.some(numbered);
}

const NOT_ASCII = /[\u0080-\uffff]/;

/** The hashes of `kept`, the words less the ones version 2 dropped (and the link repeats that then left), taken from
 * the hashes of `words`: `kept` is a subsequence of `words`, so the first equal word found for each in order is
 * there, and equal words have equal hashes. */
function keptHashes(words: readonly string[], hashes: Uint32Array, kept: readonly string[]): Uint32Array {
  const out = new Uint32Array(kept.length);
  let k = 0;
  for (let i = 0; i < words.length && k < kept.length; i++) if (words[i] === kept[k]) out[k++] = hashes[i]!;
  for (; k < kept.length; k++) out[k] = hashWord(kept[k]!);
  return out;
}
