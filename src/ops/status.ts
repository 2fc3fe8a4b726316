/**
 * The `/status` document: what `floodgate status` prints. The ops server assembles it from providers (the scan
 * queue, the alert manager, the mail-flow counters, the campaign store); a provider that fails leaves its part null
 * and says why under `errors`, the rest is still served.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../util/paths.js";
import type { FiringAlert } from "./alerts/manager.js";
import type { DeliveryHealth } from "./alerts/rules.js";
import type { HealthStatus } from "./health/daemon-health.js";
import type { MailFlowSnapshot } from "./mail-flow.js";

/** The scan queue as the status page shows it. */
export interface QueueStatus {
  /** Waiting + prioritized + delayed jobs. */
  backlog: number;
  /** Jobs per BullMQ state. */
  counts: Record<string, number>;
  oldestJobAgeSeconds: number | null;
  /** Jobs queued and completed per second, recently. */
  arrivalRate: number | null;
  completionRate: number | null;
}

/** One campaign in the top list. */
export interface CampaignSummary {
  id: string;
  copies: number;
  recipients?: number;
  senders?: number;
  /** The scan verdict, if any ("spam", "ham"…). */
  verdict?: string | null;
}

/** The hold queue (`policy.holdMode`): copies held on this MTA host and what became of them since the start. */
export interface HoldStatus {
  mode: "tempfail" | "quarantine";
  host: string;
  /** Copies recorded as held on this host now. */
  held: number;
  /** Since the daemon started: copies held, tempfailed instead (by reason), acted on (by outcome). */
  heldTotal: number;
  fallbacks: Record<string, number>;
  outcomes: Record<string, number>;
  /** The hold-queue helper: null when it answers, else why not. */
  helperError: string | null;
}

/** Where each part of the status comes from; every provider is optional. */
export interface StatusProviders {
  queue?: () => Promise<QueueStatus> | QueueStatus;
  alerts?: () => FiringAlert[];
  mailFlow?: () => MailFlowSnapshot;
  /** The busiest campaigns, most copies first. */
  campaigns?: () => Promise<CampaignSummary[]> | CampaignSummary[];
  /** The dependencies: Redis, fail modes, the pool, the MTA's queue, the last reload. */
  health?: () => Promise<HealthStatus> | HealthStatus;
  /** Alert notifications waiting for their webhook. */
  delivery?: () => DeliveryHealth;
  hold?: () => Promise<HoldStatus> | HoldStatus;
}

/** The JSON `/status` serves. */
export interface StatusDocument {
  service: "floodgate";
  version: string;
  instance: string;
  /** ISO time of the document. */
  at: string;
  uptimeSeconds: number;
  /** Shadow mode now; null when not known. */
  shadow: boolean | null;
  queue: QueueStatus | null;
  mailFlow: MailFlowSnapshot | null;
  alerts: FiringAlert[];
  campaigns: CampaignSummary[];
  health: HealthStatus | null;
  delivery: DeliveryHealth | null;
  /** The hold queue; null from a daemon that does not report it. */
  hold?: HoldStatus | null;
  /** Providers that failed, and why. */
  errors: Record<string, string>;
}

let version: string | undefined;

/** This package's version. */
export function floodgateVersion(): string {
  if (version === undefined) {
    try {
      version = String(
        (JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version?: unknown }).version,
      );
    } catch {
      version = "unknown";
    }
  }
  return version;
}

/** Ask every provider, each bounded by `timeoutMs`, and assemble the document. */
export async function buildStatus(
  providers: StatusProviders,
  options: { shadow: boolean | null; timeoutMs?: number; instance?: string },
): Promise<StatusDocument> {
  const errors: Record<string, string> = {};
  const timeoutMs = options.timeoutMs ?? 2000;
  const ask = async <T>(name: string, provider: (() => Promise<T> | T) | undefined, fallback: T): Promise<T> => {
    if (!provider) return fallback;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      return await Promise.race([Promise.resolve().then(provider), timeout]);
    } catch (err) {
      errors[name] = (err as Error).message || "failed";
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  };
  const [queue, alerts, mailFlow, campaigns, health, delivery, hold] = await Promise.all([
    ask<QueueStatus | null>("queue", providers.queue, null),
    ask<FiringAlert[]>("alerts", providers.alerts, []),
    ask<MailFlowSnapshot | null>("mailFlow", providers.mailFlow, null),
    ask<CampaignSummary[]>("campaigns", providers.campaigns, []),
    ask<HealthStatus | null>("health", providers.health, null),
    ask<DeliveryHealth | null>("delivery", providers.delivery, null),
    ask<HoldStatus | null>("hold", providers.hold, null),
  ]);
  return {
    service: "floodgate",
    version: floodgateVersion(),
    instance: options.instance ?? hostname(),
    at: new Date().toISOString(),
    uptimeSeconds: Math.round(process.uptime()),
    shadow: options.shadow,
    queue,
    mailFlow,
    alerts,
    campaigns,
    health,
    delivery,
    hold,
    errors,
  };
}
