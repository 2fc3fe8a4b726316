/**
 * The arguments of the campaign scripts: MinHash values written in decimal, separated by spaces, exactly as
 * `join(" ")` writes them, for every integer a value can be (0 to 2^53).
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { decimals } from "../../src/fingerprint/value-text.js";
import { seededRandom } from "../../src/util/seeded-random.js";

void describe("decimals", () => {
  void test("the integers at the edges of each way of writing them", () => {
    const edges = [0, 1, 9, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1e9 - 1, 1e9, 1e9 + 1, 1e12, 1e12 + 7];
    for (const v of [...edges, 2 ** 53 - 1, 2 ** 53, 5_000_000_000_000_001, 9_007_199_000_000_000]) {
      assert.equal(decimals([v]), String(v));
    }
    assert.equal(decimals([]), "");
    assert.equal(decimals(edges), edges.join(" "));
  });

  void test("every count of digits, and more values than one call's buffer held before", () => {
    const powers = Array.from({ length: 16 }, (_, k) => 10 ** k);
    const values = powers.flatMap((p) => [p - 1, p, p + 1, 2 * p + 99]).filter((v) => v >= 0);
    assert.equal(decimals(values), values.join(" "));
    const many = Array.from({ length: 1000 }, (_, i) => i * 9_007_199_254_740 + i);
    assert.equal(decimals(many), many.join(" "));
    assert.equal(decimals([42, 7]), "42 7", "a shorter call after a longer one writes only its own values");
  });

  void test("random 53-bit values, as join writes them", () => {
    const random = seededRandom(7);
    for (let m = 0; m < 200; m++) {
      const values = Array.from(
        { length: 128 },
        () => Math.floor(random() * 2 ** 21) * 2 ** 32 + Math.floor(random() * 2 ** 32),
      );
      assert.equal(decimals(values), values.join(" "));
    }
  });
});
