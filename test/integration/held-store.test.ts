/**
 * The records of held copies in a real Redis: bounded per campaign and host, counted per host, each host's own,
 * forgotten only when removed, and an operator's order readable by every host.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createHeldStore, type HeldStore } from "../../src/reputation/held.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";

describe("held copies in Redis", () => {
  let redis: TestRedis;
  let client: Redis;
  let held: HeldStore;

  before(async () => {
    redis = await startTestRedis();
    client = new Redis(redis.url);
    held = createHeldStore(client, uniquePrefix("held"));
  });
  after(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  test("recorded per campaign and host, bounded, counted, removed", async () => {
    const c = "0123456789ab";
    assert.equal(await held.record(c, "mx1", "4jfTzR6M0dzJqqP", 2, 1000), true);
    assert.equal(await held.record(c, "mx1", "4jfTzR6M0dzJqqP", 2, 1001), true, "the same id again is no new copy");
    assert.equal(await held.record(c, "mx1", "4jfTzR6t12zJqqQ", 2, 1002), true);
    assert.equal(await held.record(c, "mx1", "4jfTzR6t13zJqqR", 2, 1003), false, "past the bound");
    assert.equal(await held.record(c, "mx2", "4jfTzR6t14zJqqS", 2, 1004), true, "another host has its own bound");
    assert.equal(await held.count("mx1"), 2);
    assert.equal(await held.count("mx2"), 1);
    assert.equal(await held.countCampaign(c), 3);
    assert.deepEqual(await held.campaigns("mx1", 10), [c]);
    assert.deepEqual(
      (await held.copies(c, "mx1", 10, 1000)).map((x) => x.id),
      ["4jfTzR6M0dzJqqP"],
      "only those held up to then",
    );
    assert.equal(await held.remove(c, "mx1", ["4jfTzR6M0dzJqqP", "4jfTzR6M0dzJqqP", "nothere"]), 1);
    assert.equal(await held.count("mx1"), 1);
    assert.deepEqual(await held.campaigns("mx1", 10), [c]);
    await held.remove(c, "mx1", ["4jfTzR6t12zJqqQ"]);
    assert.deepEqual(await held.campaigns("mx1", 10), [], "the campaign leaves the host's index with its last copy");
    assert.deepEqual(await held.campaigns("mx2", 10), [c]);
    await assert.rejects(held.record(c, "mx 1/..", "4jfTzR6t14zJqqS", 2), /not a host name/);
  });

  test("an operator's order and a sample", async () => {
    const c = "ba9876543210";
    assert.equal(await held.orderOf(c), null);
    await held.order(c, "delete", { actor: "operator:ann", reason: "phishing" }, 5000);
    assert.deepEqual(await held.orderOf(c), { action: "delete", actor: "operator:ann", reason: "phishing", at: 5000 });
    await held.saveSample(c, Buffer.from("first"), 60);
    await held.saveSample(c, Buffer.from("second"), 60);
    assert.equal((await held.sample(c))?.toString(), "first", "the first sample stays");
  });
});
