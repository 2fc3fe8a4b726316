/**
 * The alert manager as `floodgate run` configures it: the built-in rules with the thresholds of the `alerts` section,
 * a webhook notifier per configured webhook spooling to the state directory, and reloads followed without losing the
 * alerts' state.
 */
import { readdirSync } from "node:fs";
import { basename } from "node:path";
import type { Config } from "../../config/schema.js";
import type { LiveConfig } from "../../config/live.js";
import type { Logger } from "../../util/logger.js";
import { AlertManager, type AlertMetrics } from "./manager.js";
import { builtInRules, type Samples } from "./rules.js";
import { SpoolFile, spoolFileFor } from "./spool.js";
import { WebhookNotifier } from "./webhook.js";

/**
 * An AlertManager with the built-in rules and a webhook notifier per configured webhook, each spooling to
 * `spoolDirectory` (none: memory only). With `live`, it follows reloads of the `alerts` section (thresholds, enabled
 * rules, webhooks, interval) without losing the alerts' state.
 */
export function createAlertManager(options: {
  alerts: Config["alerts"];
  sampler: () => Promise<Samples>;
  logger?: Logger;
  externalURL?: string;
  clock?: () => number;
  live?: LiveConfig;
  /** The MTA's queue is sampled: its rules apply. */
  mtaQueue?: boolean;
  spoolDirectory?: string | null;
  /** Where alerting counts (alerts firing, deliveries, the spool). */
  metrics?: AlertMetrics;
}): AlertManager {
  const { alerts, logger } = options;
  const ruleOptions = { mtaQueue: options.mtaQueue ?? false };
  const notifiersFor = (a: Config["alerts"]) => {
    const seen = new Map<string, number>();
    const directory = options.spoolDirectory;
    const spools = a.webhooks.map((w) => {
      // Two webhooks with one URL get a spool file each.
      const copy = seen.get(w.url) ?? 0;
      seen.set(w.url, copy + 1);
      return directory ? new SpoolFile(spoolFileFor(directory, copy === 0 ? w.url : `${w.url}#${copy}`)) : null;
    });
    if (directory) warnOfOrphans(directory, spools, logger);
    return a.webhooks.map((w, i) => {
      const spool = spools[i];
      return new WebhookNotifier({
        url: w.url,
        timeoutMs: w.timeoutMs,
        backoffMs: w.backoffMs,
        maxBackoffMs: w.maxBackoffMs,
        headers: w.headers,
        maxPending: a.spoolMaxNotifications,
        externalURL: options.externalURL ?? "",
        ...(spool ? { spool } : {}),
        ...(logger ? { logger } : {}),
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      });
    });
  };
  const manager = new AlertManager({
    rules: builtInRules(alerts, ruleOptions),
    sampler: options.sampler,
    notifiers: notifiersFor(alerts),
    evaluateIntervalMs: alerts.evaluateIntervalMs,
    spoolCapacity: alerts.spoolMaxNotifications,
    ...(alerts.instance ? { instance: alerts.instance } : {}),
    ...(logger ? { logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  if (options.live) {
    const unsubscribe = options.live.onChange((config, _previous, changed) => {
      const mine = changed.filter((p) => p.startsWith("alerts."));
      if (mine.length === 0) return;
      const delivery = mine.some((p) => p.startsWith("alerts.webhooks") || p === "alerts.spoolMaxNotifications");
      manager.reconfigure({
        rules: builtInRules(config.alerts, ruleOptions),
        ...(delivery ? { notifiers: () => notifiersFor(config.alerts) } : {}),
        evaluateIntervalMs: config.alerts.evaluateIntervalMs,
      });
      logger?.info({ changed: mine }, "alert rules reconfigured");
    });
    manager.onStop(unsubscribe);
  }
  return manager;
}

/** Spool files of webhooks no longer configured are kept (the webhook may come back) and said once. */
function warnOfOrphans(directory: string, spools: readonly (SpoolFile | null)[], logger?: Logger): void {
  const known = new Set(spools.map((s) => (s ? basename(s.path) : "")));
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  const orphans = names.filter((f) => f.startsWith("alert-spool-") && !known.has(f));
  if (orphans.length > 0) {
    logger?.warn(
      { directory, files: orphans },
      "alert notifications wait for webhooks no longer configured; they are delivered if the webhook comes back",
    );
  }
}
