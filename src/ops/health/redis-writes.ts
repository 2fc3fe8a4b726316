/**
 * Whether the fast-path Redis takes writes, and how full it is, measured apart from the mail: every `intervalMs` a
 * small write in the campaign store's slot (it fails as the mail path's writes fail: READONLY on a replica, OOM at
 * maxmemory) and INFO memory. The mail path reports its own writes to the same `RedisWrites`, so a refusal is seen at
 * the first message, and the recovery at the next probe even when no mail flows. `/readyz`, `/status`, the metrics
 * and the alerts FloodgateRedisRefusingWrites and FloodgateRedisMemoryHigh read it.
 */
import type { FloodgateMetrics } from "../../metrics/metrics.js";
import type { RedisMemory } from "../../redis/memory.js";
import type { RedisWrites, WriteHealth } from "../../redis/write-refusal.js";
import type { Logger } from "../../util/logger.js";
import { SampledProbe } from "./sampled.js";

export interface RedisWriteProbeOptions {
  /** One small write; rejects as Redis refuses it. */
  write: () => Promise<void>;
  memory: () => Promise<RedisMemory>;
  /** Shared with the mail path. */
  writes: RedisWrites;
  /** @defaultValue 1000 */
  intervalMs?: number;
  /** @defaultValue 1000 */
  timeoutMs?: number;
  logger?: Logger;
  metrics?: Pick<
    FloodgateMetrics,
    "redisRefusingWritesSeconds" | "redisMemoryUsedBytes" | "redisMemoryMaxBytes" | "redisMemoryUsedRatio"
  >;
}

/** Probes writes and memory on a timer; `writes()` and `memory()` answer at once. */
export class RedisWriteProbe extends SampledProbe<RedisMemory> {
  readonly #o: RedisWriteProbeOptions;
  #warned = false;

  constructor(options: RedisWriteProbeOptions) {
    super({
      what: "the fast-path Redis's writes and memory",
      intervalMs: options.intervalMs ?? 1000,
      timeoutMs: options.timeoutMs ?? 1000,
    });
    this.#o = options;
  }

  writes(now?: number): WriteHealth {
    return this.#o.writes.health(now);
  }

  /** The last memory sample; null when the last probe could not read it. */
  memory(): RedisMemory | null {
    return this.sampled.state().value;
  }

  /** The write first (a refusal is recorded, not thrown: Redis answered), then INFO memory. */
  protected async attempt(): Promise<RedisMemory> {
    try {
      await this.#o.write();
      this.#o.writes.accepted();
      if (this.#warned) this.#o.logger?.info("the fast-path Redis takes writes again");
      this.#warned = false;
    } catch (err) {
      if (this.#o.writes.refused(err) === null) throw err;
      if (!this.#warned) this.#o.logger?.error({ err: (err as Error).message }, "the fast-path Redis refuses writes");
      this.#warned = true;
    }
    return this.#o.memory();
  }

  protected after(memory: RedisMemory | null): void {
    const m = this.#o.metrics;
    m?.redisRefusingWritesSeconds.set(this.writes().refusingSeconds);
    if (!memory || !m) return;
    m.redisMemoryUsedBytes.set(memory.usedBytes);
    m.redisMemoryMaxBytes.set(memory.maxBytes);
    m.redisMemoryUsedRatio.set(memory.ratio ?? 0);
  }
}
