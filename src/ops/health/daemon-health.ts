/**
 * The daemon's health in one place, all from its memory: the Redis probe, the scan queue's and the MTA queue's last
 * samples, the mail-flow counters, and the shares over a window that the counters of the metric registry give (fail
 * modes by reason, fingerprint pool refusals). The alert evaluator reads `samples()` each round; `/readyz` reads
 * `readiness()`; `/status` reads `status()`. Nothing here waits for Redis.
 */
import type { Registry } from "prom-client";
import type { Config } from "../../config/schema.js";
import type { ReloadOutcome } from "../../config/live.js";
import type { MailFlow } from "../mail-flow.js";
import type { MtaQueueSampler } from "../mta-queue/sampler.js";
import type { Samples, ShareWindow } from "../alerts/rules.js";
import { POOL_SATURATION_OUTCOMES } from "../alerts/rules-filtering.js";
import { percent, shareOf, sharesText } from "../alerts/rule-types.js";
import { CounterWindow } from "./counter-window.js";
import type { QueueSampler } from "./queue-sampler.js";
import type { RedisProbe } from "./redis-probe.js";
import type { RedisWriteProbe } from "./redis-writes.js";
import type { RedisMemory } from "../../redis/memory.js";
import type { WriteHealth } from "../../redis/write-refusal.js";
import type { ReadinessCheck } from "../readiness.js";
import { counterByLabel, counterTotal } from "./registry-counters.js";

export interface DaemonHealthOptions {
  /** The registry whose counters give the shares (floodgate_fail_mode_total, _messages_total, _fingerprints_total). */
  registry: Registry;
  config: () => Config;
  mailFlow: MailFlow;
  redis: RedisProbe;
  /** Whether Redis takes writes, and its memory; null when not probed. */
  writes?: RedisWriteProbe | null;
  /** Null when the scan queue is off. */
  queue: QueueSampler | null;
  /** Null when the MTA's queue is not sampled. */
  mta: MtaQueueSampler | null;
  /** Fingerprint threads alive now. */
  poolThreads: () => number;
  reload: () => ReloadOutcome | null;
  clock?: () => number;
}

/** What `/status` shows of the dependencies beyond the queue, the alerts and the mail flow. */
export interface HealthStatus {
  redis: { reachable: boolean; unreachableSeconds: number; lastError: string | null };
  /** Whether the fast-path Redis takes writes, and how full it is (absent when not probed). */
  redisWrites?: WriteHealth | null;
  redisMemory?: RedisMemory | null;
  failModes: ShareWindow | null;
  pool: (ShareWindow & { threads: number }) | null;
  mtaQueue: ReturnType<MtaQueueSampler["health"]> | null;
  lastReload: ReloadOutcome | null;
}

/** Counter snapshots are taken at most this often (a load balancer may poll /readyz many times a second). */
const MIN_SNAPSHOT_MS = 1000;

/** How far back `/readyz` looks at the pool's and the fail modes' shares. */
export const READINESS_SECONDS = 15;

/** The daemon's health, read by the alerts, `/readyz` and `/status`. */
export class DaemonHealth {
  readonly #o: DaemonHealthOptions;
  readonly #clock: () => number;
  readonly #failModes: CounterWindow;
  readonly #messages: CounterWindow;
  readonly #fingerprints: CounterWindow;
  #snapshotAt = -Infinity;

  constructor(options: DaemonHealthOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    const a = options.config().alerts;
    this.#failModes = new CounterWindow(a.failModes.windowSeconds);
    this.#messages = new CounterWindow(a.failModes.windowSeconds);
    this.#fingerprints = new CounterWindow(a.poolSaturated.windowSeconds);
  }

  /** Take the counters' first snapshot: the baseline of the first window. Call it before mail flows. */
  async start(): Promise<void> {
    await this.#snapshot(this.#clock());
  }

  /** One evaluation's samples. */
  async samples(): Promise<Samples> {
    const now = this.#clock();
    await this.#snapshot(now);
    const stats = this.#o.queue?.health(now).stats ?? null;
    return {
      backlog: stats?.backlog ?? null,
      oldestJobAgeSeconds: stats?.oldestWaitingAgeSeconds ?? null,
      arrivalRate: stats?.arrivalRate ?? null,
      completionRate: stats?.completionRate ?? null,
      mailFlow: this.#o.mailFlow.snapshot(now),
      redis: this.#o.redis.health(now),
      redisWrites: this.#o.writes?.writes(now) ?? null,
      redisMemory: this.#o.writes?.memory() ?? null,
      scanQueue: this.#o.queue?.health(now) ?? null,
      failModes: this.#failModeWindow(),
      pool: this.#poolWindow(),
      reload: this.#o.reload(),
      mtaQueue: this.#o.mta?.health(now) ?? null,
    };
  }

