/**
 * The Redis connection factory: node parsing, the reconnect backoff, mode checks, and that an unreachable
 * server is logged without its password. Nothing listens on the port used here (a free one), so no server runs.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Cluster, Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { createRedis, parseHostPort, reconnectDelay } from "../../src/redis/connect.js";
import type { Logger } from "../../src/util/logger.js";
import { freePort } from "../../src/util/tcp-port.js";

void describe("parseHostPort", () => {
  const good: Array<[string, { host: string; port: number }]> = [
    ["127.0.0.1:7000", { host: "127.0.0.1", port: 7000 }],
    ["redis-a.internal:26379", { host: "redis-a.internal", port: 26379 }],
    ["[::1]:7001", { host: "::1", port: 7001 }],
  ];
  for (const [spec, expected] of good) void test(spec, () => assert.deepEqual(parseHostPort(spec), expected));
  for (const spec of ["127.0.0.1", "host:0", "host:70000", ":7000", "::1:7000", "host:port"]) {
    void test(`refuses ${spec}`, () =>
      assert.throws(() => parseHostPort(spec), /invalid Redis node .*: expected host:port/));
  }
});

void describe("reconnectDelay", () => {
  void test("grows and is capped at 2 s, forever", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(reconnectDelay), [100, 200, 400, 800, 1600, 2000]);
    assert.equal(reconnectDelay(10_000), 2000);
  });
});

void describe("createRedis", () => {
  void test("cluster and sentinel modes need their nodes", () => {
    const c = defaultConfig().redis;
    assert.throws(() => createRedis({ ...c, mode: "cluster" }, "", "fastpath"), /redis.clusterNodes is empty/);
    assert.throws(() => createRedis({ ...c, mode: "sentinel" }, "", "fastpath"), /redis.sentinels is empty/);
  });

  void test("each mode gives its client kind", () => {
    const c = defaultConfig().redis;
    const cluster = createRedis({ ...c, mode: "cluster", clusterNodes: ["127.0.0.1:1"] }, "redis://:pw@x:1", "bullmq");
    const sentinel = createRedis(
      { ...c, mode: "sentinel", sentinels: ["127.0.0.1:1"] },
      "redis://:pw@x:1/2",
      "subscriber",
    );
    try {
      assert.ok(cluster instanceof Cluster);
      assert.ok(sentinel instanceof Redis);
      assert.equal(sentinel.options.name, "mymaster");
      assert.equal(sentinel.options.password, "pw");
      assert.equal(sentinel.options.db, 2);
      assert.equal(sentinel.options.maxRetriesPerRequest, null);
    } finally {
      cluster.disconnect();
      sentinel.disconnect();
    }
  });

  void test("an outage of a unix-socket Redis is logged without its ?password=", async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (obj: unknown) => warnings.push(obj), info: () => undefined } as unknown as Logger;
    const url = "unix:///nonexistent/floodgate/redis.sock?password=s3cret";
    const redis = createRedis(defaultConfig().redis, url, "fastpath", logger) as Redis;
    try {
      assert.equal(redis.options.path, "/nonexistent/floodgate/redis.sock");
      assert.equal(redis.options.password, "s3cret");
      await once(redis, "error");
      const text = JSON.stringify(warnings);
      assert.ok(warnings.length >= 1 && !text.includes("s3cret"), text);
      assert.match(text, /password=\[redacted\]/);
    } finally {
      redis.disconnect();
    }
  });

  void test("the fast path fails fast and an outage is logged without the password", async () => {
    const port = await freePort();
    const warnings: unknown[] = [];
    const logger = { warn: (obj: unknown) => warnings.push(obj), info: () => undefined } as unknown as Logger;
    const redis = createRedis(defaultConfig().redis, `redis://:s3cret@127.0.0.1:${port}`, "fastpath", logger) as Redis;
    try {
      assert.equal(redis.options.enableOfflineQueue, false);
      assert.equal(redis.options.maxRetriesPerRequest, 1);
      assert.equal(redis.options.commandTimeout, 250);
      await once(redis, "error");
      await assert.rejects(redis.get("k"), /enableOfflineQueue|Connection is closed/);
      assert.ok(warnings.length >= 1);
      const text = JSON.stringify(warnings);
      assert.ok(!text.includes("s3cret"), text);
      assert.match(text, /\[redacted\]/);
    } finally {
      redis.disconnect();
    }
  });
});
