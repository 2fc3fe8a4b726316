/**
 * A build's `floodgate run` for the benchmarks that set one build against another (benchmarks/daemon-ab.ts,
 * costly-flood.ts): the daemon of the checkout at `root` (its dist/ built), started by that build's own harness so
 * that each runs as that build starts it, on a scratch Redis of its own.
 */
import { join } from "node:path";
import { startScratchRedis, type ScratchRedis } from "../redis/scratch-server.js";
import type { ConfigOverrides, FloodgateDaemon, startFloodgate } from "./floodgate.js";

/** One build's daemon and its Redis. */
export interface BuildDaemon {
  name: string;
  daemon: FloodgateDaemon;
  redis: ScratchRedis;
}

/** Start the daemon of the build at `root`, named `name`, with its log and configuration in `dir`. */
export async function startBuildDaemon(
  name: string,
  root: string,
  dir: string,
  overrides: ConfigOverrides,
): Promise<BuildDaemon> {
  const module = (await import(join(root, "dist/src/harness/floodgate.js"))) as {
    startFloodgate: typeof startFloodgate;
  };
  const redis = await startScratchRedis();
  try {
    const daemon = await module.startFloodgate({ redisUrl: redis.url, dir, name, overrides });
    return { name, daemon, redis };
  } catch (err) {
    await redis.stop();
    throw err;
  }
}

/** Stop the daemon, then its Redis. */
export async function stopBuildDaemon(build: BuildDaemon): Promise<void> {
  await build.daemon.stop();
  await build.redis.stop();
}
