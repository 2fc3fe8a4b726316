/**
 * The daemon's own latency histograms, read from two /metrics scrapes around a benchmark run: how many of the
 * run's observations of a Prometheus histogram fell above each bucket bound. It shows where the end-of-message
 * time goes inside the daemon (the fingerprint pool, the Redis round trip) beside what the load generator measured.
 */

/** Cumulative bucket counts of one histogram, its label sets summed: upper bound (seconds, `+Inf` as Infinity) →
 * count. */
export type BucketCounts = Map<number, number>;

/** The `<name>_bucket{le="…"}` samples of `text`; an empty map when the histogram is absent. */
export function histogramBuckets(text: string, name: string): BucketCounts {
  const buckets: BucketCounts = new Map();
  const prefix = `${name}_bucket{`;
  for (const line of text.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const count = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (le === undefined || !Number.isFinite(count)) continue;
    const bound = le === "+Inf" ? Infinity : Number(le);
    if (!Number.isNaN(bound)) buckets.set(bound, (buckets.get(bound) ?? 0) + count);
  }
  return buckets;
}

/** A run's observations of one histogram, and the share of them above each bound. */
export interface ShareAbove {
  observations: number;
  /** Bound in milliseconds → share (0 to 1) over it; null when none were made or the histogram has no bucket there. */
  above: Map<number, number | null>;
}

/** The observations made between `before` and `after` that exceeded each bound (ms). */
export function sharesAbove(before: string, after: string, name: string, boundsMs: readonly number[]): ShareAbove {
  const b0 = histogramBuckets(before, name);
  const b1 = histogramBuckets(after, name);
  const delta = (bound: number) => (b1.get(bound) ?? 0) - (b0.get(bound) ?? 0);
  const observations = delta(Infinity);
  const above = new Map<number, number | null>();
  for (const ms of boundsMs) {
    const bound = ms / 1000;
    above.set(ms, b1.has(bound) && observations > 0 ? (observations - delta(bound)) / observations : null);
  }
  return { observations, above };
}
