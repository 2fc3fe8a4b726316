/**
 * `floodgate run`: the whole loop in one process tree, composed from small start units (this folder), each handing back
 * its stop function: the state directory (one daemon per directory), Redis (a private redis-server when none is
 * configured), the fingerprint pool, the campaign store, the heavy-scan queue and worker processes, the policy, the
 * daemon's health, the ops server, alerting and the milter engine, all wired from one live configuration and one set of
 * metrics.
 */
import { LiveConfig } from "../config/live.js";
import { formatConfigErrors, loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { MilterServer } from "../engine/engine.js";
import { FingerprintPool } from "../fingerprint/pool.js";
import type { FingerprintOutcome } from "../fingerprint/types.js";
import { createMetrics, type FloodgateMetrics } from "../metrics/metrics.js";
import { MailFlow } from "../ops/mail-flow.js";
import { createFloodgatePolicy } from "../policy/floodgate-policy.js";
import type { Cluster, Redis } from "ioredis";
import { RedisWrites } from "../redis/write-refusal.js";
import { captureBudget } from "../session/capture-budget.js";
import { packetBudget } from "../engine/typescript/packet-budget.js";
import { createCampaignStore } from "../reputation/store.js";
import { acquireInstanceLock } from "../state/instance-lock.js";
import { openStateDir, resolveStateDir, type StateDir } from "../state/state-dir.js";
import { createLogger, type Logger } from "../util/logger.js";
import { redactUrl } from "../util/redact-url.js";
import { startEngine } from "./engine.js";
import { startRedis } from "./redis.js";
import { startScanQueue } from "./scan-queue.js";
import { startConsoleStores } from "./start-console.js";
import { startAlerting, type AlertingUnit } from "./start-alerting.js";
import { startHealth, type HealthUnit } from "./start-health.js";
import { startHold } from "./start-hold.js";
import { startOps } from "./start-ops.js";
import { startEarlierVersions } from "./start-versions.js";
import { StopStack } from "./stops.js";

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
  const loaded = loadConfig(options.configPath, env);
  if (!loaded.ok) {
    process.stderr.write(`floodgate: the configuration is not valid:\n${formatConfigErrors(loaded.errors)}\n`);
    return 2;
  }
  const logger = createLogger(loaded.config.log.level, "floodgate", { buffered: true });
  for (const warning of loaded.warnings) logger.warn({ path: options.configPath }, warning);
  const metrics = daemonMetrics();
  const live = new LiveConfig(loaded.config, { path: options.configPath, env, logger, metrics });
  const daemon = await startDaemon(live, logger, options.configPath, metrics);
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  logger.info({ signal }, "shutting down: no new sessions, finishing those in flight");
  try {
    await daemon.stop();
    return 0;
  } catch (err) {
    logger.error({ err: String(err) }, "shutdown failed");
    return 1;
  }
}

export interface Daemon {
  readonly milter: MilterServer;
  readonly redisUrl: string;
  readonly metricsPort: number | null;
  stop(): Promise<void>;
}

/** The daemon's metrics, with the gauges read from this process's parts when scraped. */
function daemonMetrics(): FloodgateMetrics {
  return createMetrics({ captureHeld: () => captureBudget.held, packetHeld: () => packetBudget.held });
}

/** The pool as reports use it: their messages counted apart from mail's in the pool's metrics. */
function reportFingerprints(pool: FingerprintPool): (message: Buffer) => Promise<FingerprintOutcome> {
  return (message) => pool.fingerprint(message, { source: "report" });
}

