/**
 * Copies per minute of the campaigns the console shows, for the table's sparklines and the growth column: at each
 * tick the growth of each shown campaign's total copies is added to its current minute. Only campaigns shown are
 * tracked, at most MAX_TRACKED, each for SPARK_MINUTES minutes; one not shown for that long is forgotten.
 */

/** Minutes of a sparkline. */
export const SPARK_MINUTES = 30;

const MAX_TRACKED = 2000;

interface Track {
  lastTotal: number;
  lastSeenMinute: number;
  perMinute: Map<number, number>;
}

export class SparkTracker {
  readonly #tracks = new Map<string, Track>();

  /** Count the growth of one campaign's total copies since the last tick. */
  observe(id: string, totalCopies: number, now: number): void {
    const minute = Math.floor(now / 60_000);
    const track = this.#tracks.get(id);
    if (!track) {
      if (this.#tracks.size >= MAX_TRACKED) this.#forget(minute, true);
      this.#tracks.set(id, { lastTotal: totalCopies, lastSeenMinute: minute, perMinute: new Map() });
      return;
    }
    const growth = Math.max(0, totalCopies - track.lastTotal);
    track.lastTotal = totalCopies;
    track.lastSeenMinute = minute;
    track.perMinute.set(minute, (track.perMinute.get(minute) ?? 0) + growth);
    for (const m of track.perMinute.keys()) if (m <= minute - SPARK_MINUTES) track.perMinute.delete(m);
  }

  /** Copies per minute over the last SPARK_MINUTES minutes, oldest first. */
  series(id: string, now: number): number[] {
    const minute = Math.floor(now / 60_000);
    const track = this.#tracks.get(id);
    const out: number[] = [];
    for (let m = minute - SPARK_MINUTES + 1; m <= minute; m++) out.push(track?.perMinute.get(m) ?? 0);
    return out;
  }

  /** Copies in the last minute minus copies in the minute before. */
  growth(id: string, now: number): number {
    const s = this.series(id, now);
    return (s[s.length - 1] ?? 0) - (s[s.length - 2] ?? 0);
  }

  /** Drop campaigns not shown for SPARK_MINUTES (and, when `oldest`, the least recently shown one). */
  #forget(minute: number, oldest: boolean): void {
    let stalest: string | null = null;
    let stalestMinute = Infinity;
    for (const [id, t] of this.#tracks) {
      if (t.lastSeenMinute <= minute - SPARK_MINUTES) this.#tracks.delete(id);
      else if (t.lastSeenMinute < stalestMinute) {
        stalest = id;
        stalestMinute = t.lastSeenMinute;
      }
    }
    if (oldest && this.#tracks.size >= MAX_TRACKED && stalest !== null) this.#tracks.delete(stalest);
  }

  /** Forget campaigns not shown for SPARK_MINUTES. */
  prune(now: number): void {
    this.#forget(Math.floor(now / 60_000), false);
  }
}
