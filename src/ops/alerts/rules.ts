/**
 * The built-in alert rules: the scan queue's backlog, its oldest job, its growth, and the mail-flow watchdog. Each rule
 * turns one sample into a number that a `HysteresisAlert` watches. `deploy/prometheus-rules.yml` holds the same alerts
 * for Prometheus, under the same names.
 */
import type { Config } from "../../config/schema.js";
import type { MailFlowSnapshot } from "../mail-flow.js";
import type { HysteresisOptions } from "./hysteresis.js";

/** One evaluation's inputs; null where a number could not be had (Redis down, no queue). */
export interface Samples {
  /** Scan jobs waiting, prioritized or delayed. */
  backlog: number | null;
  /** Age of the oldest waiting scan job. */
  oldestJobAgeSeconds: number | null;
  /** Scan jobs queued per second, and completed per second, over the last interval. */
  arrivalRate: number | null;
  completionRate: number | null;
  mailFlow: MailFlowSnapshot | null;
}

export type Severity = "warning" | "critical";

/** A rule: a name (Prometheus style), a severity, the number it watches and its thresholds. */
export interface AlertRule {
  readonly name: string;
  readonly severity: Severity;
  readonly thresholds: HysteresisOptions;
  /** The number watched, or null when the sample lacks it. */
  value(samples: Samples): number | null;
  /** One line for the notification's summary. */
  summary(value: number | null): string;
  /** The details: the other numbers an operator wants in the page. */
  description(samples: Samples): string;
}

/** Every built-in alert name. */
export const BUILT_IN_ALERT_NAMES = [
  "FloodgateScanBacklogHigh",
  "FloodgateScanJobTooOld",
  "FloodgateBacklogGrowing",
  "FloodgateNoMailAccepted",
  "FloodgateRejectRatioHigh",
  "FloodgateTempfailRatioHigh",
  "FloodgateNoConnections",
] as const;

export type BuiltInAlertName = (typeof BUILT_IN_ALERT_NAMES)[number];

const n = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? "unknown" : x.toFixed(digits));

function queueDescription(s: Samples): string {
  return (
    `backlog ${n(s.backlog)} jobs, oldest waiting ${n(s.oldestJobAgeSeconds)} s, ` +
    `arrivals ${n(s.arrivalRate, 2)}/s, completions ${n(s.completionRate, 2)}/s`
  );
}

function flowDescription(s: Samples): string {
  const f = s.mailFlow;
  if (!f) return "no mail-flow numbers";
  const w = f.window;
  return (
    `last ${w.seconds} s: ${w.sessions} sessions, ${w.decided} messages (accept ${w.verdicts.accept}, ` +
    `continue ${w.verdicts.continue}, reject ${w.verdicts.reject}, tempfail ${w.verdicts.tempfail}, ` +
    `discard ${w.verdicts.discard}); last session ${n(f.secondsSinceSession)} s ago, ` +
    `last accepted message ${n(f.secondsSinceAccepted)} s ago`
  );
}

/** A condition that is true or false: fires and clears on the first sample that says so. */
const boolean = (repeatSeconds: number): HysteresisOptions => ({
  high: 1,
  low: 0,
  forSeconds: 0,
  clearForSeconds: 0,
  repeatSeconds,
});

/** The enabled built-in rules, with the thresholds of `alerts`. */
export function builtInRules(alerts: Config["alerts"]): AlertRule[] {
  const repeatSeconds = alerts.repeatSeconds;
  const wd = alerts.watchdog;
  const hyst = (h: { high: number; low: number; forSeconds: number; clearForSeconds: number }): HysteresisOptions => ({
    high: h.high,
    low: h.low,
    forSeconds: h.forSeconds,
    clearForSeconds: h.clearForSeconds,
    repeatSeconds,
  });
  const rules: (AlertRule | null)[] = [
    alerts.backlog.enabled
      ? {
          name: "FloodgateScanBacklogHigh",
          severity: "warning",
          thresholds: hyst(alerts.backlog),
          value: (s) => s.backlog,
          summary: (v) => `Heavy-scan backlog is ${n(v)} jobs (alert at ${alerts.backlog.high})`,
          description: queueDescription,
        }
      : null,
    alerts.oldestJobAgeSeconds.enabled
      ? {
          name: "FloodgateScanJobTooOld",
          severity: "critical",
          thresholds: hyst(alerts.oldestJobAgeSeconds),
          value: (s) => s.oldestJobAgeSeconds,
          summary: (v) =>
            `The oldest waiting scan job is ${n(v)} s old (alert at ${alerts.oldestJobAgeSeconds.high} s)`,
          description: queueDescription,
        }
      : null,
    alerts.backlogGrowth.enabled
      ? {
          name: "FloodgateBacklogGrowing",
          severity: "warning",
          thresholds: hyst(alerts.backlogGrowth),
          value: (s) => (s.arrivalRate === null || s.completionRate === null ? null : s.arrivalRate - s.completionRate),
          summary: (v) => `Scan jobs arrive ${n(v, 2)}/s faster than they complete`,
          description: queueDescription,
        }
      : null,
    {
      name: "FloodgateNoMailAccepted",
      severity: "critical",
      thresholds: boolean(repeatSeconds),
      value: (s) => {
        const f = s.mailFlow;
        if (!f) return null;
        const silent =
          f.secondsSinceAccepted >= wd.noAcceptedSeconds &&
          f.sessionsSinceAccepted >= wd.noAcceptedMinSessions &&
          f.secondsSinceSession < wd.noAcceptedSeconds;
        return silent ? 1 : 0;
      },
      summary: () => `No message accepted for ${wd.noAcceptedSeconds} s while MTA sessions keep arriving`,
      description: flowDescription,
    },
    wd.rejectRatio.enabled
      ? {
          name: "FloodgateRejectRatioHigh",
          severity: "critical",
          thresholds: hyst(wd.rejectRatio),
          value: (s) =>
            s.mailFlow ? (s.mailFlow.window.decided >= wd.ratioMinMessages ? s.mailFlow.window.rejectRatio : 0) : null,
          summary: (v) =>
            `${n((v ?? 0) * 100)}% of messages rejected over ${wd.ratioWindowSeconds} s (alert at ${n(wd.rejectRatio.high * 100)}%)`,
          description: flowDescription,
        }
      : null,
    wd.tempfailRatio.enabled
      ? {
          name: "FloodgateTempfailRatioHigh",
          severity: "critical",
          thresholds: hyst(wd.tempfailRatio),
          value: (s) =>
            s.mailFlow
              ? s.mailFlow.window.decided >= wd.ratioMinMessages
                ? s.mailFlow.window.tempfailRatio
                : 0
              : null,
          summary: (v) =>
            `${n((v ?? 0) * 100)}% of messages tempfailed over ${wd.ratioWindowSeconds} s (alert at ${n(wd.tempfailRatio.high * 100)}%)`,
          description: flowDescription,
        }
      : null,
    {
      name: "FloodgateNoConnections",
      severity: "warning",
      thresholds: boolean(repeatSeconds),
      value: (s) => (s.mailFlow ? (s.mailFlow.secondsSinceSession >= wd.noConnectionSeconds ? 1 : 0) : null),
      summary: () => `No MTA has opened a milter session for ${wd.noConnectionSeconds} s`,
      description: flowDescription,
    },
  ];
  return rules.filter((r): r is AlertRule => r !== null);
}
