/**
 * Bottom-k MinHash properties: deterministic, ascending, distinct 53-bit values; the minWords rule; and a share
 * of values in common that estimates how much of the larger text the other holds, wherever salt is inserted.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { defaultConfig } from "../../src/config/schema.js";
import {
  agreement,
  MIN_VOTES,
  minhash,
  MINHASH_SIZE,
  sameCampaign,
  votesNeeded,
} from "../../src/fingerprint/minhash.js";
import { seededRandom } from "../../src/util/seeded-random.js";

const SHARE = defaultConfig().campaigns.matchShare;

/** `n` pseudo-random distinct-ish words from a seeded PRNG. */
function words(n: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => `w${Math.floor(random() * 1e9).toString(36)}`);
}

void describe("minhash (bottom-k)", () => {
  void test(`${MINHASH_SIZE} distinct ascending values below 2^53`, () => {
    const values = minhash(words(600, 1), 64)!;
    assert.equal(values.length, MINHASH_SIZE);
    for (let i = 1; i < values.length; i++) assert.ok(values[i - 1]! < values[i]!);
    assert.ok(values.every((v) => Number.isSafeInteger(v) && v >= 0));
  });

  void test("fewer than minWords words give null; a short text gives as many values as shingles", () => {
    assert.equal(minhash(words(63, 2), 64), null);
    assert.equal(minhash(words(50, 2), 3)?.length, 48);
    assert.equal(minhash([], 1), null);
    assert.equal(minhash(["one", "two"], 1)?.length, 1);
  });

  void test("deterministic, and order matters", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 3, maxLength: 200 }), (list) => {
        assert.deepEqual(minhash(list, 3), minhash([...list], 3));
      }),
    );
    const a = words(100, 3);
    assert.notDeepEqual(minhash(a, 3), minhash([...a].reverse(), 3));
  });

  void test("unrelated texts share no values", () => {
    for (let i = 0; i < 20; i++)
      assert.equal(agreement(minhash(words(200, 100 + i), 64)!, minhash(words(200, 500 + i), 64)!), 0);
  });

  void test("copies each salted with up to half of random text, in blocks anywhere, match each other", () => {
    const random = seededRandom(9);
    let joined = 0;
    for (let trial = 0; trial < 200; trial++) {
      const base = words(150, 1000 + trial);
      const salted = (seed: number) => {
        const out = [...base];
        const block = Math.round((150 * (0.5 + random() * 0.5)) / 4); // 75 to 150 words of salt in 4 blocks
        const salt = words(4 * block, seed);
        for (let b = 0; b < 4; b++) {
          out.splice(Math.floor(random() * out.length), 0, ...salt.slice(b * block, (b + 1) * block));
        }
        return out;
      };
      if (sameCampaign(minhash(salted(5000 + trial), 64)!, minhash(salted(9000 + trial), 64)!, SHARE)) joined++;
    }
    assert.ok(joined >= 198, `${joined} of 200 pairs of salted copies matched`);
  });

  void test("texts sharing a fifth of their words do not match", () => {
    let joined = 0;
    for (let trial = 0; trial < 200; trial++) {
      const shared = words(40, 2000 + trial);
      const a = [...words(160, 3000 + trial), ...shared];
      const b = [...shared, ...words(160, 4000 + trial)];
      if (sameCampaign(minhash(a, 64)!, minhash(b, 64)!, SHARE)) joined++;
    }
    assert.equal(joined, 0);
  });

  void test("votes needed: the share of the values, at least MIN_VOTES or all of them; none without values", () => {
    assert.equal(votesNeeded(128, 0.35), 45);
    assert.equal(votesNeeded(20, 0.35), MIN_VOTES);
    assert.equal(votesNeeded(5, 0.35), 5);
    assert.equal(votesNeeded(0, 0.35), Infinity);
  });
});
