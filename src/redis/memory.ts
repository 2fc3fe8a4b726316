/**
 * How full the fast-path Redis is: `used_memory` against `maxmemory` from INFO memory. Past `maxmemory` a Redis with
 * `noeviction` (BullMQ needs it) refuses writes, so the ratio is the signal that warns well before. Of a Cluster, the
 * fullest master counts: the one deployment's keys live on one shard (see src/reputation/store.ts).
 */
import { Cluster, type Redis } from "ioredis";

/** Memory of one Redis (or the fullest master of a Cluster). */
export interface RedisMemory {
  usedBytes: number;
  /** 0 when it has no limit. */
  maxBytes: number;
  /** usedBytes / maxBytes; null when it has no limit. */
  ratio: number | null;
}

/** Parse the `# Memory` section of INFO. */
export function parseInfoMemory(info: string): RedisMemory {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:(\\d+)\\r?$`, "m").exec(info);
    if (!m) throw new Error(`INFO memory has no ${name}`);
    return Number(m[1]);
  };
  const usedBytes = field("used_memory");
  const maxBytes = field("maxmemory");
  return { usedBytes, maxBytes, ratio: maxBytes > 0 ? usedBytes / maxBytes : null };
}

/** The memory of the Redis behind a connection. */
export async function redisMemory(connection: Redis | Cluster): Promise<RedisMemory> {
  if (!(connection instanceof Cluster)) return parseInfoMemory(await connection.info("memory"));
  const masters = await Promise.all(
    connection.nodes("master").map(async (n) => parseInfoMemory(await n.info("memory"))),
  );
  if (masters.length === 0) throw new Error("the cluster has no master to ask");
  return masters.reduce((a, b) => ((b.ratio ?? 0) > (a.ratio ?? 0) ? b : a));
}
