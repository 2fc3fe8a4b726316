/**
 * A process running the TypeScript engine with the crossings-only policy (./crossings-policy.ts): the no-op engine
 * process of ./noop-daemon.ts plus Floodgate's fingerprint pool with a task that does not read the message
 * (./crossing-task.ts) and a private Redis as `floodgate run` starts it (a unix socket in a state directory of its
 * own, a password; a child of this process), reached on the mail path's kind of connection. No fingerprint, no
 * store, no metrics, no ops server. Started with the daemon's V8 flags (src/harness/targets.ts). Usage:
 * `node dist/src/harness/crossings-daemon.js inet:127.0.0.1:PORT STATE_DIR [logLevel]`; prints `listening <spec>`
 * on stdout, stops on SIGTERM or SIGINT, or when its parent goes away (stdin closes).
 */
import { join } from "node:path";
import { defaultConfig } from "../config/schema.js";
import { startMilterServer } from "../engine/typescript/server.js";
import { FingerprintPool } from "../fingerprint/pool.js";
import { createRedis } from "../redis/connect.js";
import { startPrivateRedis } from "../redis/private-server.js";
import { openStateDir } from "../state/state-dir.js";
import { createLogger } from "../util/logger.js";
import { serveUntilStopped } from "./bench-milter-process.js";
import { crossingsPolicy } from "./crossings-policy.js";

const spec = process.argv[2] ?? "inet:127.0.0.1:0";
const stateDir = process.argv[3];
if (!stateDir) throw new Error("usage: crossings-daemon.js SPEC STATE_DIR [logLevel]");
const logger = createLogger(process.argv[4] ?? "warn", "floodgate-crossings");
const config = defaultConfig();
const redisServer = await startPrivateRedis(openStateDir(stateDir), config.redis.private, logger);
const redis = createRedis(config.redis, redisServer.url, "fastpath", logger);
// No logger for the pool: it logs each message its task made no fingerprint of, which here is every one.
const pool = new FingerprintPool(config.fingerprint, undefined, {
  taskFile: join(import.meta.dirname, "crossing-task.js"),
});
await pool.ready();
const server = await startMilterServer({
  listen: [spec],
  policy: crossingsPolicy(pool, redis),
  settings: () => config.milter,
  logger,
});
serveUntilStopped(server, async () => {
  await pool.close();
  redis.disconnect();
  await redisServer.stop();
});
