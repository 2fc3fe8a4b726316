/**
 * The fast-path store's reachability, measured apart from the mail: a PING over the mail path's own connection every
 * `intervalMs`, bounded by `timeoutMs`. FloodgateRedisDown, `/readyz` and `/status` read it, so an outage is seen
 * whether mail flows or not (a pool that fails every message first never reaches Redis). One probe at a time; the
 * timer does not keep the process alive.
 */
import { redisUp, redisUnreachableSeconds } from "../../metrics/metrics.js";

export interface RedisProbeOptions {
  /** One round trip: resolves when Redis answered. */
  ping: () => Promise<unknown>;
  /** @defaultValue 1000 */
  intervalMs?: number;
  /** @defaultValue 1000 */
  timeoutMs?: number;
  /** ms since the epoch. @defaultValue Date.now */
  clock?: () => number;
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
export class RedisProbe {
  readonly #options: Required<RedisProbeOptions>;
  readonly #startedAt: number;
  #lastOkAt: number | null = null;
  #lastError: string | null = "not probed yet";
  #timer: NodeJS.Timeout | null = null;
  #probing: Promise<void> | null = null;

  constructor(options: RedisProbeOptions) {
    this.#options = { intervalMs: 1000, timeoutMs: 1000, clock: Date.now, ...options };
    this.#startedAt = this.#options.clock();
  }

  /** Probe now and then every `intervalMs` until `stop()`. */
  start(): void {
    if (this.#timer) return;
    void this.probe();
    this.#timer = setInterval(() => void this.probe(), this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#probing;
  }

  /** One probe (skipped while one is in flight). Never throws. */
  probe(): Promise<void> {
    this.#probing ??= this.#probe().finally(() => (this.#probing = null));
    return this.#probing;
  }

  /** The store's state now. */
  health(now = this.#options.clock()): RedisHealth {
    const reachable = this.#lastError === null;
    const since = this.#lastOkAt ?? this.#startedAt;
    return {
      reachable,
      unreachableSeconds: reachable ? 0 : Math.max(0, (now - since) / 1000),
      lastError: this.#lastError,
    };
  }

  async #probe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.#options.timeoutMs} ms`)),
          this.#options.timeoutMs,
        );
      });
      await Promise.race([this.#options.ping(), timeout]);
      this.#lastOkAt = this.#options.clock();
      this.#lastError = null;
    } catch (err) {
      this.#lastError = (err as Error).message || "failed";
    } finally {
      clearTimeout(timer);
    }
    const h = this.health();
    redisUp.set(h.reachable ? 1 : 0);
    redisUnreachableSeconds.set(h.unreachableSeconds);
  }
}
