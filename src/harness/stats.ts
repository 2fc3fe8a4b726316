/**
 * Latency statistics for the benchmark harness: a recorder that keeps every sample (a benchmark run holds at most a
 * few hundred thousand) and summarises them with nearest-rank percentiles, so p99 is a latency that really happened.
 */

/** A latency distribution in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** The summary of no samples: every figure 0. */
export const EMPTY_SUMMARY: LatencySummary = Object.freeze({
  count: 0,
  min: 0,
  mean: 0,
  p50: 0,
  p95: 0,
  p99: 0,
  max: 0,
});

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value with at least `p` % of the samples at
 * or below it. `p` is in [0, 100]; NaN for no samples.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Summarise unsorted samples (the input is not modified). */
export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { ...EMPTY_SUMMARY };
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  let sum = 0;
  for (const v of values) sum += v;
  return {
    count: values.length,
    min: values[0]!,
    mean: sum / values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values[values.length - 1]!,
  };
}

/** Collects samples by name (a command, "eom", "transaction") and summarises each. */
export class LatencyRecorder {
  private readonly samples = new Map<string, number[]>();

  /** Add one sample in ms. */
  record(name: string, ms: number): void {
    let list = this.samples.get(name);
    if (!list) this.samples.set(name, (list = []));
    list.push(ms);
  }

  /** The raw samples of one name (empty when none). */
  values(name: string): readonly number[] {
    return this.samples.get(name) ?? [];
  }

  /** The names with at least one sample, in first-recorded order. */
  names(): string[] {
    return [...this.samples.keys()];
  }

  summary(name: string): LatencySummary {
    return summarize(this.values(name));
  }

  /** Every name's summary. */
  summaries(): Record<string, LatencySummary> {
    return Object.fromEntries(this.names().map((n) => [n, this.summary(n)]));
  }
}

/**
 * The run that counts among repeated runs of one measurement: the median by `value` (the lower middle for an even
 * count), so one slow or fast moment of a shared machine decides nothing. Undefined for no runs.
 */
export function medianRun<T>(runs: readonly T[], value: (run: T) => number): T | undefined {
  const sorted = [...runs].sort((a, b) => value(a) - value(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
