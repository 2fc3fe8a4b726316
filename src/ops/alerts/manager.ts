/**
 * The alert evaluator: every `evaluateIntervalMs` it takes one sample, feeds each rule's `HysteresisAlert`, logs every
 * edge, sets the `floodgate_alerts_firing` gauge and hands notifications to the notifiers (which deliver in the
 * background, spooling what their receiver does not take). A failed or slow sampler skips the round; alerts keep
 * their state. Rules, notifiers and the interval can be replaced at run time (a configuration reload) without losing
 * that state.
 */
import { hostname } from "node:os";
import type { Logger } from "../../util/logger.js";
import type { FloodgateMetrics } from "../../metrics/metrics.js";
import { HysteresisAlert } from "./hysteresis.js";
import type { AlertRule, DeliveryHealth, Samples, Severity } from "./rules.js";
import type { AlertNotification, Notifier } from "./notification.js";

/** An alert firing now, as `/status` shows it. */
export interface FiringAlert {
  alertname: string;
  severity: Severity;
  /** ms since the epoch. */
  since: number;
  value: number | null;
  summary: string;
  /** The rule's own labels, as notified. */
  labels?: Record<string, string>;
}

/** The metrics alerting writes. */
export type AlertMetrics = Pick<
  FloodgateMetrics,
  | "alertsFiring"
  | "alertSampleErrorsTotal"
  | "alertNotificationsTotal"
  | "alertSpoolNotifications"
  | "alertSpoolOldestAge"
>;

export interface AlertManagerOptions {
  rules: readonly AlertRule[];
  sampler: () => Promise<Samples>;
  notifiers?: readonly Notifier[];
  /** @defaultValue 5000 */
  evaluateIntervalMs?: number;
  /** The `instance` label. @defaultValue os.hostname() */
  instance?: string;
  logger?: Logger;
  /** The metrics the manager writes: alerts firing, sampler errors, the spool. */
  metrics?: AlertMetrics;
  /** ms since the epoch. @defaultValue Date.now */
  clock?: () => number;
  /** The notifiers' bound, reported with what waits for delivery. @defaultValue 1000 */
  spoolCapacity?: number;
}

interface Tracked {
  rule: AlertRule;
  alert: HysteresisAlert;
  value: number | null;
  /** The rule's labels since it fired. */
  labels?: Record<string, string>;
}

/** Evaluates alert rules on a timer, or on demand with `evaluate`. */
export class AlertManager {
  #tracked: Tracked[];
  #notifiers: readonly Notifier[];
  #intervalMs: number;
  readonly #options: AlertManagerOptions;
  readonly #metrics: AlertMetrics | null;
  readonly #clock: () => number;
  readonly #instance: string;
  readonly #onStop: (() => void)[] = [];
  #timer: NodeJS.Timeout | null = null;
  #evaluating: Promise<AlertNotification[]> | null = null;

