/**
 * How late the event loop has lately run its timers: the end-of-message deadline is a timer on this loop, and a timer
 * due while the loop is busy (or while the process waits for a CPU on a crowded host) fires only when the loop comes
 * round. The session sets its own deadline that much earlier (./deadlines.ts), so that its answer still reaches the
 * MTA within `milter.eomDeadlineMs` when its timer fires late.
 *
 * Measured with perf_hooks.monitorEventLoopDelay (a libuv timer in C++, no JavaScript per sample): the longest delay
 * of each window of WINDOW_MS, kept for the last WINDOWS windows.
 *
 * A histogram records the time between two of its ticks, and its reset forgets the last tick: the first tick after a
 * reset records nothing, so a block that starts between a reset and that tick would be lost. So there are two
 * histograms, reset at alternate window ends: the one reset longer ago has ticked on across the latest reset and sees
 * whatever the other missed. Each window end records the longest delay of the one it resets, which has sampled the
 * last two windows; a delay therefore counts for WINDOWS to WINDOWS + 1 windows.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** What a session reads: the event loop's longest recent delay. */
export interface LoopLagSource {
  /** The longest delay of a timer over the last several seconds, in ms (0 when not measured). */
  recentMaxMs(): number;
}

/** Length of one window of the measure, in ms. */
const WINDOW_MS = 1000;
/** Windows remembered: a delay counts for this many windows after it was seen (one more at most). */
const WINDOWS = 10;
/** The sampling timer's resolution, in ms. */
const RESOLUTION_MS = 10;

/** The event loop's delay, measured while started. */
export class LoopLag implements LoopLagSource {
  /** Reset at the window end before last: it has sampled without a break since then, so it is the one read. */
  #older: IntervalHistogram | null = null;
  /** Reset at the last window end. */
  #newer: IntervalHistogram | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** The longest delay of each of the last windows, in ms, newest last. */
  readonly #windows: number[] = [];
  /** The longest of #windows, kept as they change: read at every end of message. */
  #windowsMax = 0;

  /** Start measuring (again: a second call does nothing). */
  start(): void {
    if (this.#older) return;
    this.#older = sampling();
    this.#newer = sampling();
    this.#timer = setInterval(() => this.closeWindow(), WINDOW_MS);
    this.#timer.unref();
  }

  /** Stop measuring and forget what was measured. */
  stop(): void {
    this.#older?.disable();
    this.#newer?.disable();
    this.#older = this.#newer = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#windows.length = 0;
    this.#windowsMax = 0;
  }

  recentMaxMs(): number {
    const current = this.#older ? delayMs(this.#older) : 0;
    return Math.max(current, this.#windowsMax);
  }

  /**
   * End the current window: start()'s timer calls it every WINDOW_MS. Public so that a test can put a loop block at
   * a known place, right after a window ends.
   */
  closeWindow(): void {
    const older = this.#older;
    if (!older || !this.#newer) return;
    this.#windows.push(delayMs(older));
    if (this.#windows.length > WINDOWS) this.#windows.shift();
    this.#windowsMax = Math.max(...this.#windows);
    older.reset();
    this.#older = this.#newer;
    this.#newer = older;
  }
}

/** A histogram of the loop's delay, sampling from now on. */
function sampling(): IntervalHistogram {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return histogram;
}

/** The histogram's longest delay in ms: its max is in ns, and 0 until a sample came in (one read of the native
 * histogram, not two: this runs at every end of message). */
function delayMs(histogram: IntervalHistogram): number {
  return histogram.max / 1e6;
}

/** The event loop's delay of this process; the daemon starts it with its milter engine. */
export const eventLoopLag = new LoopLag();
