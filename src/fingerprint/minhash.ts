/**
 * A bottom-k MinHash over word 3-grams: each word is hashed once, the three word hashes of a window are combined
 * into one 53-bit shingle value, and the MINHASH_SIZE smallest distinct values are kept, ascending. The values a
 * message shares with another estimate the share of its text found in the other (|A ∩ B| / |A| for shingle sets
 * A and B, when the other's values cover A's smallest), not the Jaccard similarity rspamd's 32 seeded functions
 * estimate (fingerprinting.md §1.1). A copy salted with random text as long as the campaign's own still shares
 * half its values with the campaign, wherever the salt is inserted, where the Jaccard similarity of two such
 * copies falls to a third. 128 values keep the estimate's spread small (±0.044 at a share of one half), so the
 * campaign rule can sit well under one half without reaching unrelated text (the evasion suite's figures:
 * benchmarks/README.md). One hash per shingle instead of 32 makes it cheaper too. 53 bits keep
 * values unrelated messages share by chance rare among the millions of values a store holds. Pure: no I/O.
 */

/** Values kept per message. */
export const MINHASH_SIZE = 128;
/** Words per shingle (rspamd `SHINGLES_WINDOW`). */
export const SHINGLE_WINDOW = 3;

/** The murmur3 32-bit finaliser: a bijection on 32-bit integers that spreads every input bit. */
export function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of a word, finalised with `fmix32`. */
export function hashWord(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

export function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** The 32-bit hash of one window of up to three word hashes; order matters (`a b c` differs from `c b a`). */
export function shingleHash(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0xcc9e2d51);
  h = rotl(h ^ Math.imul(rotl(b, 11), 0x1b873593), 13);
  h = Math.imul(h, 5) + 0xe6546b64;
  h ^= Math.imul(rotl(c, 22), 0x9e3779b1);
  return fmix32(h);
}

/** The 53-bit value of one window: its 32-bit hash (`high`, the shingleHash of the three words) above 21 more bits
 * mixed from the same words. */
function shingleValue(high: number, b: number, c: number): number {
  const low = fmix32(high ^ Math.imul(rotl(b, 7), 0x27d4eb2f) ^ Math.imul(c, 0x165667b1)) & 0x1fffff;
  return high * 0x200000 + low;
}

/** The 32-bit hash of every window of three words of a word sequence (given as `wordHashes`); one window when the
 * sequence is shorter. The bottom-k values and the previous version's 32 minima are both made of them. */
export function shingleHashes(hashes: Uint32Array): Uint32Array {
  const windows = Math.max(1, hashes.length - SHINGLE_WINDOW + 1);
  const shingles = new Uint32Array(windows);
  for (let i = 0; i < windows; i++) shingles[i] = shingleHash(hashes[i] ?? 0, hashes[i + 1] ?? 0, hashes[i + 2] ?? 0);
  return shingles;
}

/** The word hashes of a word sequence. */
export function wordHashes(words: readonly string[]): Uint32Array {
  const hashes = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i++) hashes[i] = hashWord(words[i]!);
  return hashes;
}

/**
 * The MINHASH_SIZE smallest distinct shingle values of a word sequence (given as `wordHashes`, and its
 * `shingleHashes` when already computed), ascending; fewer when the text has fewer shingles. A sequence shorter
 * than the window forms a single shingle. Linear in the text: values are gathered in a buffer of four times the
 * size, which is cut back to the smallest whenever full, and a value at or above the current cut is not kept.
 * Sorting is most of the cost, so a long text first keeps only the values under the cut its length predicts
 * (values are uniform: EXPECTED_SHARE times the size fall under it), and reads them all again only in the rare
 * case where fewer than MINHASH_SIZE distinct ones did (repeated text).
 */
export function bottomValues(hashes: Uint32Array, shingles = shingleHashes(hashes)): number[] {
  if (hashes.length === 0) return [];
  const predicted = (MAX_VALUE * EXPECTED_SHARE * MINHASH_SIZE) / shingles.length;
  if (predicted < MAX_VALUE / 2) {
    const values = smallestUnder(hashes, shingles, predicted);
    if (values.length === MINHASH_SIZE) return values;
  }
  return smallestUnder(hashes, shingles, Infinity);
}

/** 2^53: every shingle value is below it. */
const MAX_VALUE = 2 ** 53;
/** Values expected under the predicted cut, as a multiple of MINHASH_SIZE: enough that fewer than MINHASH_SIZE
 * fall under it about once in a million texts without repeats (a binomial more than four deviations short). */
const EXPECTED_SHARE = 1.5;

/** The MINHASH_SIZE smallest distinct shingle values under `ceiling`, ascending. */
function smallestUnder(hashes: Uint32Array, shingles: Uint32Array, ceiling: number): number[] {
  const windows = shingles.length;
  const buffer = new Float64Array(4 * MINHASH_SIZE);
  let kept = 0;
  for (let i = 0; i < windows; i++) {
    const value = shingleValue(shingles[i]!, hashes[i + 1] ?? 0, hashes[i + 2] ?? 0);
    if (value >= ceiling) continue;
    buffer[kept++] = value;
    if (kept === buffer.length) {
      kept = smallestDistinct(buffer, kept);
      if (kept === MINHASH_SIZE) ceiling = buffer[MINHASH_SIZE - 1]!;
    }
  }
  kept = smallestDistinct(buffer, kept);
  return Array.from(buffer.subarray(0, kept));
}

/** Sort the first `length` values of `buffer` and keep the MINHASH_SIZE smallest distinct ones at its start;
 * returns how many were kept. */
function smallestDistinct(buffer: Float64Array, length: number): number {
  buffer.subarray(0, length).sort();
  let out = 0;
  for (let i = 0; i < length && out < MINHASH_SIZE; i++) {
    if (out === 0 || buffer[out - 1] !== buffer[i]) buffer[out++] = buffer[i]!;
  }
  return out;
}

/** The value of the window of three words that starts at word `i` (the window of a text shorter than three words
 * at 0). */
export function windowValue(hashes: Uint32Array, i: number): number {
  return shingleValue(
    shingleHash(hashes[i] ?? 0, hashes[i + 1] ?? 0, hashes[i + 2] ?? 0),
    hashes[i + 1] ?? 0,
    hashes[i + 2] ?? 0,
  );
}

/** The bottom-k MinHash of a word sequence, or null when it has fewer than `minWords` words. */
export function minhash(words: readonly string[], minWords: number): number[] | null {
  if (words.length < minWords || words.length === 0) return null;
  return bottomValues(wordHashes(words));
}

/** How many values two sketches share (both ascending). */
export function agreement(a: readonly number[], b: readonly number[]): number {
  let shared = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return shared;
}

/** Values that must agree at the least, whatever the share (all of them when a message has fewer). */
export const MIN_VOTES = 16;

/** Values that must point at one campaign for a message with `live` values to join it: `share` of them, and at
 * least MIN_VOTES or all of them (a message whose values are nearly all common text does not join on a few);
 * Infinity when it has none. */
export function votesNeeded(live: number, share: number): number {
  if (live <= 0) return Infinity;
  return Math.max(Math.min(MIN_VOTES, live), Math.ceil(live * share));
}

/** Whether two sketches are of one campaign by themselves (the offline rule, without the store's common values):
 * the smaller shares at least `share` of its values with the other. */
export function sameCampaign(a: readonly number[], b: readonly number[], share: number): boolean {
  return agreement(a, b) >= votesNeeded(Math.min(a.length, b.length), share);
}
