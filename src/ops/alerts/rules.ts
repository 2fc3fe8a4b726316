/**
 * The built-in alert rules, by group: the scan queue (./rules-queue.ts), the mail-flow watchdog
 * (./rules-mail-flow.ts), the ways filtering stops silently (./rules-filtering.ts) and the MTA's queue
 * (./rules-mta.ts). Each rule turns one sample into a number that a `HysteresisAlert` watches.
 * `deploy/prometheus-rules.yml` holds the same alerts for Prometheus, under the same names.
 */
import type { Config } from "../../config/schema.js";
import { filteringRules } from "./rules-filtering.js";
import { mailFlowRules } from "./rules-mail-flow.js";
import { mtaRules } from "./rules-mta.js";
import { queueRules } from "./rules-queue.js";
import type { AlertRule } from "./rule-types.js";

export type { AlertRule, Samples, Severity, ShareWindow, DeliveryHealth } from "./rule-types.js";

/** Every built-in alert name, in the order `builtInRules` gives them. */
export const BUILT_IN_ALERT_NAMES = [
  "FloodgateScanBacklogHigh",
  "FloodgateScanJobTooOld",
  "FloodgateBacklogGrowing",
  "FloodgateQueueUnobservable",
  "FloodgateScanJobsFailing",
  "FloodgateNoMailAccepted",
  "FloodgateRejectRatioHigh",
  "FloodgateTempfailRatioHigh",
  "FloodgateNoConnections",
  "FloodgateRedisDown",
  "FloodgateRedisRefusingWrites",
  "FloodgateRedisMemoryHigh",
  "FloodgateFailModeHigh",
  "FloodgatePoolSaturated",
  "FloodgateConfigReloadRefused",
  "FloodgateAlertsUndelivered",
  "FloodgateMtaDeferredHigh",
  "FloodgateMtaMessageOld",
  "FloodgateMtaHoldHigh",
  "FloodgateMtaQueueUnobservable",
] as const;

export type BuiltInAlertName = (typeof BUILT_IN_ALERT_NAMES)[number];

/** The enabled built-in rules, with the thresholds of `alerts`; the MTA's rules when its queue is sampled. */
export function builtInRules(alerts: Config["alerts"], options: { mtaQueue?: boolean } = {}): AlertRule[] {
  return [
    ...queueRules(alerts),
    ...mailFlowRules(alerts),
    ...filteringRules(alerts),
    ...mtaRules(alerts, options.mtaQueue ?? false),
  ].filter((r): r is AlertRule => r !== null);
}
