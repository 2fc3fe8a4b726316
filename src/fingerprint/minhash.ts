/**
 * MinHash over word 3-grams, rspamd style (fingerprinting.md §1.1, §1.5): each word is hashed once, the three
 * word hashes of a window are combined, and for each of 32 seeded hash functions the minimum over all windows
 * is kept. All arithmetic is unsigned 32-bit with `Math.imul` mixing. Pure: no I/O.
 */

/** Number of MinHash values (rspamd `RSPAMD_SHINGLE_SIZE`). */
export const MINHASH_SIZE = 32;
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

/** The per-function seeds: a splitmix-like sequence from a fixed start, so values are stable across runs. */
export const SEEDS: Uint32Array = (() => {
  const seeds = new Uint32Array(MINHASH_SIZE);
  let state = 0x5eed1234;
  for (let i = 0; i < MINHASH_SIZE; i++) {
    state = (state + 0x9e3779b9) | 0;
    seeds[i] = fmix32(state ^ fmix32(i + 1));
  }
  return seeds;
})();

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** The hash of one window of up to three word hashes; order matters (`a b c` differs from `c b a`). */
function shingleHash(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0xcc9e2d51);
  h = rotl(h ^ Math.imul(rotl(b, 11), 0x1b873593), 13);
  h = Math.imul(h, 5) + 0xe6546b64;
  h ^= Math.imul(rotl(c, 22), 0x9e3779b1);
  return fmix32(h);
}

/**
 * The 32 MinHash values of a word sequence, or null when it has fewer than `minWords` words.
 * A sequence shorter than the window (possible only with `minWords` < 3) forms a single shingle.
 */
export function minhash(words: readonly string[], minWords: number): number[] | null {
  if (words.length < minWords || words.length === 0) return null;
  const hashes = words.map(hashWord);
  const windows = Math.max(1, hashes.length - SHINGLE_WINDOW + 1);
  const shingles = new Uint32Array(windows);
  for (let i = 0; i < windows; i++) {
    shingles[i] = shingleHash(hashes[i] ?? 0, hashes[i + 1] ?? 0, hashes[i + 2] ?? 0);
  }
  const mins = new Array<number>(MINHASH_SIZE);
  for (let f = 0; f < MINHASH_SIZE; f++) {
    const seed = SEEDS[f] ?? 0;
    let min = 0xffffffff;
    for (let i = 0; i < windows; i++) {
      const v = fmix32((shingles[i] ?? 0) ^ seed);
      if (v < min) min = v;
    }
    mins[f] = min;
  }
  return mins;
}

/** How many positions of two MinHash vectors hold the same value (the rspamd vote count). */
export function agreement(a: readonly number[], b: readonly number[]): number {
  let votes = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] === b[i]) votes++;
  return votes;
}
