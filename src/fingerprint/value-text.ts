/**
 * MinHash values as the campaign store's scripts read lists of them that name keys: decimal, separated by spaces
 * (src/reputation/observe-args.ts; lua/includes/readArgs.lua): the sample the value index holds, which the pool's
 * threads write (`Fingerprint.sampleText`), and the earlier versions' values. A whole sketch goes packed
 * (./packed-values.ts).
 */

/** The two ASCII digits of each number below 100, at 2n and 2n + 1. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let n = 0; n < 100; n++) {
  DIGIT_PAIRS[2 * n] = 0x30 + Math.floor(n / 10);
  DIGIT_PAIRS[2 * n + 1] = 0x30 + (n % 10);
}
const ZERO = 0x30;
const SPACE = 0x20;
/** Digits of a value up to 2^53, and its separator. */
const MAX_BYTES_PER_VALUE = 17;

/** Reused by every call (they are synchronous), grown when a call needs more. */
let scratch = Buffer.allocUnsafe(128 * MAX_BYTES_PER_VALUE);

/** Digits of a small integer (below 2^31). */
function digitCount(n: number): number {
  let digits = 1;
  for (let limit = 10; n >= limit && digits < 10; limit *= 10) digits++;
  return digits;
}

/** Writes the small integer `n` as the digits scratch[start, end), zero-padded on the left; two digits a division. */
function writeDigits(n: number, start: number, end: number): void {
  let at = end;
  while (at - 2 >= start) {
    const rest = Math.floor(n / 100);
    const pair = 2 * (n - rest * 100);
    scratch[at - 1] = DIGIT_PAIRS[pair + 1]!;
    scratch[at - 2] = DIGIT_PAIRS[pair]!;
    n = rest;
    at -= 2;
  }
  if (at > start) scratch[at - 1] = ZERO + n;
}

/** Integers from 0 to 2^53, in decimal, separated by spaces, as `join(" ")` writes them: V8 writes a number past 2^31
 * as a double, so each is split in two halves under 10^9, small integers written two digits at a time into bytes
 * (half the time of a string per half: benchmarks/README.md, "The existing floors, a third time"). */
export function decimals(values: readonly number[]): string {
  if (scratch.length < values.length * MAX_BYTES_PER_VALUE) {
    scratch = Buffer.allocUnsafe(values.length * MAX_BYTES_PER_VALUE);
  }
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    if (i > 0) scratch[at++] = SPACE;
    const v = values[i]!;
    const high = v < 2 ** 31 ? 0 : Math.floor(v / 1e9);
    const low = v - high * 1e9;
    if (high > 0) {
      const highDigits = digitCount(high);
      writeDigits(high, at, at + highDigits);
      writeDigits(low, at + highDigits, at + highDigits + 9);
      at += highDigits + 9;
    } else {
      const lowDigits = digitCount(low);
      writeDigits(low, at, at + lowDigits);
      at += lowDigits;
    }
  }
  return scratch.toString("latin1", 0, at);
}
