/**
 * The fast-path store's reachability, measured apart from the mail: a PING over the mail path's own connection every
 * `intervalMs`, bounded by `timeoutMs`. FloodgateRedisDown, `/readyz` and `/status` read it, so an outage is seen
 * whether mail flows or not (a pool that fails every message first never reaches Redis).
 */
import type { FloodgateMetrics } from "../../metrics/metrics.js";
import { SampledProbe } from "./sampled.js";

export interface RedisProbeOptions {
  /** One round trip: resolves when Redis answered. */
  ping: () => Promise<unknown>;
  /** @defaultValue 1000 */
  intervalMs?: number;
  /** @defaultValue 1000 */
  timeoutMs?: number;
  /** ms since the epoch. @defaultValue Date.now */
  clock?: () => number;
  /** Where it counts: whether Redis answers and for how long it has not. */
  metrics?: Pick<FloodgateMetrics, "redisUp" | "redisUnreachableSeconds">;
}

/** Where the store stands, as of one instant. */
export interface RedisHealth {
  /** The last probe was answered. */
  reachable: boolean;
  /** Seconds since Redis last answered (since the probe started when it never has); 0 while it answers. */
  unreachableSeconds: number;
  /** Why the last probe failed; null when it was answered. */
  lastError: string | null;
}

/** Probes Redis on a timer; `health()` answers at once from the last probe. */
export class RedisProbe extends SampledProbe<unknown> {
  readonly #ping: () => Promise<unknown>;
  readonly #metrics: Pick<FloodgateMetrics, "redisUp" | "redisUnreachableSeconds"> | null;

  constructor(options: RedisProbeOptions) {
    super({
      what: "the fast-path Redis",
      intervalMs: options.intervalMs ?? 1000,
      timeoutMs: options.timeoutMs ?? 1000,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.#ping = options.ping;
    this.#metrics = options.metrics ?? null;
  }

  /** The store's state now. */
  health(now?: number): RedisHealth {
    const s = this.sampled.state(now);
    return { reachable: s.lastError === null, unreachableSeconds: s.failingSeconds, lastError: s.lastError };
  }

  protected attempt(): Promise<unknown> {
    return this.#ping();
  }

  protected after(): void {
    const h = this.health();
    this.#metrics?.redisUp.set(h.reachable ? 1 : 0);
    this.#metrics?.redisUnreachableSeconds.set(h.unreachableSeconds);
  }
}
