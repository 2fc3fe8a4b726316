/**
 * Increases of cumulative counters over a sliding window, from snapshots taken at each evaluation: what Prometheus'
 * `increase(x[window])` computes, in process, so the alert rules that need a share over a window (fail modes, pool
 * refusals, failed scan jobs) run from the daemon's own counters whatever Redis does. Memory is bounded by the window
 * over the snapshot interval.
 */

/** Cumulative values by key (a label value, or a name), as read at one instant. */
export type CounterValues = Readonly<Record<string, number>>;

interface Snapshot {
  at: number;
  values: CounterValues;
}

/** The increases over the window, and the seconds they actually span (shorter while the window fills). */
export interface WindowIncrease {
  seconds: number;
  byKey: Record<string, number>;
  total: number;
}

/** Snapshots of a set of counters, kept for `windowSeconds`. */
export class CounterWindow {
  readonly #snapshots: Snapshot[] = [];
  #windowMs: number;

  constructor(windowSeconds: number) {
    this.#windowMs = Math.max(1, windowSeconds) * 1000;
  }

  /** A new window length (a reload); the snapshots already taken are kept. */
  resize(windowSeconds: number): void {
    this.#windowMs = Math.max(1, windowSeconds) * 1000;
  }

  /** Record the counters' cumulative values at `at` (ms). */
  record(at: number, values: CounterValues): void {
    this.#snapshots.push({ at, values: { ...values } });
    // Keep one snapshot at or before the window's start: it is the baseline of the increase.
    while (this.#snapshots.length > 2 && this.#snapshots[1]!.at <= at - this.#windowMs) this.#snapshots.shift();
  }

  /**
   * The increase of each key between the window's baseline (or, with `horizonSeconds`, the last snapshot at or before
   * that many seconds back) and the latest snapshot. A value that went down (the counter restarted) counts from zero,
   * as Prometheus counts a reset.
   */
  increase(horizonSeconds?: number): WindowIncrease {
    const last = this.#snapshots[this.#snapshots.length - 1];
    let first = this.#snapshots[0];
    if (horizonSeconds !== undefined && last) {
      // The latest snapshot at or before the horizon's start: a shorter look back than the window.
      const start = last.at - horizonSeconds * 1000;
      for (const s of this.#snapshots) if (s.at <= start) first = s;
    }
    if (!first || !last || first === last) return { seconds: 0, byKey: {}, total: 0 };
    const byKey: Record<string, number> = {};
    let total = 0;
    for (const [key, now] of Object.entries(last.values)) {
      const then = first.values[key] ?? 0;
      const delta = now >= then ? now - then : now;
      if (delta <= 0) continue;
      byKey[key] = delta;
      total += delta;
    }
    return { seconds: (last.at - first.at) / 1000, byKey, total };
  }
}
