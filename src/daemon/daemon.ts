/**
 * `floodgate run`: the whole loop in one process tree. The milter engine, the fingerprint pool, the campaign store,
 * the heavy-scan producer and worker processes, metrics, alerting and the mail-flow watchdog, wired from one live
 * configuration. With no Redis configured it starts a private redis-server, so one command runs it all.
 */
import type { Redis, Cluster } from "ioredis";
import { LiveConfig } from "../config/live.js";
import { formatConfigErrors } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { FingerprintPool } from "../fingerprint/pool.js";
import * as metrics from "../metrics/metrics.js";
import { MailFlow } from "../ops/mail-flow.js";
import { createAlertManager } from "../ops/alerts/manager.js";
import { startOpsServer } from "../ops/http.js";
import { readinessFromChecks } from "../ops/readiness.js";
import { createFloodgatePolicy } from "../policy/floodgate-policy.js";
import { arrivalsKey } from "../queue/names.js";
import { createScanProducer, type ScanProducerWithQueue } from "../queue/producer.js";
import { queueStats, type QueueStats } from "../queue/stats.js";
import { createRedis } from "../redis/connect.js";
import { createCampaignStore } from "../reputation/store.js";
import { selectEngine } from "../engine/select-engine.js";
import { captureBudget } from "../session/capture-budget.js";
import type { MilterServer } from "../engine/engine.js";
import { spawnScanWorkers, type ScanWorkerProcesses } from "../queue/worker-processes.js";
import { createLogger, redactUrl, type Logger } from "../util/logger.js";
import { startPrivateRedis, type PrivateRedis } from "../redis/private-server.js";
import { clearPrivateRedisUrl, writePrivateRedisUrl } from "../redis/private-url.js";
import { acquireInstanceLock } from "../state/instance-lock.js";
import { openStateDir, resolveStateDir } from "../state/state-dir.js";

export interface RunOptions {
  configPath: string | null;
  /** Command-line overrides, applied as environment overrides so a reload keeps them. */
  listen?: string[];
  redisUrl?: string;
  env?: NodeJS.ProcessEnv;
}

/** Run until SIGTERM or SIGINT; resolves with the exit code. */
export async function runDaemon(options: RunOptions): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  if (options.listen && options.listen.length > 0) env["FLOODGATE_LISTEN"] = options.listen.join(",");
  if (options.redisUrl) env["FLOODGATE_REDIS_URL"] = options.redisUrl;
  const loaded = LiveConfig.load({ path: options.configPath, env });
  if (!loaded.ok) {
    process.stderr.write(`floodgate: the configuration is not valid:\n${formatConfigErrors(loaded.errors)}\n`);
    return 2;
  }
  const initial = loaded.live.current();
  const logger = createLogger(initial.log.level);
  const live = new LiveConfig(initial, { path: options.configPath, env, logger });
  const daemon = await startDaemon(live, logger, options.configPath);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down: no new sessions, finishing those in flight");
      daemon.stop().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err: String(err) }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

export interface Daemon {
  readonly milter: MilterServer;
  readonly redisUrl: string;
  readonly metricsPort: number | null;
  stop(): Promise<void>;
}

