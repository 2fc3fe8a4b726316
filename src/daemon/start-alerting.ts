/**
 * The alerting unit of `floodgate run`: the alert evaluator over the daemon's health, its webhooks spooling to the
 * state directory, following reloads. It starts whatever Redis does: every sample comes from the daemon's memory.
 */
import type { LiveConfig } from "../config/live.js";
import { createAlertManager } from "../ops/alerts/configured.js";
import type { AlertManager, AlertMetrics } from "../ops/alerts/manager.js";
import type { DaemonHealth } from "../ops/health/daemon-health.js";
import type { Logger } from "../util/logger.js";

export interface AlertingUnit {
  readonly alerts: AlertManager;
  stop(): Promise<void>;
}

/** Start evaluating (when `alerts.enabled`); the manager exists either way, for `/status`. */
export function startAlerting(deps: {
  live: LiveConfig;
  logger: Logger;
  health: DaemonHealth;
  mtaQueue: boolean;
  /** Where undelivered notifications are kept (the state directory's `alert-spool`). */
  spoolDirectory: string;
  metrics: AlertMetrics;
}): AlertingUnit {
  const c = deps.live.current();
  const alerts = createAlertManager({
    alerts: c.alerts,
    live: deps.live,
    logger: deps.logger,
    mtaQueue: deps.mtaQueue,
    spoolDirectory: deps.spoolDirectory,
    metrics: deps.metrics,
    externalURL: c.metrics.enabled ? `http://${c.metrics.host}:${c.metrics.port}/status` : "",
    sampler: () => deps.health.samples(),
  });
  if (c.alerts.enabled) alerts.start();
  return { alerts, stop: () => alerts.stop() };
}
