/**
 * The Redis connection factory: one place that knows how Floodgate talks to Redis in each deployment mode
 * (standalone, Cluster, Sentinel) and for each role.
 *
 * - `fastpath`: the mail path's connection. It fails fast so the policy can apply its fail mode inside the
 *   end-of-message deadline: a command timeout (judged after the loop has read the reply: ./command-timeout.ts), no
 *   offline queue, one retry, and reconnection forever with a capped backoff (the next message simply tries again).
 * - `bullmq`: BullMQ's connections, which must wait out outages (`maxRetriesPerRequest: null`).
 * - `subscriber`: pub/sub (verdict waiters); resubscribes after a reconnect, never times commands out.
 * Every role reconnects when Redis answers READONLY (reconnectOnReadonly).
 *
 * Errors are logged with the URL's password redacted, at most once per distinct message every 10 s, so an outage
 * does not flood the log; an `error` listener is always attached so a Redis outage never crashes the process.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import type { Config } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import { redactUrl, redactUrlsIn } from "../util/redact-url.js";
import { judgeCommandTimeoutsAfterReading } from "./command-timeout.js";

/** What a connection is used for; it sets the timeouts and retry behaviour. */
export type RedisRole = "fastpath" | "bullmq" | "subscriber" | "console";

/** Delay before reconnect attempt `times`: 50 ms doubling, capped at 2 s, forever. */
export function reconnectDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 10), 2000);
}

/** Split "host:port" (or "[v6]:port") into its parts; throws on a malformed entry. */
export function parseHostPort(spec: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(spec.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new Error(`invalid Redis node "${spec}": expected host:port`);
  return { host: (m[1] ?? m[2]) as string, port };
}

type Credentials = Pick<RedisOptions, "username" | "password" | "db" | "tls">;

/** Credentials and database from a redis:// URL (used for Cluster and Sentinel, where nodes come from the config). */
function credentials(url: string): Credentials {
  if (!url) return {};
  const u = new URL(url);
  const out: Credentials = {};
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, "");
  if (db) out.db = Number(db);
  if (u.protocol === "rediss:") out.tls = {};
  return out;
}

/**
 * The connection options of a `unix:///path/redis.sock?password=…&username=…&db=N` URL (redis-py's form; ioredis
 * reads no credentials from a socket URL), or null for any other URL.
 */
export function unixSocketOptions(url: string): (Credentials & { path: string }) | null {
  if (!url.startsWith("unix:")) return null;
  const u = new URL(url);
  if (!u.pathname || u.pathname === "/") throw new Error("a unix: Redis URL needs the socket's path");
  const out: Credentials & { path: string } = { path: decodeURIComponent(u.pathname) };
  const password = u.searchParams.get("password");
  const username = u.searchParams.get("username") ?? u.searchParams.get("user");
  const db = u.searchParams.get("db");
  if (password) out.password = password;
  if (username) out.username = username;
  if (db) out.db = Number(db);
  return out;
}

function roleOptions(config: Config["redis"], role: RedisRole): RedisOptions {
  switch (role) {
    case "fastpath":
      return {
        commandTimeout: config.commandTimeoutMs,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: Math.max(1000, config.commandTimeoutMs * 4),
        retryStrategy: reconnectDelay,
        connectionName: "floodgate-fastpath",
      };
    case "bullmq":
      return { maxRetriesPerRequest: null, retryStrategy: reconnectDelay, connectionName: "floodgate-bullmq" };
    case "console":
      // The console's reads, searches and samples: bounded, never queued behind a dead connection, never on the
      // fast path's connection.
      return {
        commandTimeout: Math.max(2000, config.commandTimeoutMs * 10),
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: Math.max(1000, config.commandTimeoutMs * 4),
        retryStrategy: reconnectDelay,
        connectionName: "floodgate-console",
      };
    case "subscriber":
      return {
        maxRetriesPerRequest: null,
        autoResubscribe: true,
        retryStrategy: reconnectDelay,
        connectionName: "floodgate-subscriber",
      };
  }
}

/** How often at most a connection reconnects because Redis answered READONLY. */
export const READONLY_RECONNECT_MS = 2000;

/**
 * A server that answers READONLY is a replica: after a failover the old master, or a URL naming a replica. Reconnect,
 * so Sentinel is asked for the master again (a standalone URL reaches the same server: hence at most once every
 * READONLY_RECONNECT_MS, not at every command). The mail path's command fails at once (its fail-safe read applies);
 * BullMQ's is sent again once connected (a refused write was not done).
 */
export function reconnectOnReadonly(role: RedisRole, clock: () => number = Date.now): (err: Error) => boolean | 1 | 2 {
  let last = -Infinity;
  return (err) => {
    if (!/\bREADONLY\b/.test(err.message)) return false;
    const now = clock();
    if (now - last < READONLY_RECONNECT_MS) return false;
    last = now;
    return role === "fastpath" ? 1 : 2;
  };
}

/**
 * Connect to Redis for one role. `url` is the redis:// URL (the configured one, or the private server's); in
 * Cluster and Sentinel modes only its credentials and database are used and the nodes come from the config.
 * The connection starts at once; attach nothing else to it before use: an `error` listener is already there.
 */
export function createRedis(config: Config["redis"], url: string, role: RedisRole, logger?: Logger): Redis | Cluster {
  judgeCommandTimeoutsAfterReading();
  const options: RedisOptions = { ...roleOptions(config, role), reconnectOnError: reconnectOnReadonly(role) };
  let client: Redis | Cluster;
  if (config.mode === "cluster") {
    if (config.clusterNodes.length === 0) throw new Error("redis.mode is cluster but redis.clusterNodes is empty");
    const { enableOfflineQueue, retryStrategy, ...perNode } = options;
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...perNode, ...credentials(url) },
      clusterRetryStrategy: (times) => (retryStrategy ?? reconnectDelay)(times) ?? reconnectDelay(times),
    };
    if (enableOfflineQueue !== undefined) clusterOptions.enableOfflineQueue = enableOfflineQueue;
    client = new Cluster(config.clusterNodes.map(parseHostPort), clusterOptions);
  } else if (config.mode === "sentinel") {
    if (config.sentinels.length === 0) throw new Error("redis.mode is sentinel but redis.sentinels is empty");
    client = new Redis({
      ...options,
      ...credentials(url),
      sentinels: config.sentinels.map(parseHostPort),
      name: config.sentinelName,
      sentinelRetryStrategy: reconnectDelay,
    });
  } else {
    const socket = unixSocketOptions(url);
    client = socket ? new Redis({ ...options, ...socket }) : new Redis(url, options);
  }
  watch(client, url, role, config.mode, logger);
  return client;
}

function watch(client: Redis | Cluster, url: string, role: RedisRole, mode: string, logger?: Logger): void {
  const where = { role, mode, url: url ? redactUrl(url) : undefined };
  let lastMessage = "";
  let lastAt = 0;
  let failing = false;
  client.on("error", (err: Error) => {
    const now = Date.now();
    if (err.message !== lastMessage || now - lastAt > 10_000) {
      logger?.warn({ ...where, err: redactUrlsIn(err.message) }, "redis connection error");
      lastMessage = err.message;
      lastAt = now;
    }
    failing = true;
  });
  client.on("ready", () => {
    if (failing) logger?.info(where, "redis connection ready again");
    failing = false;
    lastMessage = "";
  });
}
