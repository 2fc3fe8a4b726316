/**
 * MinHash values as the campaign store's scripts read them: decimal, separated by spaces
 * (src/reputation/observe-args.ts; lua/includes/readArgs.lua). The pool's threads write a fingerprint's values so
 * (`Fingerprint.minhashText`), so the main thread only passes the text on to Redis.
 */

/** Integers from 0 to 2^53, in decimal, separated by spaces: as `join(" ")` writes them, in a quarter of the time
 * (V8 writes a number past 2^31 as a double; its two halves under 10^9 are small integers). */
export function decimals(values: readonly number[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let text: string;
    if (v < 2 ** 31) text = `${v}`;
    else {
      const high = Math.floor(v / 1e9);
      const low = `${v - high * 1e9}`;
      text = `${high}${"000000000".slice(low.length)}${low}`;
    }
    out += i === 0 ? text : ` ${text}`;
  }
  return out;
}
