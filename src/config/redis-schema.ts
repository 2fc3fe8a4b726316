/**
 * The `redis` section: which Redis holds the campaigns, how it is reached, and the private redis-server.
 */
import { z } from "zod";
import { count, ms } from "./schema-fields.js";

export const redisSchema = z
  .object({
    /**
     * redis://[user:password@]host:port/db, rediss://…, or unix:///path/redis.sock?password=…&db=N; null starts a
     * private redis-server in the state directory. @defaultValue null
     */
    url: z.string().url().nullable().default(null),
    /** How `url` (or the nodes below) is reached. @defaultValue "standalone" */
    mode: z.enum(["standalone", "cluster", "sentinel"]).default("standalone"),
    /** Cluster seed nodes, "host:port". @defaultValue [] */
    clusterNodes: z.array(z.string()).default([]),
    /** Sentinel endpoints, "host:port". @defaultValue [] */
    sentinels: z.array(z.string()).default([]),
    /** The master's name at the sentinels. @defaultValue "mymaster" */
    sentinelName: z.string().default("mymaster"),
    /** Key prefix; keys carry hash tags so that a Redis Cluster works. @defaultValue "fg" */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]+$/)
      .default("fg"),
    /** A Redis command on the mail path fails after this long. @defaultValue 250 */
    commandTimeoutMs: ms(250),
    /**
     * The private redis-server started when `url` is null: on a unix socket in the state directory's `redis`
     * subdirectory, with a random password, an append-only file fsynced every second, and `noeviction`.
     */
    private: z
      .object({
        /** @defaultValue "redis-server" */
        binary: z.string().default("redis-server"),
        /**
         * Its `maxmemory`, MiB. At the limit Redis refuses writes (known verdicts and blocks still apply, new
         * campaigns are not counted); `floodgate_redis_memory_used_ratio` alerts well before. @defaultValue 1024
         */
        maxMemoryMb: count(1024, 16, 1_048_576),
      })
      .strict()
      .prefault({}),
  })
  .strict();
