// The console's samples and search on a real Redis: a campaign's samples are bounded lists of the newest values, the
// sample message is capped and kept for the retention time, a campaign is sampled at most perCampaignPerMinute times
// a minute, only from a campaign's fromCopies-th copy (one-off mail is not kept), its message is sent with its first
// sample and then once every MESSAGE_RESEND_MS (sooner after a failed write), and a search finds campaigns by id or
// subject while looking at no more than its scan limit.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { MESSAGE_RESEND_MS, SampleStore, type SampleSettings } from "../../src/reputation/samples.js";
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

  test("the message is sent with a campaign's first sample, then once every MESSAGE_RESEND_MS or after a failed write", async () => {
    const prefix = uniquePrefix("resend");
    const settings: SampleSettings = {
      ...defaultConfig().console.samples,
      perCampaignPerMinute: 10,
      retentionSeconds: 86_400,
    };
    const samples = new SampleStore(redis, prefix, () => settings);
    const id = "00112233aabb";
    const msgKey = `${prefix}:{${prefix}}:c:${id}:s:msg`;
    const atKey = `${prefix}:{${prefix}}:c:${id}:s:msgAt`;
    const start = 60_000 * 2000;
    const offer = (subject: string, now: number) =>
      samples.offer({
        campaignId: id,
        copies: 5,
        fingerprint: fingerprintOf(3, subject),
        message: Buffer.from(`Subject: ${subject}\r\n\r\nbody`),
        sender: "a@b.example",
        clientIp: null,
        now,
      });
    const written = (subject: string) =>
      pollUntil(`the sample "${subject}"`, async () =>
        (await samples.read(id)).subjects[0] === subject ? true : null,
      );

    offer("first", start);
    await written("first");
    assert.match((await redis.get(msgKey)) ?? "", /Subject: first/, "the first sample's message is kept");
    assert.equal(await redis.get(atKey), String(start));

    // Gone since (expired or deleted): the next samples, within MESSAGE_RESEND_MS, do not send it again.
    await redis.del(msgKey, atKey);
    offer("second", start + 1);
    await written("second");
    offer("third, a minute on", start + 60_000);
    await written("third, a minute on");
    assert.equal(await redis.get(msgKey), null, "the message is not sent with every sample");
    assert.equal(await redis.get(atKey), null, "nor its time without it");

    offer("after the resend time", start + MESSAGE_RESEND_MS);
    await written("after the resend time");
    assert.match(
      (await redis.get(msgKey)) ?? "",
      /Subject: after the resend time/,
      "sent again after MESSAGE_RESEND_MS",
    );
    assert.equal(await redis.get(atKey), String(start + MESSAGE_RESEND_MS));

    // A write Redis refuses (out of memory) is sent again with the next sample, however soon.
    await redis.del(msgKey, atKey);
    const later = start + 2 * MESSAGE_RESEND_MS;
    await redis.config("SET", "maxmemory", "1");
    try {
      offer("refused", later);
      await pollUntil("the refused write to be answered", async () => {
        const info = await redis.info("errorstats");
        return /errorstat_OOM:count=\d+/.test(info) ? true : null;
      });
      // The store writes on this connection, whose replies come in order: once this PING is answered the refusals
      // have been read, and one turn of the event loop later the store has handled them.
      await redis.ping();
      await new Promise((r) => setImmediate(r));
    } finally {
      await redis.config("SET", "maxmemory", "0");
    }
    assert.equal(await redis.get(msgKey), null, "nothing was written while Redis refused writes");
    offer("after the refusal", later + 1);
    await written("after the refusal");
    assert.match((await redis.get(msgKey)) ?? "", /Subject: after the refusal/, "the refused message is sent again");
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