  constructor(options: AlertManagerOptions) {
    this.#options = options;
    this.#metrics = options.metrics ?? null;
    this.#clock = options.clock ?? Date.now;
    this.#instance = options.instance ?? hostname();
    this.#notifiers = options.notifiers ?? [];
    this.#intervalMs = options.evaluateIntervalMs ?? 5000;
    this.#tracked = options.rules.map((rule) => ({ rule, alert: new HysteresisAlert(rule.thresholds), value: null }));
    for (const t of this.#tracked) this.#metrics?.alertsFiring.set({ alertname: t.rule.name }, 0);
  }

  /** Evaluate every `evaluateIntervalMs` until `stop()`; the timer does not keep the process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (!this.#evaluating) void this.evaluate();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stop evaluating and close the notifiers (pending deliveries are dropped). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    for (const f of this.#onStop.splice(0)) f();
    await this.#evaluating?.catch(() => undefined);
    await Promise.all(this.#notifiers.map((n) => n.close()));
  }

  /** Wait until every notifier has delivered (or given up on) what it was handed. */
  async flush(): Promise<void> {
    await Promise.all(this.#notifiers.map((n) => n.idle()));
  }

  /** Notifications not delivered yet, over every notifier. */
  delivery(now = this.#clock()): DeliveryHealth {
    let pending = 0;
    let oldest: number | null = null;
    for (const notifier of this.#notifiers) {
      const stats = notifier.stats?.();
      if (!stats) continue;
      pending += stats.pending;
      if (stats.oldestQueuedAt !== null && (oldest === null || stats.oldestQueuedAt < oldest))
        oldest = stats.oldestQueuedAt;
    }
    const oldestAgeSeconds = oldest === null ? 0 : Math.max(0, (now - oldest) / 1000);
    return { pending, oldestAgeSeconds, capacity: this.#options.spoolCapacity ?? 1000 };
  }

  /**
   * New rules (a reload): a rule that keeps its name keeps its state under the new thresholds; a rule that goes away
   * while firing is notified as resolved. New notifiers replace the old ones: those are closed first (what they had
   * not delivered stays in their spool files), then `notifiers()` makes the new ones, which take the spools over.
   */
  reconfigure(update: {
    rules: readonly AlertRule[];
    notifiers?: () => readonly Notifier[];
    evaluateIntervalMs?: number;
  }): void {
    const now = this.#clock();
    const old = new Map(this.#tracked.map((t) => [t.rule.name, t]));
    const next: Tracked[] = update.rules.map((rule) => {
      const kept = old.get(rule.name);
      old.delete(rule.name);
      if (!kept) {
        this.#metrics?.alertsFiring.set({ alertname: rule.name }, 0);
        return { rule, alert: new HysteresisAlert(rule.thresholds), value: null };
      }
      kept.alert.reconfigure(rule.thresholds);
      return { ...kept, rule };
    });
    if (update.notifiers) {
      for (const n of this.#notifiers) void n.close();
      this.#notifiers = update.notifiers();
    }
    for (const gone of old.values()) {
      this.#metrics?.alertsFiring.set({ alertname: gone.rule.name }, 0);
      if (!gone.alert.firing) continue;
      this.#emit({
        alertname: gone.rule.name,
        severity: gone.rule.severity,
        status: "resolved",
        repeat: false,
        instance: this.#instance,
        value: gone.value,
        summary: gone.rule.summary(gone.value),
        description: "The rule was disabled by a configuration reload.",
        startsAt: gone.alert.firedAt ?? now,
        endsAt: now,
        ...(gone.labels ? { labels: gone.labels } : {}),
      });
    }
    this.#tracked = next;
    if (update.evaluateIntervalMs !== undefined && update.evaluateIntervalMs !== this.#intervalMs) {
      this.#intervalMs = update.evaluateIntervalMs;
      if (this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
        this.start();
      }
    }
  }

  /** Run `f` when the manager stops (used to unsubscribe from configuration changes). */
  onStop(f: () => void): void {
    this.#onStop.push(f);
  }

  /** One round: sample, update every alert, notify the edges. Returns the notifications handed out. Never throws. */
  evaluate(now?: number): Promise<AlertNotification[]> {
    const run = this.#evaluate(now).finally(() => (this.#evaluating = null));
    this.#evaluating = run;
    return run;
  }

  /** The alerts firing now, the most severe first. */
  firing(): FiringAlert[] {
    return this.#tracked
      .filter((t) => t.alert.firing)
      .map((t) => ({
        alertname: t.rule.name,
        severity: t.rule.severity,
        since: t.alert.firedAt ?? 0,
        value: t.value,
        summary: t.rule.summary(t.value),
        ...(t.labels ? { labels: t.labels } : {}),
      }))
      .sort((a, b) => (a.severity === b.severity ? a.since - b.since : a.severity === "critical" ? -1 : 1));
  }

  async #evaluate(at?: number): Promise<AlertNotification[]> {
    const log = this.#options.logger;
    let samples: Samples;
    try {
      samples = await withTimeout(this.#options.sampler(), this.#intervalMs);
    } catch (err) {
      this.#metrics?.alertSampleErrorsTotal.inc();
      log?.warn({ err: (err as Error).message }, "alert sampler failed; alerts keep their state");
      return [];
    }
    const now = at ?? this.#clock();
    const delivery = this.delivery(now);
    this.#metrics?.alertSpoolNotifications.set(delivery.pending);
    this.#metrics?.alertSpoolOldestAge.set(delivery.oldestAgeSeconds);
    samples = { ...samples, delivery };
    const out: AlertNotification[] = [];
    for (const t of this.#tracked) {
      let value: number | null;
      try {
        value = t.rule.value(samples);
      } catch (err) {
        log?.error({ alertname: t.rule.name, err }, "alert rule failed");
        value = null;
      }
      t.value = value;
      const startedAt = t.alert.firedAt;
      const edge = t.alert.update(value, now);
      if (!edge) continue;
      if (edge === "firing") t.labels = ruleLabels(t.rule, samples, log);
      const n: AlertNotification = {
        alertname: t.rule.name,
        severity: t.rule.severity,
        status: edge === "resolved" ? "resolved" : "firing",
        repeat: edge === "repeat",
        instance: this.#instance,
        value,
        summary: t.rule.summary(value),
        description: t.rule.description(samples),
        startsAt: edge === "firing" ? now : (startedAt ?? now),
        endsAt: edge === "resolved" ? now : null,
        ...(t.labels ? { labels: t.labels } : {}),
      };
      if (edge === "resolved") delete t.labels;
      this.#emit(n);
      out.push(n);
    }
    return out;
  }

  /** Log an edge, set the gauge, hand it to every notifier. */
  #emit(n: AlertNotification): void {
    this.#metrics?.alertsFiring.set({ alertname: n.alertname }, n.status === "firing" ? 1 : 0);
    const log = this.#options.logger;
    const fields = {
      alertname: n.alertname,
      ...(n.labels ? { labels: n.labels } : {}),
      severity: n.severity,
      value: n.value,
      summary: n.summary,
      description: n.description,
    };
    if (n.status === "resolved") log?.info(fields, "alert resolved");
    else if (n.repeat) log?.info(fields, "alert still firing");
    else log?.warn(fields, "alert firing");
    for (const notifier of this.#notifiers) notifier.notify(n);
  }
}

/** A rule's labels when it fires; none when it has none or they cannot be read. */
function ruleLabels(rule: AlertRule, samples: Samples, log: Logger | undefined): Record<string, string> | undefined {
  if (!rule.labels) return undefined;
  try {
    return rule.labels(samples);
  } catch (err) {
    log?.error({ alertname: rule.name, err }, "alert rule labels failed");
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sampler gave no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