/** Start every part; on failure, stop what was started and rethrow. */
export async function startDaemon(live: LiveConfig, logger: Logger, configPath: string | null): Promise<Daemon> {
  const cleanups: Array<() => unknown> = [];
  const config = (): Config => live.current();
  try {
    const c = config();
    const state = openStateDir(resolveStateDir(c.state.dir));
    const lock = acquireInstanceLock(state.path);
    cleanups.push(() => lock.release());
    let privateRedis: PrivateRedis | null = null;
    let redisUrl = c.redis.url;
    if (redisUrl === null) {
      privateRedis = await startPrivateRedis({
        binary: c.redis.private.binary,
        port: c.redis.private.port,
        ...(c.redis.private.dir ? { dir: c.redis.private.dir } : {}),
      });
      cleanups.push(() => privateRedis?.stop());
      redisUrl = privateRedis.url;
      writePrivateRedisUrl(redisUrl);
      cleanups.push(() => clearPrivateRedisUrl(redisUrl ?? ""));
      logger.info({ url: redisUrl }, "no Redis configured: started a private redis-server");
    }

    const connections: Array<Redis | Cluster> = [];
    const connect = (role: "fastpath" | "bullmq" | "subscriber") => {
      const r = createRedis(c.redis, redisUrl, role, logger);
      connections.push(r);
      return r;
    };
    cleanups.push(() => Promise.all(connections.map((r) => r.quit().catch(() => r.disconnect()))));
    const fast = connect("fastpath");
    const store = createCampaignStore(fast, {
      prefix: c.redis.prefix,
      campaigns: () => config().campaigns,
      closeConnection: false,
    });

    const pool = new FingerprintPool(c.fingerprint, logger);
    cleanups.push(() => pool.close());
    await pool.ready();

    let producer: ScanProducerWithQueue | null = null;
    if (c.queue.enabled) {
      producer = createScanProducer({
        config,
        // BullMQ's own role: a fail-fast command timeout could report "shed" for a job Redis did queue.
        connection: connect("bullmq"),
        subscriber: connect("subscriber"),
        store,
        logger,
      });
      const p = producer;
      cleanups.push(() => p.close());
    }

    let workers: ScanWorkerProcesses | null = null;
    if (c.queue.enabled && c.worker.processes > 0) {
      workers = spawnScanWorkers(c.worker.processes, {
        ...(configPath ? { configPath } : {}),
        redisUrl,
        logger,
        env: { FLOODGATE_LOG_LEVEL: c.log.level },
      });
      const w = workers;
      cleanups.push(() => w.stop(10_000));
    }

    const policy = createFloodgatePolicy({ config, pool, store, producer, logger });
    const mailFlow = new MailFlow({ windowSeconds: c.alerts.watchdog.ratioWindowSeconds });
    const engine = await selectEngine(c, logger);
    captureBudget.listen({
      held: (bytes) => metrics.captureBytes.set(bytes),
      cut: () => metrics.captureBudgetCutsTotal.inc(),
    });
    const milter = await engine.start({
      listen: c.milter.listen,
      policy,
      settings: () => config().milter,
      logger,
      observer: {
        sessionOpened: () => {
          mailFlow.sessionOpened();
          metrics.sessionsTotal.inc();
          metrics.sessionsActive.inc();
        },
        sessionClosed: () => metrics.sessionsActive.dec(),
        sessionRefused: () => metrics.sessionsRefusedTotal.inc(),
        messageDecided: (verdict, seconds) => {
          mailFlow.messageDecided(verdict);
          metrics.messagesTotal.inc({ verdict });
          metrics.eomDuration.observe(seconds);
        },
        failMode: (reason, mode) => metrics.failModeTotal.inc({ reason, mode }),
        protocolError: (kind) => metrics.protocolErrorsTotal.inc({ kind }),
      },
    });
    cleanups.push(() => milter.close(config().milter.shutdownGraceSeconds * 1000));

    // Queue statistics, sampled on one timer for metrics, alerting and /status alike.
    let lastQueue: QueueStats | null = null;
    const sampleQueue = async () => {
      if (!producer) return;
      try {
        lastQueue = await queueStats(producer.queue, { arrivalsKey: arrivalsKey(config()) });
        for (const [state, n] of Object.entries(lastQueue.counts)) metrics.scanJobs.set({ state }, n);
        metrics.oldestJobAge.set(lastQueue.oldestWaitingAgeSeconds);
        metrics.campaignsActive.set(await store.countActive());
      } catch (error) {
        logger.debug({ err: String(error) }, "queue statistics unavailable");
      }
      const stats = pool.stats();
      metrics.poolUtilization.set(stats.utilization);
      metrics.poolQueueLength.set(stats.queued);
    };
    await sampleQueue();
    const sampler = setInterval(() => void sampleQueue(), Math.min(c.alerts.evaluateIntervalMs, 5000));
    cleanups.push(() => clearInterval(sampler));

    const alerts = createAlertManager({
      alerts: c.alerts,
      live,
      logger,
      sampler: async () => ({
        backlog: lastQueue?.backlog ?? null,
        oldestJobAgeSeconds: lastQueue?.oldestWaitingAgeSeconds ?? null,
        arrivalRate: lastQueue?.arrivalRate ?? null,
        completionRate: lastQueue?.completionRate ?? null,
        mailFlow: mailFlow.snapshot(),
      }),
    });
    if (c.alerts.enabled) {
      alerts.start();
      cleanups.push(() => alerts.stop());
    }

    let metricsPort: number | null = null;
    if (c.metrics.enabled) {
      const ops = await startOpsServer({
        config: c,
        registry: metrics.registry,
        live,
        logger,
        readiness: readinessFromChecks({
          redis: async () => (await fast.ping()) === "PONG" || "no PONG",
          pool: () => pool.stats().threads > 0 || "no threads",
        }),
        status: {
          ...(producer
            ? {
                queue: () =>
                  lastQueue
                    ? {
                        backlog: lastQueue.backlog,
                        counts: lastQueue.counts,
                        oldestJobAgeSeconds: lastQueue.oldestWaitingAgeSeconds,
                        arrivalRate: lastQueue.arrivalRate,
                        completionRate: lastQueue.completionRate,
                      }
                    : { backlog: 0, counts: {}, oldestJobAgeSeconds: null, arrivalRate: null, completionRate: null },
              }
            : {}),
          alerts: () => alerts.firing(),
          mailFlow: () => mailFlow.snapshot(),
          campaigns: async () =>
            (await store.top(10)).map((v) => ({
              id: v.id,
              copies: v.copies,
              recipients: v.recipients,
              senders: v.senders,
              verdict: v.verdict?.verdict ?? v.state,
            })),
        },
      });
      metricsPort = ops.port;
      cleanups.push(() => ops.close());
    }

    const unwatch = live.watchSignal("SIGHUP");
    cleanups.push(unwatch);
    logger.info(
      {
        listen: milter.addresses,
        state: state.path,
        redis: redactUrl(redisUrl),
        engine: engine.name,
        workers: workers ? c.worker.processes : 0,
        metrics: metricsPort === null ? null : `${c.metrics.host}:${metricsPort}`,
        shadow: c.policy.shadow,
      },
      "floodgate running",
    );

    return {
      milter,
      redisUrl,
      metricsPort,
      stop: () => runCleanups(cleanups, logger),
    };
  } catch (error) {
    await runCleanups(cleanups, logger);
    throw error;
  }
}

/** Stop in reverse order of start: the listener first, the private Redis last. */
async function runCleanups(cleanups: Array<() => unknown>, logger: Logger): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      logger.warn({ err: String(error) }, "error while stopping");
    }
  }
}