  /**
   * The checks `/readyz` answers with: can this instance filter mail now? The fast-path Redis answers its probe, the
   * pool has threads and took the recent messages, and the recent messages were decided by the policy rather than by
   * a fail mode. "Recent" is the last `READINESS_SECONDS`, not the alerts' window, so an instance is ready again soon
   * after its dependency returns; a check needs the alert's `minEvents` messages to fail.
   */
  readinessChecks(): Record<string, ReadinessCheck> {
    const recent = `over the last ${READINESS_SECONDS} s`;
    const alerts = () => this.#o.config().alerts;
    return {
      redis: () => {
        const r = this.#o.redis.health(this.#clock());
        return r.reachable || `unreachable for ${Math.round(r.unreachableSeconds)} s: ${r.lastError}`;
      },
      redisWrites: () => {
        const w = this.#o.writes?.writes(this.#clock());
        if (!w?.refusing) return true;
        return `refuses writes for ${Math.round(w.refusingSeconds)} s (${w.reason}): ${w.lastError}`;
      },
      pool: async () => {
        if (this.#o.poolThreads() === 0) return "no fingerprint threads";
        await this.#snapshot(this.#clock());
        const a = alerts().poolSaturated;
        const share = shareOf(this.#poolWindow(READINESS_SECONDS), POOL_SATURATION_OUTCOMES, a.minEvents) ?? 0;
        return share < a.high || `refused or timed out ${percent(share)} of messages ${recent}`;
      },
      failModes: async () => {
        await this.#snapshot(this.#clock());
        const a = alerts().failModes;
        const window = this.#failModeWindow(READINESS_SECONDS);
        const share = shareOf(window, null, a.minEvents) ?? 0;
        return (
          share < a.high || `${percent(share)} of messages decided by a fail mode ${recent} (${sharesText(window)})`
        );
      },
    };
  }

  /** The dependencies' part of `/status`. */
  async status(): Promise<HealthStatus> {
    const s = await this.samples();
    return {
      redis: s.redis!,
      redisWrites: s.redisWrites ?? null,
      redisMemory: s.redisMemory ?? null,
      failModes: s.failModes ?? null,
      pool: s.pool ? { ...s.pool, threads: this.#o.poolThreads() } : null,
      mtaQueue: s.mtaQueue ?? null,
      lastReload: s.reload ?? null,
    };
  }

  async #snapshot(now: number): Promise<void> {
    if (now - this.#snapshotAt < MIN_SNAPSHOT_MS) return;
    this.#snapshotAt = now;
    const a = this.#o.config().alerts;
    this.#failModes.resize(a.failModes.windowSeconds);
    this.#messages.resize(a.failModes.windowSeconds);
    this.#fingerprints.resize(a.poolSaturated.windowSeconds);
    const registry = this.#o.registry;
    const [byReason, messages, byOutcome] = await Promise.all([
      counterByLabel(registry, "floodgate_fail_mode_total", "reason"),
      counterTotal(registry, "floodgate_messages_total"),
      counterByLabel(registry, "floodgate_fingerprints_total", "outcome"),
    ]);
    this.#failModes.record(now, byReason);
    this.#messages.record(now, { messages });
    this.#fingerprints.record(now, byOutcome);
  }

  #failModeWindow(horizonSeconds?: number): ShareWindow {
    const reasons = this.#failModes.increase(horizonSeconds);
    const messages = this.#messages.increase(horizonSeconds);
    return { seconds: messages.seconds, total: messages.total, byKey: reasons.byKey };
  }

  #poolWindow(horizonSeconds?: number): ShareWindow {
    const outcomes = this.#fingerprints.increase(horizonSeconds);
    const refused: Record<string, number> = {};
    for (const k of POOL_SATURATION_OUTCOMES) if (outcomes.byKey[k]) refused[k] = outcomes.byKey[k];
    return { seconds: outcomes.seconds, total: outcomes.total, byKey: refused };
  }
}
