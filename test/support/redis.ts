/**
 * Test support: one private redis-server per test file, and a unique key prefix per test.
 * A missing redis-server fails the test with the reason; it never skips.
 */
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import { once } from "node:events";
import type { Cluster, Redis } from "ioredis";
import { defaultConfig, type Config } from "../../src/config/schema.js";
import { createRedis } from "../../src/redis/connect.js";
import { startScratchRedis, type ScratchRedis } from "../../src/redis/scratch-server.js";

/** A test file's own redis-server on a loopback port. */
export type TestRedis = ScratchRedis;

/** Start a Redis for a test file; call `stop()` in `after`. */
export function startTestRedis(): Promise<TestRedis> {
  return startScratchRedis();
}

/** A key prefix no other test uses. */
export function uniquePrefix(name = "t"): string {
  return `${name}-${randomBytes(4).toString("hex")}`;
}

/** A test Redis, the defaults, and the mail path's connection to it, for the campaign store's tests. */
export interface StoreRedis {
  server: TestRedis;
  config: Config;
  redis: Redis | Cluster;
}

/**
 * Start a test Redis and connect to it as the mail path does, without its short deadline: these tests queue a hundred
 * scripts at once on a shared machine, and what they check is the outcome, not the time.
 */
export async function startStoreRedis(): Promise<StoreRedis> {
  const server = await startTestRedis();
  return { server, config: defaultConfig(), redis: await storeConnection(server.url) };
}

/** The mail path's connection to the Redis at `url`, ready, without its short deadline (see `startStoreRedis`). */
export async function storeConnection(url: string): Promise<Redis | Cluster> {
  const redis = createRedis({ ...defaultConfig().redis, commandTimeoutMs: 30_000 }, url, "fastpath");
  await redis.ping().catch(async () => {
    await once(redis, "ready");
  });
  return redis;
}

/** In a describe: `startStoreRedis` before its tests (the fields are filled in then), stopped after them. */
export function useStoreRedis(): StoreRedis {
  const fixture = {} as StoreRedis;
  before(async () => {
    Object.assign(fixture, await startStoreRedis());
  });
  after(() => stopStoreRedis(fixture));
  return fixture;
}

/** Disconnect and stop what `startStoreRedis` started. */
export async function stopStoreRedis(store: StoreRedis | undefined): Promise<void> {
  store?.redis.disconnect();
  await store?.server.stop();
}
