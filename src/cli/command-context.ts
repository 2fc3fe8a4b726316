/**
 * What the one-shot commands share: the configuration (the file or FLOODGATE_CONFIG, with the environment's
 * overrides; a broken one stops the command), the Redis to talk to, and the campaign store over it.
 */
import { formatConfigErrors, loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { createLogger, type Logger } from "../util/logger.js";

/** The configuration path a command uses: `--config`, else FLOODGATE_CONFIG, else none (the defaults). */
export function configPathOf(option: unknown): string | null {
  return typeof option === "string" ? option : (process.env["FLOODGATE_CONFIG"] ?? null);
}

/** The configuration for a one-shot command; exits 2 with every error on a broken file. */
export function loadForCommand(configPath: unknown): { config: Config; logger: Logger } {
  const result = loadConfig(configPathOf(configPath));
  if (!result.ok) {
    process.stderr.write(`floodgate: the configuration is not valid:\n${formatConfigErrors(result.errors)}\n`);
    process.exit(2);
  }
  for (const warning of result.warnings) process.stderr.write(`floodgate: warning: ${warning}\n`);
  return { config: result.config, logger: createLogger(result.config.log.level) };
}

/**
 * The Redis URL: `--redis`, else `redis.url`, else the private Redis a `floodgate run` keeps in the state directory.
 */
export async function redisUrlFor(config: Config, option: unknown): Promise<string> {
  const url = typeof option === "string" ? option : config.redis.url;
  if (url) return url;
  const { privateRedisUrl } = await import("../redis/private-server.js");
  const { openStateDir, resolveStateDir } = await import("../state/state-dir.js");
  const stateDir = resolveStateDir(config.state.dir);
  const found = privateRedisUrl(openStateDir(stateDir));
  if (!found) {
    process.stderr.write(
      `floodgate: no Redis to talk to: give --redis URL, set redis.url, or start \`floodgate run\` with the state directory ${stateDir} first\n`,
    );
    process.exit(2);
  }
  return found;
}

/** The ops server's base URL from `metrics.host` and `metrics.port` (a wildcard host is reached on loopback). */
export function opsUrl(metrics: { host: string; port: number }): string {
  const host = metrics.host === "0.0.0.0" ? "127.0.0.1" : metrics.host === "::" ? "::1" : metrics.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${metrics.port}`;
}

/** The campaign store for `--config` and `--redis`, and how to close it. */
export async function openStore(configPath: unknown, redisOption: unknown) {
  const { config, logger } = loadForCommand(configPath);
  const redisUrl = await redisUrlFor(config, redisOption);
  const { createRedis } = await import("../redis/connect.js");
  const { createCampaignStore } = await import("../reputation/store.js");
  const redis = createRedis(config.redis, redisUrl, "bullmq", logger);
  const store = createCampaignStore(redis, { prefix: config.redis.prefix, campaigns: config.campaigns });
  return { config, store, close: () => store.close() };
}
