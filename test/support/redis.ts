/**
 * Test support: one private redis-server per test file, and a unique key prefix per test.
 * A missing redis-server fails the test with the reason; it never skips.
 */
import { randomBytes } from "node:crypto";
import { startPrivateRedis, type PrivateRedis } from "../../src/redis/private-server.js";

export type { PrivateRedis };

/** Start a private Redis for a test file; call `stop()` in `after`. */
export function startTestRedis(): Promise<PrivateRedis> {
  return startPrivateRedis();
}

/** A key prefix no other test uses. */
export function uniquePrefix(name = "t"): string {
  return `${name}-${randomBytes(4).toString("hex")}`;
}
