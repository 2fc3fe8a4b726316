/**
 * The console's parts of `floodgate run`: its own Redis connection (the console's reads, searches and samples never
 * wait behind the mail path's commands, nor it behind them), the sample store the policy offers copies to, and the
 * console's sources (ConsoleDeps) once the ops server has the admin token.
 */
import type { LiveConfig } from "../config/live.js";
import type { Config } from "../config/schema.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import type { AlertManager } from "../ops/alerts/manager.js";
import type { FlowCounts } from "../ops/console/flow-history.js";
import type { ConsoleDeps, HeldCopies } from "../ops/console/types.js";
import type { MailFlow } from "../ops/mail-flow.js";
import type { QueueStatus } from "../ops/status.js";
import type { ScanProducer } from "../queue/types.js";
import { SampleStore } from "../reputation/samples.js";
import { searchCampaigns } from "../reputation/search.js";
import { createCampaignStore } from "../reputation/store.js";
import type { Logger } from "../util/logger.js";
import type { DaemonRedis } from "./redis.js";

/** Campaigns a search looks at, at most (the most recently seen). */
const SEARCH_SCAN_LIMIT = 20_000;

/** The console's stores; null when the console is off. */
export interface ConsoleStores {
  samples: SampleStore | null;
  /** The console's sources, given what the ops unit knows. */
  deps(parts: ConsoleParts): ConsoleDeps;
}

/** What the ops unit hands over. */
export interface ConsoleParts {
  adminToken: string;
  live: LiveConfig;
  logger: Logger;
  mailFlow: MailFlow;
  alerts: () => AlertManager | null;
  queue?: () => Promise<QueueStatus>;
  /** The hold queue's release and delete of a campaign's held copies, when `policy.holdMode` keeps copies held. */
  held?: HeldCopies;
}

/** Open the console's connection and stores when `metrics.enabled` and `console.enabled`. */
export function startConsoleStores(
  config: () => Config,
  redis: DaemonRedis,
  producer: ScanProducer | null,
  metrics: FloodgateMetrics,
): ConsoleStores | null {
  const c = config();
  if (!c.metrics.enabled || !c.console.enabled) return null;
  const connection = redis.connect("console");
  const prefix = c.redis.prefix;
  const samples = c.console.samples.enabled
    ? new SampleStore(connection, prefix, () => config().console.samples)
    : null;
  const store = createCampaignStore(connection, {
    prefix,
    campaigns: () => config().campaigns,
    closeConnection: false,
  });
  return {
    samples,
    deps: (parts) => ({
      config,
      adminToken: parts.adminToken,
      store,
      samples,
      search: (query, limit) => searchCampaigns(connection, prefix, query, { limit, scanLimit: SEARCH_SCAN_LIMIT }),
      ...(producer
        ? {
            rescanNow: async (campaignId: string, message: Buffer) =>
              producer.enqueue({ campaignId, message, truncated: false, reason: "rescan", generation: Date.now() }),
          }
        : {}),
      shadow: () => parts.live.current().policy.shadow,
      setShadow: (on, actor) => parts.live.setShadow(on, actor),
      mailFlow: () => parts.mailFlow.snapshot(),
      flowCounts: () => flowCounts(metrics),
      ...(parts.queue ? { queue: parts.queue } : {}),
      ...(parts.held ? { held: parts.held } : {}),
      alerts: () => parts.alerts()?.firing() ?? [],
      logger: parts.logger,
    }),
  };
}

/**
 * The flow series' cumulative counts from the registry: verdicts sent to the MTA, the copies accepted into the hold
 * queue apart from the other accepted ones (`held`: counted with their verdict, so `continue` never goes down), fail
 * modes by the mode applied.
 */
async function flowCounts(metrics: FloodgateMetrics): Promise<FlowCounts> {
  const counts: Record<string, number> = {};
  const add = (key: string, value: number) => (counts[key] = (counts[key] ?? 0) + value);
  for (const v of (await metrics.messagesTotal.get()).values) {
    const verdict = String(v.labels["verdict"] ?? "");
    add(verdict === "accept" ? "continue" : verdict, v.value);
  }
  const held = (await metrics.hold.heldTotal.get()).values.reduce((sum, v) => sum + v.value, 0);
  counts["held"] = held;
  counts["continue"] = Math.max(0, (counts["continue"] ?? 0) - held);
  for (const v of (await metrics.failModeTotal.get()).values) add(`fail:${String(v.labels["mode"] ?? "")}`, v.value);
  return counts;
}
