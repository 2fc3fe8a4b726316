/**
 * The ops server unit of `floodgate run`: `/metrics`, `/healthz`, `/readyz`, `/status`, the shadow switch and the
 * reports (`POST /report`, src/policy/report.ts) over the daemon's memory, so it answers whatever Redis does: the readiness checks and the status read the last probe and
 * samples, and the parts that need Redis (the top campaigns) fail on their own and are named in `errors`.
 */
import type { Registry } from "prom-client";
import type { LiveConfig } from "../config/live.js";
import type { AlertManager } from "../ops/alerts/manager.js";
import type { DaemonHealth } from "../ops/health/daemon-health.js";
import { daemonAdminToken } from "../ops/admin-token.js";
import { startOpsServer } from "../ops/http.js";
import { consoleRoutes } from "../ops/console/router.js";
import type { HeldCopies } from "../ops/console/types.js";
import type { ConsoleStores } from "./start-console.js";
import { readinessFromChecks, type ReadinessCheck } from "../ops/readiness.js";
import type { MailFlow } from "../ops/mail-flow.js";
import type { HoldStatus, QueueStatus } from "../ops/status.js";
import type { CampaignStore } from "../reputation/types.js";
import type { Logger } from "../util/logger.js";
import type { Queue } from "bullmq";
import { applyReport, type ReportDeps } from "../policy/report.js";
import { daemonReporterToken } from "../ops/reporter-token.js";
import type { StateDir } from "../state/state-dir.js";

export interface OpsUnitDeps {
  live: LiveConfig;
  logger: Logger;
  /** The state directory, where the admin token is generated when none is configured. */
  stateDir: string;
  health: DaemonHealth;
  /** `/readyz`'s check that the milter takes sessions: every listener accepts, and the daemon is not stopping. */
  milter: ReadinessCheck;
  /** The alert manager, once started (the status shows no alerts before). */
  alerts: () => AlertManager | null;
  mailFlow: MailFlow;
  store: CampaignStore;
  /** The scan queue is on. */
  queue: boolean;
  /** What /metrics serves. */
  registry: Registry;
  /** The console's stores; null when the console is off. */
  console?: ConsoleStores | null;
  /** The hold queue's actions for the console's release and delete buttons (absent: the buttons are off). */
  held?: HeldCopies;
  /** The hold queue's part of `/status`. */
  hold?: () => Promise<HoldStatus>;
  /** What `POST /report` needs: the daemon's fingerprint pool, the scan queue (learn jobs), the state directory. */
  reports: {
    fingerprint: ReportDeps["fingerprint"];
    learnQueue: Queue | null;
    state: StateDir;
  };
}

export interface OpsUnit {
  readonly port: number;
  stop(): Promise<void>;
}

/** Start the ops server when `metrics.enabled`; null otherwise. */
export async function startOps(deps: OpsUnitDeps): Promise<OpsUnit | null> {
  const c = deps.live.current();
  if (!c.metrics.enabled) return null;
  const { health } = deps;
  const admin = daemonAdminToken(c.metrics, deps.stateDir);
  deps.logger.info({ source: admin.source, file: admin.path }, "admin endpoints require the admin token");
  const queue = deps.queue ? async () => queueStatus(await health.samples()) : undefined;
  const consoleDeps = deps.console?.deps({
    adminToken: admin.token,
    live: deps.live,
    logger: deps.logger,
    mailFlow: deps.mailFlow,
    alerts: deps.alerts,
    ...(queue ? { queue } : {}),
    ...(deps.held ? { held: deps.held } : {}),
  });
  const reportDeps: ReportDeps = {
    config: () => deps.live.current(),
    fingerprint: deps.reports.fingerprint,
    store: deps.store,
    queue: deps.reports.learnQueue,
    logger: deps.logger,
  };
  const ops = await startOpsServer({
    ...(consoleDeps ? { console: consoleRoutes(consoleDeps) } : {}),
    config: c,
    adminToken: admin.token,
    registry: deps.registry,
    live: deps.live,
    logger: deps.logger,
    readiness: readinessFromChecks({ ...health.readinessChecks(), milter: deps.milter }),
    reporterToken: daemonReporterToken(c.reports, deps.reports.state),
    reportLimits: { captureBytes: c.milter.messageCaptureBytes, maxBytes: c.milter.maxPacketBytes },
    report: (request) => applyReport(request, reportDeps),
    status: {
      ...(queue ? { queue } : {}),
      alerts: () => deps.alerts()?.firing() ?? [],
      mailFlow: () => deps.mailFlow.snapshot(),
      health: () => health.status(),
      delivery: () => deps.alerts()?.delivery() ?? { pending: 0, oldestAgeSeconds: 0, capacity: 0 },
      ...(deps.hold ? { hold: deps.hold } : {}),
      campaigns: async () =>
        (await deps.store.top(10)).map((v) => ({
          id: v.id,
          copies: v.copies,
          recipients: v.recipients,
          senders: v.senders,
          verdict: v.verdict?.verdict ?? v.state,
        })),
    },
  });
  return { port: ops.port, stop: () => ops.close() };
}

/** The queue part of `/status`; throws (named under `errors`) while the queue cannot be sampled. */
function queueStatus(samples: Awaited<ReturnType<DaemonHealth["samples"]>>): QueueStatus {
  const q = samples.scanQueue;
  const stats = q?.stats;
  if (!q || !stats) throw new Error(`the scan queue cannot be sampled: ${q?.lastError ?? "no sample yet"}`);
  return {
    backlog: stats.backlog,
    counts: stats.counts,
    oldestJobAgeSeconds: stats.oldestWaitingAgeSeconds,
    arrivalRate: stats.arrivalRate,
    completionRate: stats.completionRate,
  };
}
