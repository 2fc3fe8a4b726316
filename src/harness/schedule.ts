/**
 * Open-loop arrival schedules: when each message of a run is due, independent of how fast the system under test
 * answers, so that overload shows as queueing and latency counted from the scheduled time (no coordinated omission).
 */

/** How arrivals are spaced: exactly 1/rate apart, or a Poisson process (exponential gaps) of that mean rate. */
export type Arrivals = "fixed" | "poisson";

/** The rate, bounds and spacing of a schedule. */
export interface ScheduleOptions {
  /** Messages per second, > 0. */
  rate: number;
  /** No arrival at or after this many ms from the start. */
  durationMs: number;
  /** At most this many arrivals. @defaultValue Infinity */
  maxCount?: number;
  /** @defaultValue "poisson" */
  arrivals?: Arrivals;
  /** A source of uniform floats in [0, 1) (seeded, for repeatable runs). @defaultValue Math.random */
  random?: () => number;
}

/** The arrival offsets in ms from the start, ascending, all within [0, durationMs). */
export function arrivalOffsets(options: ScheduleOptions): number[] {
  const { rate, durationMs } = options;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
  if (!(durationMs >= 0)) throw new RangeError(`durationMs must be >= 0, got ${durationMs}`);
  const maxCount = options.maxCount ?? Infinity;
  const random = options.random ?? Math.random;
  const meanGap = 1000 / rate;
  const out: number[] = [];
  let t = 0;
  while (out.length < maxCount) {
    if (options.arrivals === "fixed") t = out.length * meanGap;
    else if (out.length > 0) t += -Math.log(1 - random()) * meanGap;
    if (t >= durationMs) break;
    out.push(t);
  }
  return out;
}

/** Merge schedules of several streams into one, ascending by time, each arrival tagged with its stream. */
export function mergeSchedules<T>(
  streams: ReadonlyArray<{ tag: T; offsets: readonly number[] }>,
): Array<{ at: number; tag: T }> {
  const all: Array<{ at: number; tag: T }> = [];
  for (const s of streams) for (const at of s.offsets) all.push({ at, tag: s.tag });
  return all.sort((a, b) => a.at - b.at);
}

export { seededRandom } from "../util/seeded-random.js";
