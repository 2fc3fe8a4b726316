/**
 * The daemon's Redis: the configured one, or with none configured the private redis-server of the state directory
 * (where the one-shot commands on this machine find it), and one connection per role (fast path, BullMQ,
 * subscriber), all closed on stop.
 */
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { createRedis } from "../redis/connect.js";
import { startPrivateRedis } from "../redis/private-server.js";
import type { StateDir } from "../state/state-dir.js";
import type { Logger } from "../util/logger.js";
import type { StopStack } from "./stops.js";

/** The daemon's Redis connections. */
export interface DaemonRedis {
  readonly url: string;
  /** The fast path's connection (the campaign store, readiness). */
  readonly fast: Redis | Cluster;
  /** A new connection for `role`, closed with the others on stop. */
  connect(role: "fastpath" | "bullmq" | "subscriber" | "console"): Redis | Cluster;
}

/** Start (or find) Redis and open the fast path's connection. */
export async function startRedis(
  config: Config,
  state: StateDir,
  logger: Logger,
  stops: StopStack,
): Promise<DaemonRedis> {
  let url = config.redis.url;
  if (url === null) {
    const server = await startPrivateRedis(state, config.redis.private, logger);
    stops.push(() => server.stop());
    url = server.url;
    logger.info({ socket: server.socket }, "no Redis configured: started the private redis-server");
  }
  const connections: Array<Redis | Cluster> = [];
  stops.push(() => Promise.all(connections.map((r) => r.quit().catch(() => r.disconnect()))));
  const redisUrl = url;
  const connect = (role: "fastpath" | "bullmq" | "subscriber" | "console") => {
    const connection = createRedis(config.redis, redisUrl, role, logger);
    connections.push(connection);
    return connection;
  };
  return { url: redisUrl, fast: connect("fastpath"), connect };
}
