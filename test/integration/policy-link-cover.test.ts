/**
 * What a ham verdict covers (README, "What a ham verdict covers"), end to end on real parts but the scanner: the
 * Floodgate policy with the real fingerprint pool, the real scan producer and worker (BullMQ) and the campaign store
 * on a real redis-server. The scanner is a small fake that calls a message spam when it links to bad.example, so
 * that what is tested is which verdict each copy gets, not a scanner's judgement.
 *
 * A sender gets a ham verdict on copies linking to shop.example, then sends the same text linking to bad.example:
 * that copy is not the ham verdict's, it is scanned, and copies carrying bad.example are refused while those of the
 * first link still pass. A variant whose scan says ham is covered from then on. The kinds of the files attached are
 * covered the same way: a statement's PDF, then a web page.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { configSchema, type Config } from "../../src/config/schema.js";
import { FingerprintPool } from "../../src/fingerprint/pool.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { connectScanProducer } from "../../src/lab/scan-queue.js";
import { createFloodgatePolicy } from "../../src/policy/floodgate-policy.js";
import { startScanWorker } from "../../src/queue/scan-processor.js";
import type { CampaignView } from "../../src/reputation/types.js";
import { stageBudgets, startDeadline } from "../../src/session/deadlines.js";
import { createLogger } from "../../src/util/logger.js";
import type { SessionContext } from "../../src/vocabulary/policy-api.js";
import { pollUntil } from "../support/poll.js";
import { badLinkScanner, gardenCopy, type AttachedFile } from "../support/garden-copies.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";

const logger = createLogger(process.env["TEST_LOG_LEVEL"] ?? "silent");
const metrics = createMetrics();

function context(n: number): SessionContext {
  return {
    id: `s${n}`,
    engine: "typescript",
    connect: { hostname: "client.test", family: "inet", address: "203.0.113.5", port: 40000 },
    helo: "client.test",
    macro: () => undefined,
    transaction: {
      sender: { address: "news@shop.example", args: [] },
      recipients: [{ address: `reader${n}@rcpt.test`, args: [] }],
      headers: [{ name: "Subject", value: "Spring seedlings are here" }],
      queueId: `Q${n}`,
      skipReasons: [],
    },
    store: new Map(),
  };
}

void describe("what a ham verdict covers (real Redis, pool, queue and worker)", () => {
  let redis: TestRedis;
  let pool: FingerprintPool;
  const closers: (() => Promise<unknown>)[] = [];
  before(async () => {
    redis = await startTestRedis();
    pool = new FingerprintPool({ ...configSchema.parse({}).fingerprint, threads: 1 });
    await pool.ready();
  });
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await pool?.close();
    await redis?.stop();
  });

  async function setup(rescanNewLinksSeconds: number) {
    const config: Config = configSchema.parse({
      redis: { url: redis.url, prefix: uniquePrefix("links") },
      queue: { enqueueTimeoutMs: 10_000, rescanNewLinksSeconds },
      // Bulk from the third copy, held as bulk without a verdict for 10 minutes.
      campaigns: { bulk: { copies: 3, recipients: 1000, senders: 1000 } },
      policy: { holdBulk: true, holdSeconds: 600 },
      scanWorker: { scanners: [{ type: "builtin" }], lockDurationMs: 5000, stalledIntervalMs: 2000 },
    });
    const client = connectScanProducer(config, redis.url, logger, metrics);
    closers.push(() => client.close());
    await pollUntil("the producer's Redis connection", async () => client.connection.status === "ready");
    const scanner = badLinkScanner();
    const worker = await startScanWorker({
      config,
      redisUrl: redis.url,
      logger,
      store: client.store,
      scanners: [scanner],
    });
    closers.push(() => worker.close());
    const policy = createFloodgatePolicy({
      config: () => config,
      pool,
      store: client.store,
      producer: client.producer,
      logger,
      metrics,
    });
    let n = 0;
    /** One copy linking to `link` through the policy: its status header and campaign id. */
    const send = async (link: string, attached?: AttachedFile) => {
      n++;
      const raw = gardenCopy(link, n, { attached });
      const budgets = stageBudgets({ commandDeadlineMs: 30_000, eomDeadlineMs: 30_000 });
      const deadline = startDeadline(budgets.policyEomMs, new AbortController().signal);
      try {
        const r = await policy.endOfMessage(context(n), { raw, truncated: false, totalBytes: raw.length }, deadline);
        const label = r.labels?.find((h) => h.name === "X-Floodgate-Campaign")?.value ?? "";
        return { status: r.status ?? "", kind: r.verdict.kind, id: label.slice(0, 12) };
      } finally {
        deadline.dispose();
      }
    };
    const view = async (id: string): Promise<CampaignView> => {
      const v = await client.store.get(id);
      assert.ok(v, `campaign ${id} not found`);
      return v;
    };
    return { send, view, scanner };
  }

  void test("a copy linking elsewhere is scanned; its spam link is refused, the covered copies still pass", async () => {
    const { send, view, scanner } = await setup(1);
    assert.equal((await send("shop.example")).status, "continue; new");
    const second = await send("shop.example");
    const id = second.id;
    const judged = await pollUntil("the ham verdict", async () => (await view(id)).verdict);
    assert.equal(judged.verdict, "ham");
    assert.deepEqual((await view(id)).links, { ham: ["shop.example"], spam: [] }, "the verdict covers its link");

    const covered = await send("shop.example");
    assert.equal(covered.id, id);
    assert.match(covered.status, /^continue; ham; scanner=test score=0 threshold=5$/);

    await new Promise((r) => setTimeout(r, 1100)); // rescanNewLinksSeconds since the first scan
    const switched = await send("bad.example");
    assert.equal(switched.id, id, "the same text joins the campaign");
    assert.match(switched.status, /^continue; (new|bulk); links=unscanned$/, "not the ham verdict's copy");
    const scanned = await pollUntil("the variant's verdict", async () => {
      const v = await view(id);
      return v.links.spam.length > 0 ? v : null;
    });
    assert.deepEqual(scanned.links, { ham: ["shop.example"], spam: ["bad.example"] });
    assert.equal(scanned.state, "ham", "the variant's spam verdict judges its link, not the campaign");

    const refused = await send("bad.example");
    assert.equal(refused.kind, "reject");
    assert.equal(refused.status, "reject; campaign-spam; links=spam");
    assert.match((await send("shop.example")).status, /^continue; ham; scanner=test/);
    assert.deepEqual(scanner.scans, ["shop.example ham", "bad.example spam"], "the campaign's scan, the variant's");
  });

  void test("a variant whose scan says ham is covered from then on", async () => {
    const { send, view } = await setup(1);
    await send("shop.example");
    const { id } = await send("shop.example");
    await pollUntil("the ham verdict", async () => (await view(id)).verdict);
    await new Promise((r) => setTimeout(r, 1100));
    assert.match((await send("garden.example")).status, /links=unscanned$/);
    await pollUntil("the variant covered", async () => (await view(id)).links.ham?.includes("garden.example"));
    assert.deepEqual((await view(id)).links.ham, ["shop.example", "garden.example"]);
    assert.match((await send("garden.example")).status, /^continue; ham; scanner=test/);
  });

  void test("uncovered copies are not held and queue one scan per rescanNewLinksSeconds; 0: the verdict covers all", async () => {
    const { send, view, scanner } = await setup(3600);
    await send("shop.example");
    const { id } = await send("shop.example");
    await pollUntil("the ham verdict", async () => (await view(id)).verdict);
    // The first scan was queued just now: within the period, uncovered copies wait for the next one. They are bulk
    // (from the third copy) yet not held: their campaign is judged ham, only not on their links.
    for (let i = 0; i < 5; i++) {
      const r = await send(`other${i}.example`);
      assert.deepEqual([r.kind, r.status], ["continue", "continue; bulk; links=unscanned"]);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(scanner.scans, ["shop.example ham"], "no scan within the period");

    const off = await setup(0);
    await off.send("shop.example");
    const second = await off.send("shop.example");
    await pollUntil("the ham verdict", async () => (await off.view(second.id)).verdict);
    assert.deepEqual((await off.view(second.id)).links.ham, null, "a verdict recorded without links");
    assert.match((await off.send("bad.example")).status, /^continue; ham; scanner=test/);
  });

  void test("a copy attaching another kind of file is scanned; a kind its scan called spam is refused", async () => {
    const { send, view, scanner } = await setup(1);
    const statement = { name: "Statement December.PDF", content: "%PDF-1.4 statement" };
    await send("shop.example", statement);
    const { id } = await send("shop.example", statement);
    await pollUntil("the ham verdict", async () => (await view(id)).verdict);
    assert.deepEqual((await view(id)).links.ham, ["shop.example", "attachment:.pdf"]);
    const next = { name: "Statement January.pdf", content: "%PDF-1.4 another statement" };
    assert.match((await send("shop.example", next)).status, /^continue; ham; scanner=test/, "another PDF is covered");

    await new Promise((r) => setTimeout(r, 1100));
    // The same text and link: only the attached file is of another kind, and the scanner finds it bad.
    const page = { name: "statement.pdf.html", content: "<a href='https://bad.example/login'>sign in</a>" };
    const switched = await send("shop.example", page);
    assert.equal(switched.id, id);
    assert.match(switched.status, /^continue; (new|bulk); links=unscanned$/);
    const judged = await pollUntil("the variant's verdict", async () => {
      const v = await view(id);
      return v.links.spam.length > 0 ? v : null;
    });
    assert.deepEqual(judged.links, { ham: ["shop.example", "attachment:.pdf"], spam: ["attachment:.html"] });
    assert.equal(
      (await send("shop.example", { ...page, name: "other.HTML" })).status,
      "reject; campaign-spam; links=spam",
    );
    assert.match((await send("shop.example", next)).status, /^continue; ham; scanner=test/);
    assert.deepEqual(scanner.scans, ["shop.example ham", "shop.example spam"]);
  });
});
