/**
 * MinHash properties: deterministic unsigned 32-bit values, the minWords rule, and an agreement rate that
 * estimates the Jaccard similarity of the word 3-gram sets on constructed texts.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { agreement, hashWord, minhash, MINHASH_SIZE, SEEDS } from "../../src/fingerprint/minhash.js";
import { seededRandom } from "../../src/util/seeded-random.js";

/** `n` pseudo-random distinct-ish words from a seeded PRNG. */
function words(n: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => `w${Math.floor(random() * 1e9).toString(36)}`);
}

/** The exact Jaccard similarity of the 3-gram sets of two word lists. */
function jaccard(a: string[], b: string[]): number {
  const grams = (w: string[]) => new Set(w.slice(0, -2).map((_, i) => `${w[i]} ${w[i + 1]} ${w[i + 2]}`));
  const ga = grams(a);
  const gb = grams(b);
  let both = 0;
  for (const g of ga) if (gb.has(g)) both++;
  return both / (ga.size + gb.size - both);
}

void describe("minhash", () => {
  void test("32 distinct seeds, unsigned 32-bit values", () => {
    assert.equal(new Set(SEEDS).size, MINHASH_SIZE);
    const values = minhash(words(100, 1), 64);
    assert.ok(values);
    assert.equal(values.length, MINHASH_SIZE);
    for (const v of values) assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `${v} out of range`);
  });

  void test("null below minWords, values from minWords on", () => {
    assert.equal(minhash(words(63, 2), 64), null);
    assert.notEqual(minhash(words(64, 2), 64), null);
    assert.equal(minhash([], 1), null);
    assert.equal(minhash(["one", "two"], 1)?.length, MINHASH_SIZE);
  });

  void test("identical texts give identical values (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 3, maxLength: 200 }), (list) => {
        assert.deepEqual(minhash(list, 3), minhash([...list], 3));
        assert.equal(agreement(minhash(list, 3)!, minhash(list, 3)!), MINHASH_SIZE);
      }),
    );
  });

  void test("word order matters within a shingle", () => {
    const a = ["alpha", "beta", "gamma"];
    assert.notDeepEqual(minhash(a, 3), minhash([...a].reverse(), 3));
  });

  void test("hashWord is stable and spreads similar words", () => {
    assert.equal(hashWord("viagra"), hashWord("viagra"));
    assert.notEqual(hashWord("ab"), hashWord("ba"));
  });

  void test("unrelated texts agree on almost nothing", () => {
    let total = 0;
    for (let i = 0; i < 50; i++)
      total += agreement(minhash(words(200, 100 + i), 64)!, minhash(words(200, 500 + i), 64)!);
    assert.ok(total / 50 < 1, `mean agreement of unrelated texts ${total / 50} of 32`);
  });

  void test("the agreement rate estimates the Jaccard similarity of 3-gram sets", () => {
    // Texts sharing a common body with distinct additions, at several overlaps; averaged over trials.
    for (const shared of [0.3, 0.5, 0.8]) {
      let estimate = 0;
      let exact = 0;
      const trials = 40;
      for (let t = 0; t < trials; t++) {
        const body = words(Math.round(400 * shared), 1000 + t);
        const a = [...body, ...words(Math.round(400 * (1 - shared)), 2000 + t)];
        const b = [...words(Math.round(400 * (1 - shared)), 3000 + t), ...body];
        estimate += agreement(minhash(a, 64)!, minhash(b, 64)!) / MINHASH_SIZE;
        exact += jaccard(a, b);
      }
      estimate /= trials;
      exact /= trials;
      assert.ok(
        Math.abs(estimate - exact) < 0.06,
        `shared ${shared}: estimate ${estimate.toFixed(3)} vs Jaccard ${exact.toFixed(3)}`,
      );
    }
  });
});
