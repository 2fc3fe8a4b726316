#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=32
/**
 * The `floodgate` command: one entry, one module per subcommand, loaded only when used.
 */
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../util/paths.js";

const USAGE = `usage: floodgate <command> [options]

  run            [--config FILE] [--listen SPEC]... [--redis URL]   run the milter, pool, store, scan workers, metrics
  worker         [--config FILE] [--redis URL]                      run one heavy-scan worker process
  check-config   FILE                                               validate a configuration file, list every error
  fingerprint    FILE...                                            one JSON line per message
  campaigns      [--limit N] [--json] [--config FILE] [--redis URL] the top campaigns now
  block          <campaign-id | --like FILE> [--ttl 1h]             block a campaign on every Floodgate sharing Redis
  unblock        <campaign-id>
  status         [--url http://127.0.0.1:9464] [--json]             queue, rates, alerts, campaigns; exit 2 while an alert fires
  shadow         [on|off] [--url URL | --socket PATH] [--config FILE] read or switch shadow mode (with the admin token)
  bench          [--scenario NAME] [--quick] ...                    the benchmark harness
  version

Listen specs: inet:HOST:PORT, inet6:[ADDR]:PORT, unix:/path (several --listen at once).
`;

type Handler = (args: string[]) => Promise<number>;

const commands: Record<string, Handler> = {
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { config: { type: "string" }, listen: { type: "string", multiple: true }, redis: { type: "string" } },
    });
    const { runDaemon } = await import("../daemon/daemon.js");
    return runDaemon({
      configPath: values.config ?? process.env["FLOODGATE_CONFIG"] ?? null,
      ...(values.listen ? { listen: values.listen } : {}),
      ...(values.redis ? { redisUrl: values.redis } : {}),
    });
  },

  async worker(args) {
    const { values } = parseArgs({ args, options: { config: { type: "string" }, redis: { type: "string" } } });
    const { config, redisUrl, logger } = await loadForCommand(values.config, values.redis);
    const { runScanWorkerProcess } = await import("../queue/worker-processes.js");
    return runScanWorkerProcess(config, redisUrl, logger);
  },

  async "check-config"(args) {
    const { positionals } = parseArgs({ args, allowPositionals: true });
    if (positionals.length !== 1) return usage("check-config takes one FILE");
    const { checkConfigCommand } = await import("./check-config-command.js");
    return checkConfigCommand(positionals[0]!, process.stdout, process.stderr);
  },

  async fingerprint(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: "string" } },
    });
    if (positionals.length === 0) return usage("fingerprint takes one or more FILEs");
    const { config } = await loadForCommand(values.config, undefined, false);
    const { fingerprintCommand } = await import("./fingerprint-command.js");
    return fingerprintCommand(positionals, config, process.stdout);
  },

  async campaigns(args) {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: "string" },
        redis: { type: "string" },
        limit: { type: "string", default: "20" },
        json: { type: "boolean", default: false },
      },
    });
    const ctx = await openStore(values.config, values.redis);
    try {
      const { campaignsCommand } = await import("./campaigns-command.js");
      return await campaignsCommand(ctx.store, process.stdout, { limit: Number(values.limit), json: values.json });
    } finally {
      await ctx.close();
    }
  },

  async block(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        redis: { type: "string" },
        like: { type: "string" },
        ttl: { type: "string", default: "1d" },
      },
    });
    if ((positionals.length === 1) === (values.like !== undefined))
      return usage("block takes a campaign id or --like FILE");
    const ctx = await openStore(values.config, values.redis);
    try {
      const { blockCommand } = await import("./campaigns-command.js");
      const { parseDuration } = await import("./duration.js");
      const { FingerprintPool } = await import("../fingerprint/pool.js");
      const pool = values.like ? new FingerprintPool({ ...ctx.config.fingerprint, taskTimeoutMs: 60_000 }) : null;
      try {
        const target = values.like ? { likeFile: values.like } : { id: positionals[0]! };
        return await blockCommand(
          ctx.store,
          pool,
          { ...target, ttlSeconds: parseDuration(values.ttl) },
          process.stdout,
        );
      } finally {
        await pool?.close();
      }
    } finally {
      await ctx.close();
    }
  },

  async unblock(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: "string" }, redis: { type: "string" } },
    });
    if (positionals.length !== 1) return usage("unblock takes a campaign id");
    const ctx = await openStore(values.config, values.redis);
    try {
      const { unblockCommand } = await import("./campaigns-command.js");
      return await unblockCommand(ctx.store, positionals[0]!, process.stdout);
    } finally {
      await ctx.close();
    }
  },

  async status(args) {
    const { values } = parseArgs({
      args,
      options: { url: { type: "string" }, json: { type: "boolean", default: false }, config: { type: "string" } },
    });
    let url = values.url;
    if (!url) {
      const { config } = await loadForCommand(values.config, undefined, false);
      url = opsUrl(config.metrics);
    }
    const { statusCommand } = await import("./status-command.js");
    return statusCommand({ url, json: values.json }, process.stdout);
  },

  async shadow(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { url: { type: "string" }, socket: { type: "string" }, config: { type: "string" } },
    });
    const [switchTo, ...rest] = positionals;
    if (rest.length > 0 || (switchTo !== undefined && switchTo !== "on" && switchTo !== "off"))
      return usage("shadow takes on, off, or nothing (to read it)");
    const { config } = await loadForCommand(values.config, undefined, false);
    const { commandAdminToken } = await import("../ops/admin-token.js");
    const { openStateDir, resolveStateDir } = await import("../state/state-dir.js");
    const token = switchTo
      ? commandAdminToken(config.metrics, openStateDir(resolveStateDir(config.state.dir)).path)
      : null;
    const socket = values.socket ?? (values.url ? undefined : (config.metrics.socket ?? undefined));
    const target = socket !== undefined ? { socket } : { url: values.url ?? opsUrl(config.metrics) };
    const { shadowCommand } = await import("./shadow-command.js");
    return shadowCommand({ target, token: token?.token ?? null, ...(switchTo ? { switchTo } : {}) }, process.stdout);
  },

  async bench(args) {
    const { benchCommand } = await import("./bench-command.js");
    return benchCommand(args, process.stdout);
  },

  async version() {
    const pkg = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string };
    process.stdout.write(`floodgate ${pkg.version}\n`);
    return 0;
  },
};

