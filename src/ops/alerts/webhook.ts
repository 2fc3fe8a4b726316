/**
 * Delivery of alert notifications to one webhook, from the daemon's memory (it needs nothing but the receiver):
 * Alertmanager-shaped JSON, POSTed in order, in the background (never on the mail path), each attempt with a timeout,
 * retried with exponential backoff up to `maxBackoffMs` until delivered. While the receiver fails, the undelivered
 * notifications are also kept in a spool file (./spool.ts), delivered after a restart too. The list is bounded:
 * past `maxPending` the oldest reminder (repeat) goes first, then the oldest notification, counted and logged. A
 * receiver that refuses a notification for good (HTTP 4xx but 408 and 429) gets the next one instead.
 */
import type { Logger } from "../../util/logger.js";
import { redactWebhookUrl } from "../../config/redact.js";
import type { FloodgateMetrics } from "../../metrics/metrics.js";
import { alertmanagerPayload, type AlertNotification, type Notifier } from "./notification.js";
import type { Queued, SpoolFile } from "./spool.js";

export interface WebhookOptions {
  url: string;
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** The first retry's delay, doubled each time, capped at `maxBackoffMs`. @defaultValue 1000 */
  backoffMs?: number;
  /** @defaultValue 60000 */
  maxBackoffMs?: number;
  /** @defaultValue {} */
  headers?: Record<string, string>;
  /** The payload's `receiver`. @defaultValue "floodgate" */
  receiver?: string;
  /** The payload's `externalURL` (where an operator looks: the status page). @defaultValue "" */
  externalURL?: string;
  /** Notifications waiting beyond this are dropped (counted and logged). @defaultValue 1000 */
  maxPending?: number;
  /** Where undelivered notifications are kept while the receiver fails; none: memory only. */
  spool?: SpoolFile;
  logger?: Logger;
  /** Where deliveries are counted (sent, retried, failed, dropped). */
  metrics?: Pick<FloodgateMetrics, "alertNotificationsTotal">;
  /** ms since the epoch. @defaultValue Date.now */
  clock?: () => number;
}

/** What waits for this webhook. */
export interface PendingStats {
  pending: number;
  /** When the oldest waiting notification was handed over (ms), or null when none waits. */
  oldestQueuedAt: number | null;
}

/** POSTs each notification to one URL, one at a time, in order, until it is delivered. */
export class WebhookNotifier implements Notifier {
  readonly #options: Required<Omit<WebhookOptions, "logger" | "spool" | "metrics">> &
    Pick<WebhookOptions, "logger" | "spool" | "metrics">;
  readonly #pending: Queued[];
  #running: Promise<void> | null = null;
  #closed = false;
  /** True while the receiver fails: every change of the list is written to the spool. */
  #failing = false;
  readonly #abort = new AbortController();

  constructor(options: WebhookOptions) {
    this.#options = {
      timeoutMs: 5000,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      headers: {},
      receiver: "floodgate",
      externalURL: "",
      maxPending: 1000,
      clock: Date.now,
      ...options,
    };
    this.#pending = this.#options.spool?.load() ?? [];
    if (this.#pending.length > 0) {
      this.#failing = true;
      this.#log("info", { pending: this.#pending.length }, "alert notifications from the spool: delivering them");
      this.#kick();
    }
  }

  /** Queue a notification; returns at once. */
  notify(notification: AlertNotification): void {
    if (this.#closed) return;
    this.#pending.push({ queuedAt: this.#options.clock(), notification });
    this.#bound();
    if (this.#failing) this.#persist();
    this.#kick();
  }

  /** What waits now. */
  stats(): PendingStats {
    return { pending: this.#pending.length, oldestQueuedAt: this.#pending[0]?.queuedAt ?? null };
  }

  /** Resolves when every queued notification was delivered or refused for good (never while the receiver fails). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stop: abort the attempt in flight; what waits stays in the spool for the next start. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending.length > 0) this.#persist();
    this.#abort.abort();
    await this.idle();
  }

  #kick(): void {
    this.#running ??= this.#drain().finally(() => (this.#running = null));
  }

  async #drain(): Promise<void> {
    let failures = 0;
    while (!this.#closed && this.#pending.length > 0) {
      const head = this.#pending[0]!;
      const outcome = await this.#attempt(head.notification, failures + 1);
      if (this.#closed) return;
      if (outcome === "retry") {
        failures++;
        if (!this.#failing) {
          this.#failing = true;
          this.#persist();
        }
        const o = this.#options;
        await this.#sleep(Math.min(o.maxBackoffMs, o.backoffMs * 2 ** Math.min(failures - 1, 30)));
        continue;
      }
      failures = 0;
      // The head may have been dropped by the bound meanwhile: remove it only if it is still there.
      if (this.#pending[0] === head) this.#pending.shift();
      if (this.#failing) {
        if (this.#pending.length === 0) this.#failing = false;
        this.#persist();
      }
    }
  }

  /** One POST: "done" when delivered or refused for good, "retry" otherwise. */
  async #attempt(n: AlertNotification, attempt: number): Promise<"done" | "retry"> {
    const o = this.#options;
    const body = JSON.stringify(alertmanagerPayload(n, { receiver: o.receiver, externalURL: o.externalURL }));
    const about = { alertname: n.alertname, status: n.status, webhook: redactWebhookUrl(o.url), attempt };
    let reason: string;
    try {
      const response = await fetch(o.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "floodgate", ...o.headers },
        body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(o.timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        this.#options.metrics?.alertNotificationsTotal.inc({ result: "sent" });
        this.#log(attempt > 1 ? "info" : "debug", about, "alert notification sent");
        return "done";
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        this.#options.metrics?.alertNotificationsTotal.inc({ result: "failed" });
        this.#log(
          "error",
          { ...about, status: response.status },
          "alert notification refused by the receiver; dropped",
        );
        return "done";
      }
      reason = `HTTP ${response.status}`;
    } catch (err) {
      if (this.#closed) return "retry";
      reason = (err as Error).name === "TimeoutError" ? `no answer within ${o.timeoutMs} ms` : (err as Error).message;
    }
    this.#options.metrics?.alertNotificationsTotal.inc({ result: "retried" });
    // The first failure and then every tenth, so a long outage of the receiver does not flood the log.
    if (attempt === 1 || attempt % 10 === 0) {
      this.#log("warn", { ...about, reason, pending: this.#pending.length }, "alert notification failed; retrying");
    }
    return "retry";
  }

  /** Keep at most `maxPending`: drop the oldest reminder first, else the oldest notification. */
  #bound(): void {
    while (this.#pending.length > this.#options.maxPending) {
      const repeat = this.#pending.findIndex((q) => q.notification.repeat);
      const [dropped] = this.#pending.splice(repeat >= 0 ? repeat : 0, 1);
      this.#options.metrics?.alertNotificationsTotal.inc({ result: "dropped" });
      this.#log(
        "warn",
        { alertname: dropped!.notification.alertname, status: dropped!.notification.status },
        "alert notification dropped: too many waiting",
      );
    }
  }

  #persist(): void {
    const spool = this.#options.spool;
    if (!spool) return;
    try {
      spool.save(this.#pending);
    } catch (err) {
      this.#log("error", { path: spool.path, err: (err as Error).message }, "cannot write the alert spool");
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.#abort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #log(level: "debug" | "info" | "warn" | "error", fields: object, message: string): void {
    this.#options.logger?.[level](fields, message);
  }
}
