/**
 * Keeps the fast-path Redis below `maxmemory` when mail fills it faster than campaigns expire: past it Redis refuses
 * every write, and the mail path can no longer count copies (an unknown campaign then gets
 * `policy.dependencyFailMode`), so a flood of distinct messages (a week of a campaign seen once is kept the ttl)
 * would stop bulk detection within minutes. From `campaigns.shedAtMemory` of maxmemory, a tick each `intervalMs`
 * (SHEDDING_INTERVAL_MS while shedding) frees the store's least useful memory until it is FREED_TO below that mark:
 * 1. the value index's previous generation (the values of campaigns seen once, claimed two to four hours ago), once
 *    a sweep;
 * 2. the campaigns seen once and nothing more, longest unseen first (src/reputation/shedding.ts), and the console
 *    samples of those seen fewer times than the bulk threshold, up to 2,000 campaigns looked at a tick, the sweep
 *    going on from where the last tick stopped;
 * 3. when a whole sweep has not brought Redis under the mark, the current generation: the index of the mail seen
 *    lately is then what fills it (a flood of distinct messages), and a copy that differs from one of them no longer
 *    joins it, where a full Redis would count no copy at all.
 * The first tick past the mark logs a warning, and the first one CALM_BELOW under it an info line; each thing freed
 * is counted in `floodgate_store_shed_total{what}`. FloodgateRedisMemoryHigh warns before (0.8 by default).
 */
import type { Counter } from "prom-client";
import type { RedisMemory } from "../redis/memory.js";
import type { SheddingOperations } from "../reputation/shedding.js";
import { errorText } from "../util/error-text.js";
import type { Logger } from "../util/logger.js";

/** Shedding stops this far (a share of maxmemory) below the mark, so that it does not start again at once. */
export const FREED_TO = 0.05;
/** An episode of shedding (one warning, then one line when it ends) ends this far below the mark: under a flood that
 * lasts, Redis climbs back to the mark again and again, and each climb is not news. */
export const CALM_BELOW = 2 * FREED_TO;
/** Campaigns looked at per script call: one call holds Redis for about 5 ms (some 50 µs a campaign forgotten). */
export const LOOK_PER_CALL = 100;
/** Between two ticks while shedding, ms. */
export const SHEDDING_INTERVAL_MS = 200;
/** Script calls per tick at most (other clients' commands run between them): 10,000 campaigns a second at most
 * while shedding, where a flood of 400 new messages a second makes 400 campaigns. */
export const CALLS_PER_TICK = 20;

export interface StoreShedderOptions {
  store: SheddingOperations;
  /** INFO memory, read afresh (while shedding, after each call). */
  memory: () => Promise<RedisMemory>;
  /** The last reading another sampler took (the write probe's, each second), looked at first when not shedding, so
   * that Redis is not asked twice; null when it has none. Absent: read afresh. */
  sampled?: () => RedisMemory | null;
  /** The share of maxmemory from which memory is freed (`campaigns.shedAtMemory`), read at each tick; 0: never. */
  shedAt: () => number;
  /** @defaultValue 1000 */
  intervalMs?: number;
  logger?: Logger;
  shedTotal?: Counter<"what">;
}

/** What one tick did. */
export interface ShedTick {
  /** The share of maxmemory after it (null: no limit, or not read). */
  ratio: number | null;
  generations: number;
  campaigns: number;
  /** Campaigns whose console samples went. */
  unsampled: number;
}

export class StoreShedder {
  readonly #o: StoreShedderOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #started = false;
  #failing = false;
  /** Where the sweep over the list by last seen goes on. */
  #cursor = "-inf";
  #shedding = false;

  constructor(options: StoreShedderOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** The next tick: sooner while shedding, since a flood fills the last share of maxmemory within seconds. */
  #schedule(): void {
    const intervalMs = this.#o.intervalMs ?? 1000;
    this.#timer = setTimeout(
      () => {
        this.#running = this.tick()
          .then(() => (this.#failing = false))
          .catch((err: unknown) => {
            // Once until a tick works again: a Redis that is down is the probes' to report, every second.
            if (!this.#failing) this.#o.logger?.warn({ err: errorText(err) }, "freeing the store's memory failed");
            this.#failing = true;
          })
          .finally(() => {
            this.#running = null;
            if (this.#started) this.#schedule();
          });
      },
      this.#shedding ? Math.min(intervalMs, SHEDDING_INTERVAL_MS) : intervalMs,
    );
    this.#timer.unref();
  }

  /** One tick: free memory while past the mark (public for the tests, which drive it without the timer). */
  async tick(): Promise<ShedTick> {
    const done: ShedTick = { ratio: null, generations: 0, campaigns: 0, unsampled: 0 };
    const mark = this.#o.shedAt();
    let ratio = mark > 0 ? ((await this.#firstLook())?.ratio ?? null) : null;
    done.ratio = ratio;
    if (ratio === null || ratio < mark) {
      if (ratio === null || ratio < mark - CALM_BELOW) this.#calm(ratio);
      return done;
    }
    if (!this.#shedding) {
      this.#shedding = true;
      this.#o.logger?.warn(
        { usedShare: round(ratio), shedAt: mark },
        "the fast-path Redis is nearly full: forgetting the campaigns seen once that were seen longest ago",
      );
    }
    const target = mark - FREED_TO;
    for (let call = 0; call < CALLS_PER_TICK && ratio >= target; call++) {
      if (this.#cursor === "-inf") done.generations += await this.#drop("previous");
      const pass = await this.#o.store.forgetSeenOnce(this.#cursor, LOOK_PER_CALL);
      done.campaigns += pass.forgotten;
      done.unsampled += pass.unsampled;
      this.#o.shedTotal?.inc({ what: "campaign" }, pass.forgotten);
      this.#o.shedTotal?.inc({ what: "samples" }, pass.unsampled);
      this.#cursor = pass.next;
      ratio = (await this.#o.memory()).ratio ?? 0;
      if (pass.next !== "-inf") continue;
      // A whole sweep did not bring Redis under the mark: what fills it is the index of the mail seen lately.
      if (ratio >= mark) {
        done.generations += await this.#drop("current");
        ratio = (await this.#o.memory()).ratio ?? 0;
      }
      break;
    }
    done.ratio = ratio;
    return done;
  }

  #firstLook(): Promise<RedisMemory | null> {
    const sampled = this.#o.sampled;
    return this.#shedding || !sampled ? this.#o.memory() : Promise.resolve(sampled());
  }

  async #drop(which: "previous" | "current"): Promise<number> {
    if (!(await this.#o.store.dropValueGeneration(which))) return 0;
    this.#o.shedTotal?.inc({ what: "generation" });
    return 1;
  }

  #calm(ratio: number | null): void {
    if (!this.#shedding) return;
    this.#shedding = false;
    this.#cursor = "-inf";
    this.#o.logger?.info({ usedShare: ratio === null ? null : round(ratio) }, "the fast-path Redis has room again");
  }
}

function round(share: number): number {
  return Math.round(share * 1000) / 1000;
}
