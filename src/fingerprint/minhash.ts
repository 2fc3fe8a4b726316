/**
 * A bottom-k MinHash over word 3-grams: each word is hashed once, the three word hashes of a window are combined
 * into one 53-bit shingle value, and the MINHASH_SIZE smallest distinct values are kept, sorted. Two messages
 * share about MINHASH_SIZE × |A ∩ B| / max(|A|, |B|) of their values (shingle sets A, B): the share of the larger
 * message's text found in the other, not the Jaccard similarity of rspamd's k-function MinHash
 * (fingerprinting.md §1.1). So a copy salted with random text up to as long as the campaign's own (a half of the
 * copy) still shares about half its values with the campaign, wherever the salt is inserted, where Jaccard falls
 * to a third between two such copies. Measured on the evasion set (benchmarks/README.md), against 32 functions
 * and a 17-of-32 vote. One hash per shingle instead of 32 makes it cheaper, too. 53 bits keep values that
 * unrelated messages share by chance rare among the millions of pointers a store holds. Pure: no I/O.
 */

/** Values kept per message. */
export const MINHASH_SIZE = 256;
/** Words per shingle (rspamd `SHINGLES_WINDOW`). */
export const SHINGLE_WINDOW = 3;
/** Share of a message's values that must be found in a campaign for the message to join it (the default of
 * `campaigns.matchShare`). */
export const MATCH_SHARE = 0.4;

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

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** The 53-bit value of one window of up to three word hashes; order matters (`a b c` differs from `c b a`). */
function shingleValue(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0xcc9e2d51);
  h = rotl(h ^ Math.imul(rotl(b, 11), 0x1b873593), 13);
  h = Math.imul(h, 5) + 0xe6546b64;
  h ^= Math.imul(rotl(c, 22), 0x9e3779b1);
  const high = fmix32(h);
  const low = fmix32(h ^ Math.imul(rotl(b, 7), 0x27d4eb2f) ^ 0x165667b1) & 0x1fffff;
  return high * 0x200000 + low;
}

/**
 * The MINHASH_SIZE smallest distinct shingle values of a word sequence, ascending (fewer when the text has fewer
 * shingles), or null when it has fewer than `minWords` words. A sequence shorter than the window (possible only
 * with `minWords` < 3) forms a single shingle.
 */
export function minhash(words: readonly string[], minWords: number): number[] | null {
  if (words.length < minWords || words.length === 0) return null;
  const hashes = words.map(hashWord);
  const windows = Math.max(1, hashes.length - SHINGLE_WINDOW + 1);
  // Keep the smallest values seen in a bounded buffer: append while under twice the size, then cut back to the
  // size by sorting; the work stays linear in the text for a fixed size.
  let kept: number[] = [];
  let ceiling = Infinity;
  for (let i = 0; i < windows; i++) {
    const value = shingleValue(hashes[i] ?? 0, hashes[i + 1] ?? 0, hashes[i + 2] ?? 0);
    if (value >= ceiling) continue;
    kept.push(value);
    if (kept.length >= 4 * MINHASH_SIZE) {
      kept = smallestDistinct(kept);
      ceiling = kept.length === MINHASH_SIZE ? kept[MINHASH_SIZE - 1]! : Infinity;
    }
  }
  return smallestDistinct(kept);
}

function smallestDistinct(values: number[]): number[] {
  values.sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of values) {
    if (out.length === MINHASH_SIZE) break;
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
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

/** Values of a sketch of `size` values that must point at one campaign to join it. */
export function votesNeeded(size: number, share: number): number {
  return Math.max(1, Math.ceil(size * share));
}

/** Whether two sketches are of one campaign: the smaller shares at least `share` of its values with the other. */
export function sameCampaign(a: readonly number[], b: readonly number[], share: number): boolean {
  return agreement(a, b) >= votesNeeded(Math.min(a.length, b.length), share);
}
