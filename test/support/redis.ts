/**
 * Test support: one private redis-server per test file, and a unique key prefix per test.
 * A missing redis-server fails the test with the reason; it never skips.
 */
import { randomBytes } from "node:crypto";
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
