/**
 * A benchmark-only policy: the least any implementation of Floodgate's design does per message, with none of its
 * work. At end of message it hands the message to a thread of the fingerprint pool, as Floodgate's policy does
 * (src/policy/floodgate-policy.ts), whose task answers at once without reading it (./crossing-task.ts), then asks
 * Redis one thing (a GET) on the daemon's kind of connection, then answers continue with one header
 * (./header-only-policy.ts). The design sends every message to a thread pool for its fingerprint and decides on one
 * Redis lookup; this path costs those two crossings alone, so a real-flow run shows how much of the floors they
 * leave for the fingerprint and the store.
 */
import type { Redis, Cluster } from "ioredis";
import type { FingerprintSource } from "../policy/floodgate-policy.js";
import type { MilterPolicy } from "../vocabulary/policy-api.js";
import { headerOnlyPolicy } from "./header-only-policy.js";

/** The header the policy adds to every message: `<thread>; <lookup>`, each `ok` or what failed. */
export const CROSSINGS_HEADER = "X-Floodgate-Crossings";

/** The key it reads: never written, so every lookup finds nothing, as a new campaign's does. */
const LOOKUP_KEY = "fg:crossings:none";

/** The policy over `pool` and `redis`. */
export function crossingsPolicy(pool: FingerprintSource, redis: Redis | Cluster): MilterPolicy {
  return headerOnlyPolicy("crossings-only", CROSSINGS_HEADER, async (message, deadline) => {
    const outcome = await pool.fingerprint(message.raw, { withinMs: deadline.remaining() });
    // The task answers every message "unparsed": that is the thread's round trip done.
    const thread = outcome.status === "ok" || outcome.reason === "unparsed" ? "ok" : outcome.reason;
    const lookup = await redis.get(LOOKUP_KEY).then(
      () => "ok",
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    return `${thread}; ${lookup}`;
  });
}