/** Start every part; on failure, stop what was started and rethrow. */
export async function startDaemon(
  live: LiveConfig,
  logger: Logger,
  configPath: string | null,
  metrics: FloodgateMetrics = daemonMetrics(),
): Promise<Daemon> {
  const stops = new StopStack(logger);
  const config = (): Config => live.current();
  try {
    const c = config();
    const state = openStateDir(resolveStateDir(c.state.dir));
    const lock = acquireInstanceLock(state.path);
    stops.push(() => lock.release());
    const redis = await startRedis(c, state, logger, stops);
    const store = startStore(redis.fast, config, metrics, logger);
    const pool = await startPool(live, logger, metrics, stops);
    startEarlierVersions({ config, store, pool, logger }, stops);
    const scanQueue = startScanQueue({ config, configPath, redis, store, logger, metrics, state }, stops);
    const { producer, bullmq } = scanQueue;
    // The mail path and the health's probe report to one record of whether Redis takes writes.
    const writes = new RedisWrites();
    const consoleStores = startConsoleStores(config, redis, producer, metrics);
    const samples = consoleStores?.samples ?? undefined;
    const hold = await startHold({ live, logger, fast: redis.fast, store, metrics: metrics.hold });
    stops.push(() => hold.stop());
    const policy = createFloodgatePolicy({
      config,
      pool,
      store,
      producer,
      logger,
      metrics,
      writes,
      hold: hold.copy,
      ...(samples ? { samples } : {}),
    });
    const mailFlow = new MailFlow({ windowSeconds: c.alerts.watchdog.ratioWindowSeconds });
    // Health, the ops server and alerting run from the daemon's memory: none of them waits for Redis. They start before
    // the milter, so the first messages count in the alerts' windows.
    const fast = redis.fast;
    const health = await startHealth({ live, logger, fast, store, producer, bullmq, pool, mailFlow, metrics, writes });
    stops.push(() => health.stop());
    let alerting: AlertingUnit | null = null;
    const alerts = () => alerting?.alerts ?? null;
    const milter = milterReadiness();
    const opsDeps = { live, logger, health: health.health, alerts, mailFlow, store, queue: producer !== null };
    const reports = { fingerprint: reportFingerprints(pool), learnQueue: producer?.queue ?? null, state };
    const ops = await startOps({
      ...opsDeps,
      milter: milter.check,
      stateDir: state.path,
      registry: metrics.registry,
      console: consoleStores,
      hold: () => hold.status(),
      ...(c.policy.holdMode === "quarantine" ? { held: hold.actions } : {}),
      reports,
    });
    if (ops) stops.push(() => ops.stop());
    alerting = startAlertsOn(health, state, { live, logger, metrics });
    stops.push(() => alerting?.stop());
    // What startup logged is written before the MTA (or a test) can connect.
    logger.flush();
    const engine = await startEngine({ config, policy, logger, metrics, mailFlow }, stops);
    // Every listener accepts once the engine has started; the stops run last pushed first, so this before its close.
    stops.push(milter.listening());
    stops.push(live.watchSignal("SIGHUP"));
    logger.info(
      {
        listen: engine.server.addresses,
        state: state.path,
        redis: redactUrl(redis.url),
        engine: engine.name,
        workers: scanQueue.workerProcesses,
        metrics: ops ? `${c.metrics.host}:${ops.port}` : null,
        shadow: c.policy.shadow,
      },
      "floodgate running",
    );
    logger.flush();
    return { milter: engine.server, redisUrl: redis.url, metricsPort: ops?.port ?? null, stop: () => stops.stopAll() };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

/**
 * `/readyz`'s check of the milter: not ready until the engine listens, nor once the daemon stops. Whatever waits on
 * readiness and then connects (an MTA's start order, orchestration) must find the milter taking sessions.
 */
function milterReadiness(): { check: () => true | string; listening: () => () => void } {
  let state: true | string = "the milter is not listening yet";
  return {
    check: () => state,
    /** The engine listens: ready; returns the stop that makes it not ready again. */
    listening: () => {
      state = true;
      return () => (state = "stopping: no new sessions");
    },
  };
}

/** Alerting over the daemon's health, its notifications spooled in the state directory. */
function startAlertsOn(
  health: HealthUnit,
  state: StateDir,
  deps: { live: LiveConfig; logger: Logger; metrics: FloodgateMetrics },
): AlertingUnit {
  const spoolDirectory = state.subdir("alert-spool");
  return startAlerting({ ...deps, health: health.health, mtaQueue: health.mtaQueue, spoolDirectory });
}

/** The campaign store over the fast-path connection, every relabel counted and logged. */
function startStore(fast: Redis | Cluster, config: () => Config, metrics: FloodgateMetrics, logger: Logger) {
  return createCampaignStore(fast, {
    prefix: config().redis.prefix,
    campaigns: () => config().campaigns,
    closeConnection: false,
    onRelabel: (event) => {
      metrics.relabelsTotal.inc({ op: event.op, status: event.status });
      logger.info(event, "campaign relabelled");
    },
  });
}

/** The fingerprint pool, following reloads of the `fingerprint` section. */
async function startPool(live: LiveConfig, logger: Logger, metrics: FloodgateMetrics, stops: StopStack) {
  const pool = new FingerprintPool(live.current().fingerprint, logger, { metrics });
  stops.push(() => pool.close());
  stops.push(
    live.onChange((next, _previous, changed) => {
      if (changed.some((p) => p.startsWith("fingerprint."))) pool.reconfigure(next.fingerprint);
    }),
  );
  await pool.ready();
  return pool;
}
