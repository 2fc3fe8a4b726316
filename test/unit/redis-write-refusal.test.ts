/**
 * A Redis that refuses writes, as pure logic: which errors are refusals, how long writes have been refused, when a
 * connection reconnects on READONLY, and how full a Redis is from INFO memory.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { READONLY_RECONNECT_MS, reconnectOnReadonly } from "../../src/redis/connect.js";
import { parseInfoMemory } from "../../src/redis/memory.js";
import { RedisWrites, writeRefusalOf } from "../../src/redis/write-refusal.js";

const READONLY = new Error("READONLY You can't write against a read only replica.");
const OOM = new Error("OOM command not allowed when used memory > 'maxmemory'.");

void describe("write refusals", () => {
  void test("READONLY and OOM are refusals; other errors are not", () => {
    assert.equal(writeRefusalOf(READONLY), "readonly");
    assert.equal(writeRefusalOf(OOM), "oom");
    assert.equal(writeRefusalOf(new Error("Connection is closed.")), null);
    assert.equal(writeRefusalOf(new Error("ERR wrong number of arguments")), null);
    assert.equal(writeRefusalOf("READONLY"), null);
  });

  void test("refused for as long as since the last accepted write; an accepted write ends it", () => {
    let now = 1_000_000;
    const writes = new RedisWrites(() => now);
    assert.deepEqual(writes.health(), { refusing: false, reason: null, refusingSeconds: 0, lastError: null });
    writes.accepted();
    now += 4000;
    assert.equal(writes.refused(READONLY), "readonly");
    now += 3000;
    assert.deepEqual(writes.health(), {
      refusing: true,
      reason: "readonly",
      refusingSeconds: 7,
      lastError: READONLY.message,
    });
    assert.equal(writes.refused(new Error("Connection is closed.")), null, "not a refusal: nothing recorded");
    assert.equal(writes.health().reason, "readonly");
    writes.accepted();
    assert.equal(writes.health().refusing, false);
  });

  void test("refusing from the start: counted from the first refusal seen", () => {
    let now = 5000;
    const writes = new RedisWrites(() => now);
    writes.refused(OOM);
    now += 2500;
    assert.equal(writes.health().refusingSeconds, 2.5);
    assert.equal(writes.health().reason, "oom");
  });
});

void describe("reconnecting on READONLY", () => {
  void test("a READONLY answer reconnects, at most once per READONLY_RECONNECT_MS; other errors never", () => {
    let now = 0;
    const fast = reconnectOnReadonly("fastpath", () => now);
    assert.equal(fast(new Error("ERR unknown command")), false);
    assert.equal(fast(OOM), false, "a server at maxmemory is the right one: no reconnect");
    assert.equal(fast(READONLY), 1, "the mail path's command is not sent again");
    now += READONLY_RECONNECT_MS - 1;
    assert.equal(fast(READONLY), false);
    now += 1;
    assert.equal(fast(READONLY), 1);
    assert.equal(reconnectOnReadonly("bullmq", () => 0)(READONLY), 2, "BullMQ's command is sent again");
  });
});

void describe("INFO memory", () => {
  void test("used over maxmemory; no limit is no ratio", () => {
    const info = (max: number) => `# Memory\r\nused_memory:8388608\r\nused_memory_human:8.00M\r\nmaxmemory:${max}\r\n`;
    assert.deepEqual(parseInfoMemory(info(10485760)), { usedBytes: 8388608, maxBytes: 10485760, ratio: 0.8 });
    assert.deepEqual(parseInfoMemory(info(0)), { usedBytes: 8388608, maxBytes: 0, ratio: null });
    assert.throws(() => parseInfoMemory("# Memory\r\n"), /used_memory/);
  });
});
