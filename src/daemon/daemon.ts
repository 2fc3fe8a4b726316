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
import { createFloodgatePolicy } from "../policy/floodgate-policy.js";
import { createScanProducer, type ScanProducerWithQueue } from "../queue/producer.js";
import { createRedis } from "../redis/connect.js";
import { createCampaignStore } from "../reputation/store.js";
import { selectEngine } from "../engine/select-engine.js";
import { captureBudget } from "../session/capture-budget.js";
import type { MilterServer } from "../engine/engine.js";
import { spawnScanWorkers, type ScanWorkerProcesses } from "../queue/worker-processes.js";
import { createLogger, type Logger } from "../util/logger.js";
import { redactUrl } from "../util/redact-url.js";
import { startPrivateRedis } from "../redis/private-server.js";
import { acquireInstanceLock } from "../state/instance-lock.js";
import { openStateDir, resolveStateDir } from "../state/state-dir.js";
import { startAlerting, type AlertingUnit } from "./start-alerting.js";
import { startHealth } from "./start-health.js";
import { startOps } from "./start-ops.js";

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
    let redisUrl = c.redis.url;
    if (redisUrl === null) {
      const privateRedis = await startPrivateRedis(state, c.redis.private, logger);
      cleanups.push(() => privateRedis.stop());
      redisUrl = privateRedis.url;
      logger.info({ socket: privateRedis.socket }, "no Redis configured: started the private redis-server");
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
    cleanups.push(
      live.onChange((next, _previous, changed) => {
        if (changed.some((p) => p.startsWith("fingerprint."))) pool.reconfigure(next.fingerprint);
      }),
    );
    await pool.ready();

    let producer: ScanProducerWithQueue | null = null;
    let bullmq: Redis | Cluster | null = null;
    if (c.queue.enabled) {
      bullmq = connect("bullmq");
      producer = createScanProducer({
        config,
        // BullMQ's own role: a fail-fast command timeout could report "shed" for a job Redis did queue.
        connection: bullmq,
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
    // Health, the ops server and alerting run from the daemon's memory: none of them waits for Redis. They start before
    // the milter, so the first messages count in the alerts' windows.
    const health = await startHealth({ live, logger, fast, store, producer, bullmq, pool, mailFlow });
    cleanups.push(() => health.stop());
    let alerting: AlertingUnit | null = null;
    const ops = await startOps({
      live,
      logger,
      stateDir: state.path,
      health: health.health,
      alerts: () => alerting?.alerts ?? null,
      mailFlow,
      store,
      queue: producer !== null,
    });
    if (ops) cleanups.push(() => ops.stop());
    const metricsPort = ops?.port ?? null;
    alerting = startAlerting({
      live,
      logger,
      health: health.health,
      mtaQueue: health.mtaQueue,
      spoolDirectory: state.subdir("alert-spool"),
    });
    cleanups.push(() => alerting?.stop());

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
