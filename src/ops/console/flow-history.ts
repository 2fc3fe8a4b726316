/**
 * Mail flow per minute for the console's chart: the cumulative counts (verdicts sent to the MTA, copies accepted into
 * the hold queue apart from the other accepted ones, fail modes applied, by mode) sampled at each tick, their growth added to the current minute, the last MINUTES minutes kept. A counter
 * that went down (a registry reset) starts again from its new value. Memory is fixed: MINUTES buckets of a fixed set
 * of series.
 */

/** The series, in the chart's order. */
export const FLOW_SERIES = [
  "continue",
  "reject",
  "tempfail",
  "held",
  "discard",
  "fail:accept",
  "fail:tempfail",
  "fail:reject",
];

/** Minutes kept. */
export const MINUTES = 60;

/** Cumulative counts by series, as sampled. */
export type FlowCounts = Partial<Record<string, number>>;

/** The chart's data: minute starts (Unix seconds) and, per series, the count in each minute. */
export interface FlowChart {
  minutes: number[];
  series: Record<string, number[]>;
}

export class FlowHistory {
  readonly #buckets = new Map<number, Record<string, number>>();
  #last: FlowCounts | null = null;

  /** Add the growth since the previous sample to the minute of `now`. */
  sample(counts: FlowCounts, now: number): void {
    const minute = Math.floor(now / 60_000);
    let bucket = this.#buckets.get(minute);
    if (!bucket) {
      bucket = Object.fromEntries(FLOW_SERIES.map((s) => [s, 0]));
      this.#buckets.set(minute, bucket);
      for (const m of this.#buckets.keys()) if (m <= minute - MINUTES) this.#buckets.delete(m);
    }
    if (this.#last) {
      for (const s of FLOW_SERIES) {
        const before = this.#last[s] ?? 0;
        const after = counts[s] ?? 0;
        bucket[s] = (bucket[s] ?? 0) + (after >= before ? after - before : after);
      }
    }
    this.#last = { ...counts };
  }

  /** The last MINUTES minutes up to `now`, empty minutes as zeros. */
  chart(now: number): FlowChart {
    const current = Math.floor(now / 60_000);
    const minutes: number[] = [];
    const series: Record<string, number[]> = Object.fromEntries(FLOW_SERIES.map((s) => [s, []]));
    for (let m = current - MINUTES + 1; m <= current; m++) {
      minutes.push(m * 60);
      const bucket = this.#buckets.get(m);
      for (const s of FLOW_SERIES) series[s]!.push(bucket?.[s] ?? 0);
    }
    return { minutes, series };
  }
}
