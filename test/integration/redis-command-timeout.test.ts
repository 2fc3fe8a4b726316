/**
 * The mail path's Redis command timeout (`redis.commandTimeoutMs`) with a real redis-server: a reply that came while
 * the process was off the CPU for longer than the timeout answers the command (it is read before the timeout is
 * judged), and a Redis that does not answer still fails the command with a timeout while it is stopped.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Cluster, Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { createRedis } from "../../src/redis/connect.js";
import { classifyRedisError } from "../../src/redis/errors.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";

const TIMEOUT_MS = defaultConfig().redis.commandTimeoutMs;

/** The main thread asleep for `ms`, as a process the scheduler keeps off the CPU: no timer, no socket read. */
function offTheCpu(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe("the mail path's Redis command timeout", () => {
  let server: TestRedis;
  let redis: Redis | Cluster;
  before(async () => {
    server = await startTestRedis();
    redis = createRedis(defaultConfig().redis, server.url, "fastpath");
    if (redis.status !== "ready") await once(redis, "ready");
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  test("a reply that came while the process was off the CPU past the timeout answers the command", async () => {
    // Redis answers a PING at once; the process sleeps four timeouts, then finds its timers due and the reply waiting.
    for (let i = 0; i < 10; i++) {
      const reply = redis.ping();
      offTheCpu(4 * TIMEOUT_MS);
      assert.equal(await reply, "PONG", `round ${i}`);
    }
  });

  test("a Redis that does not answer fails the command with a timeout while it is stopped", async () => {
    server.process.kill("SIGSTOP");
    try {
      const outcome = await Promise.race([
        redis.ping().then(
          () => "answered",
          (err: Error) => err,
        ),
        new Promise((resolve) => setTimeout(() => resolve("still waiting"), 40 * TIMEOUT_MS)),
      ]);
      assert.ok(outcome instanceof Error, `not timed out while Redis was stopped: ${String(outcome)}`);
      assert.match(outcome.message, /Command timed out/);
      assert.equal(classifyRedisError(outcome), "timeout");
    } finally {
      server.process.kill("SIGCONT");
    }
    assert.equal(await redis.ping(), "PONG", "answers again once Redis runs");
  });
});
