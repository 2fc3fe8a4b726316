// The console's samples and search on a real Redis: a campaign's samples are bounded lists of the newest values, the
// sample message is capped and kept for the retention time, a campaign is sampled at most perCampaignPerMinute times
// a minute, only from a campaign's fromCopies-th copy (one-off mail is not kept), and a search finds campaigns by id or subject while looking at no more than its scan limit.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { SampleStore, type SampleSettings } from "../../src/reputation/samples.js";
import { searchCampaigns } from "../../src/reputation/search.js";
import { createCampaignStore } from "../../src/reputation/store.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";
import { pollUntil } from "../support/poll.js";

function fingerprintOf(n: number, subject = `campaign ${n}`, linkDomains: string[] = []) {
  const minhash = Array.from({ length: 32 }, (_, i) => (n * 7919 + i * 104729 + 17) >>> 0);
  return {
    ...syntheticFingerprint({ minhash, direct: `samples-${n}`, subject, words: 200, bytesParsed: 500 }),
    linkDomains,
  };
}

describe("console samples and search", () => {
  let server: TestRedis;
  let redis: Redis;

  before(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  test("bounded, capped, expiring samples of campaigns only, at most perCampaignPerMinute copies a minute", async () => {
    const prefix = uniquePrefix("samples");
    const settings: SampleSettings = {
      ...defaultConfig().console.samples,
      maxValues: 3,
      perCampaignPerMinute: 5,
      maxMessageBytes: 1024,
      retentionSeconds: 600,
    };
    const samples = new SampleStore(redis, prefix, () => settings);
    const id = "0123456789ab";
    const oneOff = "ba9876543210";
    const now = 60_000 * 1000;
    const message = Buffer.from("Subject: one-off\r\n\r\nto one person");
    samples.offer({
      campaignId: oneOff,
      copies: 1,
      fingerprint: fingerprintOf(2),
      message,
      sender: "",
      clientIp: null,
      now,
    });
    for (let i = 0; i < 8; i++) {
      samples.offer({
        campaignId: id,
        copies: i + 2,
        fingerprint: fingerprintOf(1, `subject ${i}`, [`d${i}.example`]),
        message: Buffer.from(`Subject: first\r\n\r\n${"x".repeat(5000)}`),
        sender: `s@Sender${i}.example`,
        clientIp: `192.0.${i}.1`,
        now: now + i,
      });
    }
    const kept = await pollUntil("the samples to be written", async () => {
      const r = await samples.read(id);
      return r.subjects[0] === "subject 4" ? r : null;
    });
    assert.deepEqual(kept.subjects, ["subject 4", "subject 3", "subject 2"], "the newest 3 of the 5 sampled copies");
    assert.deepEqual(kept.senderDomains, ["sender4.example", "sender3.example", "sender2.example"]);
    assert.deepEqual(kept.clientNetworks, ["192.0.4.0/24", "192.0.3.0/24", "192.0.2.0/24"]);
    assert.equal(kept.message?.length, 1024, "the sample message is capped");
    assert.equal(kept.messageAt, now, "the first sampled copy is kept");
    const ttl = await redis.ttl(`${prefix}:{${prefix}}:c:${id}:s:msg`);
    assert.ok(ttl > 590 && ttl <= 600, `kept for the retention time (ttl ${ttl})`);
    const zset = await redis.zcard(`${prefix}:{${prefix}}:c:${id}:s:subj`);
    assert.equal(zset, 3, "a list never holds more than maxValues");
    const notKept = await samples.read(oneOff);
    assert.equal(notKept.message, null, "a message whose campaign has one copy is not kept");
    assert.deepEqual(notKept.subjects, []);
    assert.deepEqual(await redis.keys(`${prefix}:*${oneOff}*`), [], "nothing of it is written");

    samples.offer({
      campaignId: id,
      copies: 10,
      fingerprint: fingerprintOf(1, "next minute"),
      message: Buffer.from("x"),
      sender: "",
      clientIp: null,
      now: now + 60_000,
    });
    await pollUntil("the next minute's sample", async () => (await samples.read(id)).subjects[0] === "next minute");
    assert.deepEqual((await samples.read("not-an-id")).subjects, []);
  });

  test("search by id prefix or subject, newest first, looking at no more than the scan limit", async () => {
    const prefix = uniquePrefix("search");
    const store = createCampaignStore(redis, { prefix, campaigns: defaultConfig().campaigns, closeConnection: false });
    const ids: string[] = [];
    for (let n = 0; n < 30; n++) {
      const subject = n % 10 === 3 ? `Cheap Watches ${n}` : `newsletter ${n}`;
      const view = await store.observe({
        fingerprint: fingerprintOf(n, subject),
        sender: "a@b.example",
        recipients: ["r@x.example"],
        clientIp: null,
        now: Date.now() + n,
      });
      ids.push(view.id);
    }
    const found = await searchCampaigns(redis, prefix, "cheap watches", { limit: 10, scanLimit: 1000 });
    assert.deepEqual(found.ids, [ids[23], ids[13], ids[3]]);
    assert.equal(found.searched, 30);
    const byId = await searchCampaigns(redis, prefix, ids[7]!, { limit: 10, scanLimit: 1000 });
    assert.equal(byId.ids[0], ids[7]);
    const bounded = await searchCampaigns(redis, prefix, "cheap watches", { limit: 10, scanLimit: 10 });
    assert.deepEqual(bounded.ids, [ids[23]], "only the 10 most recently seen were looked at");
    assert.equal(bounded.searched, 10);
    assert.deepEqual((await searchCampaigns(redis, prefix, "  ", { limit: 10, scanLimit: 10 })).ids, []);
  });
});
