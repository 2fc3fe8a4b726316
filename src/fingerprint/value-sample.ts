/**
 * The sample of a sketch the campaign store's value index holds: the values that are 0 modulo SAMPLE_MODULUS (by
 * value, so the same in every copy that has them; src/reputation/lua/includes/sampledIndex.lua). This module owns
 * the rule on the mail path: the fingerprint threads write the sample beside the values' text
 * (`Fingerprint.sampleText`), and the observation, match and lookup scripts take it as given instead of splitting all
 * 128 values to pick it. The Lua applies the same rule (`isSampled`) only where no caller can: to the sketches a
 * campaign keeps (a block keeps their sampled values alive) and to the earlier versions' values; a test on real
 * Redis checks that both sides agree (test/integration/reputation-sampled-index.test.ts). The rule is the store's
 * data layout: hosts of other releases sharing a store apply it too, so it never changes without a new value prefix.
 */
import { decimals } from "./value-text.js";

/** The index holds the values that are 0 modulo this. */
export const SAMPLE_MODULUS = 4;

/** Whether the index holds a value (an integer from 0 to 2^53, where `%` is exact). */
export function isSampled(value: number): boolean {
  return value % SAMPLE_MODULUS === 0;
}

/** The sample of `values` as the scripts take it: the sampled values in the sketch's order, decimal and separated by
 * spaces (./value-text.ts). */
export function sampleText(values: readonly number[]): string {
  return decimals(values.filter(isSampled));
}
