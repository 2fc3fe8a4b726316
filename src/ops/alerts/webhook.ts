/**
 * Delivery of alert notifications to one webhook: Alertmanager-shaped JSON, POSTed in order, in the background (never
 * on the mail path), each attempt with a timeout, retried with exponential backoff up to `maxAttempts`.
 */
import type { Logger } from "../../util/logger.js";
import { redactWebhookUrl } from "../../config/redact.js";
import { alertNotificationsTotal } from "../../metrics/metrics.js";
import { alertmanagerPayload, type AlertNotification, type Notifier } from "./notification.js";

export interface WebhookOptions {
  url: string;
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** @defaultValue 5 */
  maxAttempts?: number;
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
  /** Notifications waiting beyond this are dropped, oldest first (counted and logged). @defaultValue 100 */
  maxPending?: number;
  logger?: Logger;
}

/** POSTs each notification to one URL, one at a time, in order. */
export class WebhookNotifier implements Notifier {
  readonly #options: Required<Omit<WebhookOptions, "logger">> & { logger?: Logger };
  readonly #pending: AlertNotification[] = [];
  #running: Promise<void> | null = null;
  #closed = false;
  readonly #abort = new AbortController();

  constructor(options: WebhookOptions) {
    this.#options = {
      timeoutMs: 5000,
      maxAttempts: 5,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      headers: {},
      receiver: "floodgate",
      externalURL: "",
      maxPending: 100,
      ...options,
    };
  }

  /** Queue a notification; returns at once. */
  notify(notification: AlertNotification): void {
    if (this.#closed) return;
    this.#pending.push(notification);
    while (this.#pending.length > this.#options.maxPending) {
      const dropped = this.#pending.shift()!;
      alertNotificationsTotal.inc({ result: "dropped" });
      this.#log(
        "warn",
        { alertname: dropped.alertname, status: dropped.status },
        "alert notification dropped: too many pending",
      );
    }
    this.#running ??= this.#drain().finally(() => (this.#running = null));
  }

  /** Resolves when every queued notification was delivered or given up. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stop: abort the attempt in flight and drop what waits. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pending.length = 0;
    this.#abort.abort();
    await this.idle();
  }

  async #drain(): Promise<void> {
    for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
      await this.#deliver(next);
    }
  }

  async #deliver(n: AlertNotification): Promise<void> {
    const o = this.#options;
    const body = JSON.stringify(alertmanagerPayload(n, { receiver: o.receiver, externalURL: o.externalURL }));
    const about = { alertname: n.alertname, status: n.status, webhook: redactWebhookUrl(o.url) };
    for (let attempt = 1; attempt <= o.maxAttempts && !this.#closed; attempt++) {
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
          alertNotificationsTotal.inc({ result: "sent" });
          this.#log("debug", { ...about, attempt }, "alert notification sent");
          return;
        }
        reason = `HTTP ${response.status}`;
      } catch (err) {
        reason = (err as Error).name === "TimeoutError" ? `no answer within ${o.timeoutMs} ms` : (err as Error).message;
      }
      if (attempt === o.maxAttempts || this.#closed) {
        alertNotificationsTotal.inc({ result: "failed" });
        this.#log("error", { ...about, attempt, reason }, "alert notification failed; giving up");
        return;
      }
      const delay = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** (attempt - 1));
      alertNotificationsTotal.inc({ result: "retried" });
      this.#log("warn", { ...about, attempt, reason, retryInMs: delay }, "alert notification failed; retrying");
      await this.#sleep(delay);
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

  #log(level: "debug" | "warn" | "error", fields: object, message: string): void {
    this.#options.logger?.[level](fields, message);
  }
}