/** The ops server's base URL from `metrics.host` and `metrics.port` (a wildcard host is reached on loopback). */
function opsUrl(metrics: { host: string; port: number }): string {
  const host = metrics.host === "0.0.0.0" ? "127.0.0.1" : metrics.host === "::" ? "::1" : metrics.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${metrics.port}`;
}

function usage(problem?: string): number {
  if (problem) process.stderr.write(`floodgate: ${problem}\n\n`);
  process.stderr.write(USAGE);
  return 64;
}

/** The configuration for a one-shot command; refuses to go on with a broken file. */
async function loadForCommand(configPath: string | undefined, redisOverride: string | undefined, needRedis = true) {
  const { loadConfig, formatConfigErrors } = await import("../config/load.js");
  const { createLogger } = await import("../util/logger.js");
  const result = loadConfig(configPath ?? process.env["FLOODGATE_CONFIG"] ?? null);
  if (!result.ok) {
    process.stderr.write(`floodgate: the configuration is not valid:\n${formatConfigErrors(result.errors)}\n`);
    process.exit(2);
  }
  const config = result.config;
  for (const warning of result.warnings) process.stderr.write(`floodgate: warning: ${warning}\n`);
  const logger = createLogger(config.log.level);
  let redisUrl = redisOverride ?? config.redis.url;
  if (needRedis && !redisUrl) {
    const { privateRedisUrl } = await import("../redis/private-server.js");
    const { openStateDir, resolveStateDir } = await import("../state/state-dir.js");
    const stateDir = resolveStateDir(config.state.dir);
    redisUrl = privateRedisUrl(openStateDir(stateDir));
    if (!redisUrl) {
      process.stderr.write(
        `floodgate: no Redis to talk to: give --redis URL, set redis.url, or start \`floodgate run\` with the state directory ${stateDir} first\n`,
      );
      process.exit(2);
    }
  }
  return { config, redisUrl: redisUrl ?? "", logger };
}

async function openStore(configPath: string | undefined, redisOverride: string | undefined) {
  const { config, redisUrl, logger } = await loadForCommand(configPath, redisOverride);
  const { createRedis } = await import("../redis/connect.js");
  const { createCampaignStore } = await import("../reputation/store.js");
  const redis = createRedis(config.redis, redisUrl, "bullmq", logger);
  const store = createCampaignStore(redis, { prefix: config.redis.prefix, campaigns: config.campaigns });
  return { config, store, close: () => store.close() };
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.exitCode = name ? 0 : usage();
    if (name) process.stdout.write(USAGE);
    return;
  }
  const handler = commands[name];
  if (!handler) {
    process.exitCode = usage(`unknown command "${name}"`);
    return;
  }
  try {
    process.exitCode = await handler(args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`floodgate ${name}: ${message}\n`);
    process.exitCode = 1;
  }
}

void main().then(() => {
  // Every command has finished its work here (run and worker after their shutdown): end even if a library left a
  // handle open.
  setTimeout(() => process.exit(), 100).unref();
});
