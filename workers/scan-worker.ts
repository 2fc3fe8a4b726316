/**
 * The heavy-scan worker process entry: `node dist/workers/scan-worker.js [config.yaml]`. The configuration comes from
 * the argument or FLOODGATE_CONFIG (none: defaults) plus environment overrides; the Redis URL from
 * FLOODGATE_REDIS_URL or `redis.url`. Logs JSON to stderr. Exits 0 after SIGTERM/SIGINT once jobs in flight finish.
 */
import { runScanWorkerProcess } from "../src/queue/worker-processes.js";
import { formatConfigErrors, loadConfig } from "../src/config/load.js";
import { createLogger } from "../src/util/logger.js";

async function main(): Promise<number> {
  const path = process.argv[2] ?? process.env["FLOODGATE_CONFIG"] ?? null;
  const loaded = loadConfig(path || null);
  if (!loaded.ok) {
    process.stderr.write(`floodgate scan worker: invalid configuration\n${formatConfigErrors(loaded.errors)}\n`);
    return 2;
  }
  const config = loaded.config;
  const logger = createLogger(config.log.level, "floodgate-scan-worker");
  for (const warning of loaded.warnings) logger.warn({ path }, warning);
  const redisUrl = config.redis.url;
  if (!redisUrl) {
    logger.error("no Redis URL: set FLOODGATE_REDIS_URL or redis.url (a worker process needs the milter's Redis)");
    return 2;
  }
  return runScanWorkerProcess(config, redisUrl, logger);
}

main().then(
  (code) => {
    process.exitCode = code;
    // Give pino's asynchronous destination a moment, then leave even if a handle lingers.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`floodgate scan worker: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
