/**
 * The mail path's Redis command timeout (`redis.commandTimeoutMs`) with a real redis-server: a reply that came while
 * the process was off the CPU for longer than the timeout answers the command (it is read before the timeout is
 * judged), and a Redis that does not answer still fails the command with a timeout while it is stopped; a settled
 * command is let go by the next command of its timeout, not kept with its arguments for the whole timeout.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Cluster, Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { createRedis } from "../../src/redis/connect.js";
import { classifyRedisError } from "../../src/redis/errors.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { collectGarbage } from "../support/gc.js";

const TIMEOUT_MS = defaultConfig().redis.commandTimeoutMs;

/** Writes a 1 MiB sample and returns a weak reference to it: nothing of this frame outlives the call. */
async function setSample(redis: Redis | Cluster, i: number): Promise<WeakRef<Buffer>> {
  const sample = Buffer.alloc(1 << 20, i);
  assert.equal(await redis.set(`sample-${i}`, sample, "EX", 60), "OK");
  return new WeakRef(sample);
}

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

  test("a settled command's arguments are let go at the next command, not kept for its timeout", async () => {
    // The console's connection: a 2.5 s timeout, and writes that carry whole message samples.
    const consoleRedis = createRedis(defaultConfig().redis, server.url, "console");
    try {
      if (consoleRedis.status !== "ready") await once(consoleRedis, "ready");
      const sent: WeakRef<Buffer>[] = [];
      for (let i = 0; i < 8; i++) sent.push(await setSample(consoleRedis, i));
      assert.equal(await consoleRedis.ping(), "PONG");
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      const kept = sent.filter((ref) => ref.deref() !== undefined).length;
      assert.equal(kept, 0, `${kept} of 8 answered 1 MiB arguments still held, long before their 2.5 s timeout`);
    } finally {
      consoleRedis.disconnect();
    }
  });
});
