/**
 * The sample of a sketch the campaign store's value index holds, and where each sampled value lives: the values that
 * are 0 modulo SAMPLE_MODULUS (by value, so the same in every copy that has them), each in the generation shard of
 * its next two bits (src/reputation/lua/includes/sampledIndex.lua, valueIndex.lua). This module owns the rule on the
 * mail path: the fingerprint threads write the sample beside the values' text (`Fingerprint.sampleText`), and the
 * observation, match and lookup scripts take it as given instead of splitting all 128 values to pick it. The Lua
 * applies the same rule (`isSampled`, `sampledShardOf`) only where no caller can: to the sketches a campaign keeps
 * (a block keeps their sampled values alive) and to the earlier versions' values; a test on real Redis checks that
 * both sides agree (test/integration/reputation-sampled-index.test.ts). The rule is the store's data layout: hosts
 * of other releases sharing a store apply it too, so it never changes without a new value prefix.
 */
import { decimals } from "./value-text.js";

/** The index holds the values that are 0 modulo this. */
export const SAMPLE_MODULUS = 4;
/** A generation of the index is split in this many hashes, by value. */
export const VALUE_SHARDS = 4;

/** A sketch's sample as the store's scripts read it: the sampled values in the sketch's order, decimal and separated
 * by spaces (./value-text.ts), and their shards, one digit per value, in the same order. */
export interface SampleText {
  values: string;
  shards: string;
}

/** Whether the index holds a value (an integer from 0 to 2^53, where `%` is exact). */
export function isSampled(value: number): boolean {
  return value % SAMPLE_MODULUS === 0;
}

/** The generation shard of a sampled value: its remainder by SAMPLE_MODULUS × VALUE_SHARDS, divided by
 * SAMPLE_MODULUS (every sampled value's remainder by SAMPLE_MODULUS is 0, so that one would put all in one hash). */
export function sampledShard(value: number): number {
  return Math.floor((value % (SAMPLE_MODULUS * VALUE_SHARDS)) / SAMPLE_MODULUS);
}

/** The sample of `values` and its shards, as the scripts take them. */
export function sampleText(values: readonly number[]): SampleText {
  const sampled: number[] = [];
  let shards = "";
  for (const value of values) {
    if (!isSampled(value)) continue;
    sampled.push(value);
    shards += sampledShard(value);
  }
  return { values: decimals(sampled), shards };
}
