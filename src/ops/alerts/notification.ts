/**
 * An alert edge as notifiers receive it, and its Alertmanager webhook form (version 4), so Floodgate's own alerts can
 * go to anything that accepts Alertmanager's webhook: the same labels, annotations and fingerprint rules.
 */
import { createHash } from "node:crypto";
import type { Severity } from "./rule-types.js";

/** One alert edge: firing (first or repeated) or resolved. */
export interface AlertNotification {
  alertname: string;
  severity: Severity;
  status: "firing" | "resolved";
  /** True for a reminder of an alert already notified as firing. */
  repeat: boolean;
  instance: string;
  value: number | null;
  summary: string;
  description: string;
  /** ms since the epoch. */
  startsAt: number;
  /** ms since the epoch; null while firing. */
  endsAt: number | null;
  /** The rule's own labels (such as a fail mode's `reason`), the same from firing to resolved. */
  labels?: Record<string, string>;
}

/** Something that delivers notifications in the background; `notify` never blocks and never throws. */
export interface Notifier {
  notify(notification: AlertNotification): void;
  /** What waits for delivery: how many, and since when (ms) the oldest. */
  stats?(): { pending: number; oldestQueuedAt: number | null };
  /** Resolves when nothing is being delivered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Alertmanager's "zero time", its `endsAt` for an alert still firing. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** The labels of an alert. */
export function alertLabels(n: AlertNotification): Record<string, string> {
  return { ...n.labels, alertname: n.alertname, severity: n.severity, service: "floodgate", instance: n.instance };
}

/** Alertmanager's fingerprint: a hash of the sorted label set, 16 hex digits; the same alert always has the same one. */
export function alertFingerprint(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\xff${labels[k]}\xff`)
    .join("");
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** The JSON body of an Alertmanager webhook (version 4) carrying one alert. */
export function alertmanagerPayload(n: AlertNotification, options: { receiver: string; externalURL: string }) {
  const labels = alertLabels(n);
  const annotations = { summary: n.summary, description: n.description };
  return {
    version: "4",
    groupKey: `{}:{alertname="${n.alertname}"}`,
    truncatedAlerts: 0,
    status: n.status,
    receiver: options.receiver,
    groupLabels: { alertname: n.alertname },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: options.externalURL,
    alerts: [
      {
        status: n.status,
        labels,
        annotations,
        startsAt: new Date(n.startsAt).toISOString(),
        endsAt: n.endsAt === null ? ZERO_TIME : new Date(n.endsAt).toISOString(),
        generatorURL: options.externalURL,
        fingerprint: alertFingerprint(labels),
      },
    ],
  };
}

/** The Alertmanager payload type. */
export type AlertmanagerPayload = ReturnType<typeof alertmanagerPayload>;
