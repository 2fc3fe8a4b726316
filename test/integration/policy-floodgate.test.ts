/**
 * The Floodgate policy at end of message against a real redis-server: labels, holds, blocks, verdicts, shadow
 * mode, the heavy-scan trigger, and the fail modes when the pool skips or Redis is down or stalled. The pool is a
 * small fake returning fixed fingerprints, except in the last test, which runs the real FingerprintPool on
 * personalised copies of a corpus spam.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Cluster, Redis } from "ioredis";
import { defaultConfig, type Config } from "../../src/config/schema.js";
import { FingerprintPool } from "../../src/fingerprint/pool.js";
import type { Fingerprint, FingerprintOutcome } from "../../src/fingerprint/types.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { createFloodgatePolicy, type FingerprintSource } from "../../src/policy/floodgate-policy.js";
import { MailPathLoad, WINDOW_SECONDS } from "../../src/policy/mail-path-load.js";
import type { EnqueueResult, ScanProducer, ScanRequest } from "../../src/queue/types.js";
import { createRedis } from "../../src/redis/connect.js";
import { createCampaignStore, type RedisCampaignStore } from "../../src/reputation/store.js";
import type { ScanVerdict } from "../../src/reputation/types.js";
import type { EndOfMessageResult } from "../../src/vocabulary/verdict.js";
import type { Header } from "../../src/vocabulary/mail.js";
import type { MilterPolicy, SessionContext } from "../../src/vocabulary/policy-api.js";
import { stageBudgets, startDeadline } from "../../src/session/deadlines.js";
import { runWithDeadline } from "../../src/session/stage-runner.js";
import { createLogger } from "../../src/util/logger.js";
import { campaignBase, campaignVariants } from "../../src/lab/campaign-variants.js";
import { loadSpam } from "../../src/lab/corpus.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";

const logger = createLogger("silent");
const metrics = createMetrics();

/** A fingerprint derived from the message text: the same text gives the same fingerprint. */
function fingerprintOf(text: string): Fingerprint {
  const minhash: number[] = [];
  for (let i = 0; minhash.length < 32; i++) {
    const d = createHash("sha256").update(`${i}:${text}`).digest();
    for (let j = 0; j < 32 && minhash.length < 32; j += 4) minhash.push(d.readUInt32BE(j));
  }
  const direct = createHash("sha256").update(text).digest("hex");
  return syntheticFingerprint({ minhash, direct, words: 100, subject: "Offer", bytesParsed: text.length });
}

/** A pool that fingerprints the raw text, or answers a fixed outcome. */
function fakePool(fixed?: FingerprintOutcome): FingerprintSource {
  return {
    fingerprint: async (raw) => fixed ?? { status: "ok", fingerprint: fingerprintOf(raw.toString("utf8")) },
  };
}

/** A producer that records requests, marks a job it queued in the store as the real one does, and answers a
 * configured verdict to waiters. */
class FakeProducer implements ScanProducer {
  readonly requests: ScanRequest[] = [];
  waits = 0;
  verdict: ScanVerdict | null = null;
  isHealthy = true;
  result: EnqueueResult = "queued";
  /** While set, every enqueue waits for it: an add Redis has not answered yet. */
  unanswered: Promise<void> | null = null;
  constructor(private readonly store: Pick<RedisCampaignStore, "markScanQueued">) {}
  async enqueue(request: ScanRequest) {
    this.requests.push(request);
    if (this.unanswered) await this.unanswered;
    if (this.result === "queued") void this.store.markScanQueued(request.campaignId).catch(() => undefined);
    return this.result;
  }
  async waitForVerdict() {
    this.waits++;
    return this.verdict;
  }
  healthy() {
    return this.isHealthy;
  }
  async close() {}
}

interface MessageOptions {
  sender?: string;
  recipients?: string[];
  headers?: Header[];
  client?: string;
}

function context(o: MessageOptions = {}): SessionContext {
  return {
    id: "s1",
    engine: "typescript",
    connect: { hostname: "client.test", family: "inet", address: o.client ?? "203.0.113.5", port: 40000 },
    helo: "client.test",
    macro: () => undefined,
    transaction: {
      sender: { address: o.sender ?? "offers@bulk.test", args: [] },
      recipients: (o.recipients ?? ["a@rcpt.test", "b@rcpt.test"]).map((address) => ({ address, args: [] })),
      headers: o.headers ?? [{ name: "Subject", value: "Offer" }],
      queueId: "4XyZ1",
      skipReasons: [],
    },
    store: new Map(),
  };
}

/**
 * Deadline for the answers whose behaviour is not the deadline: generous, so a slow machine does not fail them.
 */
const ROOMY_DEADLINE_MS = 30_000;
/** Deadline for the answers whose behaviour is the deadline (Redis down or stalled): the fail mode must come in it. */
const SHORT_DEADLINE_MS = 2000;

/** End of message as the engine runs it: the policy's Deadline inside the engine's. */
function eom(policy: MilterPolicy, text: string, o: MessageOptions, deadlineMs: number) {
  const raw = Buffer.from(text);
  const budgets = stageBudgets({ commandDeadlineMs: deadlineMs, eomDeadlineMs: deadlineMs });
  return runWithDeadline(async (signal) => {
    const deadline = startDeadline(budgets.policyEomMs, signal);
    try {
      return await policy.endOfMessage(context(o), { raw, truncated: false, totalBytes: raw.length }, deadline);
    } finally {
      deadline.dispose();
    }
  }, budgets.eomMs);
}

/** The policy's own answer (not the engine's deadline), or a failed assertion. */
async function answer(
  policy: MilterPolicy,
  text: string,
  o: MessageOptions = {},
  deadlineMs = ROOMY_DEADLINE_MS,
): Promise<EndOfMessageResult> {
  const outcome = await eom(policy, text, o, deadlineMs);
  assert.ok(outcome.ok, `the policy did not answer within its deadline: ${JSON.stringify(outcome)}`);
  return outcome.value;
}

/** A header the engine will write for this answer: the status, or one of the policy's labels. */
function header(result: EndOfMessageResult, name: string): string | undefined {
  if (name === "X-Floodgate-Status") return result.status;
  return result.labels?.find((h) => h.name === name)?.value;
}

async function counterValue(
  counter: typeof metrics.failModeTotal | typeof metrics.parseLimitsTotal,
  labels: Record<string, string>,
): Promise<number> {
  const data = await counter.get();
  const values = data.values as Array<{ value: number; labels: Record<string, string | number | undefined> }>;
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}

void describe("Floodgate policy (real Redis)", () => {
  let server: TestRedis;
  let redis: Redis | Cluster;

  before(async () => {
    server = await startTestRedis();
    redis = createRedis(defaultConfig().redis, server.url, "fastpath");
    if ((redis as Redis).status !== "ready") await once(redis, "ready");
  });

  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  function setup(
    edit: (c: Config) => void = () => undefined,
    pool: FingerprintSource = fakePool(),
    mailPathLoad?: MailPathLoad,
  ) {
    const config = defaultConfig();
    edit(config);
    const store: RedisCampaignStore = createCampaignStore(redis, {
      prefix: uniquePrefix(),
      campaigns: () => config.campaigns,
      closeConnection: false,
    });
    const producer = new FakeProducer(store);
    const policy = createFloodgatePolicy({
      config: () => config,
      pool,
      store,
      producer,
      logger,
      metrics,
      ...(mailPathLoad ? { mailPathLoad } : {}),
    });
    return { config, store, producer, policy };
  }

  void test("a new campaign continues and is labelled; its scan is queued at its second copy (scanAtCopies)", async () => {
    const { policy, producer, store } = setup();
    const r = await answer(policy, "one offer text");
    assert.deepEqual(r.verdict, { kind: "continue" });
    const campaign = header(r, "X-Floodgate-Campaign");
    assert.match(campaign ?? "", /^[0-9a-f]{12}; copies=1; recipients=2$/);
    assert.equal(header(r, "X-Floodgate-Status"), "continue; new");
    const id = (campaign as string).slice(0, 12);
    assert.equal(producer.requests.length, 0, "one-off mail is not scanned: no payload taken");
    const second = await answer(policy, "one offer text", { recipients: ["b@rcpt.test"] });
    assert.equal(header(second, "X-Floodgate-Status"), "continue; new");
    assert.equal(producer.requests.length, 1);
    assert.equal(producer.requests[0]?.campaignId, id);
    assert.equal(producer.requests[0]?.reason, "new");
    assert.equal(producer.requests[0]?.queueId, "4XyZ1");

    // markScanQueued runs beside the reply; wait for it, then the next copy: counted, no second scan.
    for (let i = 0; i < 100 && ((await store.get(id))?.lastScanQueuedAt ?? 0) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(((await store.get(id))?.lastScanQueuedAt ?? 0) > 0, "markScanQueued was called");
    const r2 = await answer(policy, "one offer text", { recipients: ["c@rcpt.test"] });
    assert.equal(header(r2, "X-Floodgate-Campaign"), `${id}; copies=3; recipients=3`);
    assert.equal(producer.requests.length, 1, JSON.stringify(producer.requests.map((q) => [q.campaignId, q.reason])));
  });

  void test("the scan budget: while the mail path is busy only bulk campaigns are scanned; a smaller one's scan waits for a copy after the rate fell", async () => {
    const clock = { now: 1_800_000_000_000 };
    const { policy, producer } = setup(
      (c) => {
        c.queue.busyRate = 2;
        c.campaigns.bulk.copies = 4;
      },
      fakePool(),
      new MailPathLoad(() => clock.now),
    );
    const busyBefore = await counterValue(metrics.scanJobsShedTotal, { reason: "busy" });
    // Twenty ends of message within the window: 2 a second, busy.
    for (let i = 0; i < 2 * WINDOW_SECONDS - 2; i++) await answer(policy, `one-off ${i}`);
    await answer(policy, "small campaign");
    await answer(policy, "small campaign", { recipients: ["c@rcpt.test"] });
    assert.equal(producer.requests.length, 0, "the small campaign's scan was due at its second copy, and waits");
    assert.equal((await counterValue(metrics.scanJobsShedTotal, { reason: "busy" })) - busyBefore, 1);

    for (let copy = 1; copy <= 4; copy++)
      await answer(policy, "surging campaign", { recipients: [`s${copy}@rcpt.test`] });
    assert.equal(producer.requests.length, 1, "the campaign that turned bulk is scanned while busy");
    const bulkId = producer.requests[0]?.campaignId;

    clock.now += WINDOW_SECONDS * 1000;
    const later = await answer(policy, "small campaign", { recipients: ["d@rcpt.test"] });
    assert.match(header(later, "X-Floodgate-Campaign") ?? "", /; copies=3;/);
    assert.equal(producer.requests.length, 2, "the rate fell: the small campaign's next copy queues its scan");
    assert.notEqual(producer.requests[1]?.campaignId, bulkId);
    assert.equal(producer.requests[1]?.reason, "new");
  });

  void test("the policy gives the status and the campaign label, and writes no header itself", async () => {
    const { policy } = setup();
    const r = await answer(policy, "labelled", {
      headers: [{ name: "X-Floodgate-Status", value: " continue; ham" }],
    });
    assert.deepEqual(r.modifications ?? [], []);
    assert.equal(r.status, "continue; new");
    assert.deepEqual(
      r.labels?.map((h) => h.name),
      ["X-Floodgate-Campaign"],
    );
  });

  void test("a surging campaign without a verdict is held, unless allowlisted or holdBulk is off", async () => {
    const { policy, config } = setup((c) => {
      c.campaigns.bulk.copies = 3;
      c.policy.allowlist.senderDomains = ["newsletter.test"];
    });
    assert.equal(header(await answer(policy, "surge"), "X-Floodgate-Status"), "continue; new");
    assert.equal(header(await answer(policy, "surge"), "X-Floodgate-Status"), "continue; new");
    const held = await answer(policy, "surge");
    assert.equal(held.verdict.kind, "tempfail");
    assert.ok(held.verdict.kind === "tempfail" && held.verdict.reply);
    assert.equal(held.verdict.reply.code, 451);
    assert.equal(held.verdict.reply.xcode, "4.7.1");
    assert.equal(header(held, "X-Floodgate-Status"), "tempfail; bulk-hold");

    const allowed = await answer(policy, "surge", { sender: "news@mail.newsletter.test" });
    assert.deepEqual(allowed.verdict, { kind: "continue" });
    assert.equal(header(allowed, "X-Floodgate-Status"), "continue; bulk-allowlisted");

    config.policy.holdBulk = false;
    assert.equal(header(await answer(policy, "surge"), "X-Floodgate-Status"), "continue; bulk");
    config.policy.holdBulk = true;
    config.policy.shadow = true;
    const shadow = await answer(policy, "surge");
    assert.deepEqual(shadow.verdict, { kind: "continue" });
    assert.equal(header(shadow, "X-Floodgate-Status"), "shadow-tempfail; bulk-hold");
  });

  void test("a blocked campaign is rejected with its id; shadow mode only tags; unblock lets it pass", async () => {
    const { policy, store, config, producer } = setup();
    const first = await answer(policy, "blocked text");
    const id = (header(first, "X-Floodgate-Campaign") as string).slice(0, 12);
    await store.block(id, 600);
    const r = await answer(policy, "blocked text");
    assert.equal(r.verdict.kind, "reject");
    assert.ok(r.verdict.kind === "reject" && r.verdict.reply);
    assert.equal(r.verdict.reply.code, 550);
    assert.equal(r.verdict.reply.xcode, "5.7.1");
    assert.match(String(r.verdict.reply.text), new RegExp(id));
    assert.equal(header(r, "X-Floodgate-Status"), "reject; campaign-blocked; by=operator");
    assert.equal(producer.requests.length, 0, "no scan for a blocked campaign, even at scanAtCopies");

    config.policy.shadow = true;
    const s = await answer(policy, "blocked text");
    assert.deepEqual(s.verdict, { kind: "continue" });
    assert.equal(header(s, "X-Floodgate-Status"), "shadow-reject; campaign-blocked; by=operator");
    config.policy.shadow = false;

    await store.unblock(id);
    assert.deepEqual((await answer(policy, "blocked text")).verdict, { kind: "continue" });
  });

  void test("a person's decision decides and says so; no scan is queued for it", async () => {
    const { policy, store, producer } = setup((c) => (c.queue.scanAtCopies = 1));
    const id = (header(await answer(policy, "reported text"), "X-Floodgate-Campaign") as string).slice(0, 12);
    await store.recordVerdict(id, { verdict: "ham", score: 0.5, scanner: "spamd", threshold: 5, rules: [], at: 1 });
    await store.decide(id, "spam", "report", { actor: "operator:root", reason: "report" });
    const reported = await answer(policy, "reported text");
    assert.equal(reported.verdict.kind, "reject");
    assert.equal(header(reported, "X-Floodgate-Status"), "reject; campaign-spam; by=operator");
    await store.decide(id, "ham", "pin", { actor: "operator:root", reason: "newsletter" });
    const pinned = await answer(policy, "reported text");
    assert.deepEqual(pinned.verdict, { kind: "continue" });
    assert.equal(header(pinned, "X-Floodgate-Status"), "continue; ham; by=pin");
    assert.equal(producer.requests.length, 1, "only the first copy was scanned");
  });

  void test("spam and ham verdicts decide", async () => {
    const { policy, store } = setup();
    const id = (header(await answer(policy, "verdict text"), "X-Floodgate-Campaign") as string).slice(0, 12);
    const scanned = { scanner: "spamd", threshold: 5, rules: ["GTUBE"], at: Date.now() };
    await store.recordVerdict(id, { verdict: "spam", score: 11, ...scanned });
    const spam = await answer(policy, "verdict text");
    assert.equal(spam.verdict.kind, "reject");
    assert.equal(header(spam, "X-Floodgate-Status"), "reject; campaign-spam; scanner=spamd score=11 threshold=5");
    await store.recordVerdict(id, { verdict: "ham", score: 0.2, ...scanned });
    const ham = await answer(policy, "verdict text");
    assert.deepEqual(ham.verdict, { kind: "continue" });
    assert.equal(header(ham, "X-Floodgate-Status"), "continue; ham; scanner=spamd score=0.2 threshold=5");
    await store.recordVerdict(id, { verdict: "unsure", score: 3.1, ...scanned });
    const unsure = await answer(policy, "verdict text");
    assert.deepEqual(unsure.verdict, { kind: "continue" });
    assert.equal(header(unsure, "X-Floodgate-Status"), "continue; new; scanner=spamd score=3.1 threshold=5");
  });

  void test("with verdictWaitMs the first copy waits for its scan and is decided by it", async () => {
    const { policy, producer } = setup((c) => {
      c.queue.scanAtCopies = 1;
      c.queue.verdictWaitMs = 500;
    });
    producer.verdict = { verdict: "spam", score: 20, scanner: "spamd", threshold: 5, rules: [], at: Date.now() };
    const r = await answer(policy, "waited text");
    assert.equal(producer.waits, 1);
    assert.equal(r.verdict.kind, "reject");
    assert.equal(header(r, "X-Floodgate-Status"), "reject; campaign-spam; scanner=spamd score=20 threshold=5");

    producer.isHealthy = false;
    producer.waits = 0;
    const r2 = await answer(policy, "another text");
    assert.equal(producer.waits, 0, "no wait while the queue is unhealthy");
    assert.equal(header(r2, "X-Floodgate-Status"), "continue; new");
  });

  void test("a copy that queues a scan is answered before the add is: unless it may wait for the verdict", async () => {
    const { policy, producer, config } = setup((c) => {
      c.queue.scanAtCopies = 1;
    });
    let answerAdds = () => undefined as void;
    producer.unanswered = new Promise<void>((resolve) => (answerAdds = resolve));
    let addsAnswered = false;
    void producer.unanswered.then(() => (addsAnswered = true));
    try {
      // The copy's own deadline, to tell an answer given beside the add from one given when the deadline gave it up.
      const raw = Buffer.from("queued beside the answer");
      const deadline = startDeadline(ROOMY_DEADLINE_MS);
      const r = await policy.endOfMessage(context(), { raw, truncated: false, totalBytes: raw.length }, deadline);
      const leftAtAnswer = deadline.remaining();
      deadline.dispose();
      assert.equal(header(r, "X-Floodgate-Status"), "continue; new");
      assert.equal(producer.requests.length, 1, "the scan was asked for");
      assert.equal(addsAnswered, false, "the answer came while the add was unanswered");
      assert.ok(leftAtAnswer > 0, "the answer did not wait for the add until its deadline gave it up");

      // With a verdict wait, the add comes first: the copy's wait needs to know its scan is pending.
      config.queue.verdictWaitMs = 200;
      let answered = false;
      const waiting = answer(policy, "queued before the answer").then((result) => {
        answered = true;
        return result;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(answered, false, "the copy that may wait for its verdict waits for the add first");
      answerAdds();
      await waiting;
      assert.equal(producer.requests.length, 2);
      assert.equal(producer.waits, 1, "then it waited for the verdict");
    } finally {
      answerAdds();
    }
  });

  void test("a skipped fingerprint applies the fail mode", async () => {
    const { policy, config } = setup(() => undefined, fakePool({ status: "skipped", reason: "pool-full" }));
    const before = await counterValue(metrics.failModeTotal, { reason: "pool-full", mode: "continue" });
    const r = await answer(policy, "x");
    assert.deepEqual(r.verdict, { kind: "continue" });
    assert.equal(header(r, "X-Floodgate-Status"), "skipped; reason=pool-full");
    assert.equal(header(r, "X-Floodgate-Campaign"), undefined);
    assert.equal(await counterValue(metrics.failModeTotal, { reason: "pool-full", mode: "continue" }), before + 1);
    config.policy.dependencyFailMode = "tempfail";
    const beforeTempfail = await counterValue(metrics.failModeTotal, { reason: "pool-full", mode: "tempfail" });
    const t = await answer(policy, "x");
    assert.equal(t.verdict.kind, "tempfail");
    assert.equal(
      await counterValue(metrics.failModeTotal, { reason: "pool-full", mode: "tempfail" }),
      beforeTempfail + 1,
    );
  });

  void test("no fingerprint of the message itself: policy.unparsedAction (tempfail by default), not the fail mode", async () => {
    for (const reason of ["thread-died", "unparsed"] as const) {
      const { policy, config } = setup(() => undefined, fakePool({ status: "skipped", reason }));
      assert.equal(config.policy.dependencyFailMode, "continue");
      const before = await counterValue(metrics.failModeTotal, { reason, mode: "tempfail" });
      const t = await answer(policy, "x");
      assert.equal(t.verdict.kind, "tempfail", "a message Floodgate cannot read does not go out unfiltered");
      assert.equal(header(t, "X-Floodgate-Status"), `skipped; reason=${reason}`);
      assert.equal(await counterValue(metrics.failModeTotal, { reason, mode: "tempfail" }), before + 1);
      config.policy.unparsedAction = "reject";
      const r = await answer(policy, "x");
      assert.ok(r.verdict.kind === "reject" && r.verdict.reply?.code === 550);
      config.policy.unparsedAction = "continue";
      assert.deepEqual((await answer(policy, "x")).verdict, { kind: "continue" });
      config.policy.unparsedAction = "reject";
      config.policy.shadow = true;
      assert.deepEqual((await answer(policy, "x")).verdict, { kind: "continue" }, "shadow mode never refuses");
    }
  });

  void test("Redis down: the fail mode within the deadline, counted; back up: matching works again", async () => {
    const { policy } = setup();
    const id = (header(await answer(policy, "outage text"), "X-Floodgate-Campaign") as string).slice(0, 12);
    // Usually redis-down (the connection is closed); redis-timeout if the client has not noticed yet.
    const failures = async () =>
      (await counterValue(metrics.failModeTotal, { reason: "redis-down", mode: "continue" })) +
      (await counterValue(metrics.failModeTotal, { reason: "redis-timeout", mode: "continue" }));
    const before = await failures();
    await server.pause();
    try {
      const r = await answer(policy, "outage text", {}, SHORT_DEADLINE_MS);
      assert.deepEqual(r.verdict, { kind: "continue" });
      assert.match(header(r, "X-Floodgate-Status") ?? "", /^skipped; reason=redis-(down|timeout)$/);
      assert.equal(await failures(), before + 1);
    } finally {
      await server.resume();
    }
    if ((redis as Redis).status !== "ready") await once(redis, "ready");
    // The private server keeps nothing across a restart: the campaign starts again under the same id.
    const again = await answer(policy, "outage text");
    assert.equal(header(again, "X-Floodgate-Status"), "continue; new");
    assert.equal(header(again, "X-Floodgate-Campaign"), `${id}; copies=1; recipients=2`);
    assert.equal(header(await answer(policy, "outage text"), "X-Floodgate-Campaign"), `${id}; copies=2; recipients=2`);
  });

  // README, "The status header": a message whose MIME parse stopped at a limit says so whatever was decided.
  void test("a parse stopped at a limit: named in the status after a decision and after a fail mode, counted", async () => {
    const limited: FingerprintSource = {
      fingerprint: async (raw) => ({
        status: "ok",
        fingerprint: { ...fingerprintOf(raw.toString("utf8")), limit: "depth" },
      }),
    };
    const { policy } = setup(() => undefined, limited);
    const count = () => counterValue(metrics.parseLimitsTotal, { limit: "depth" });
    const before = await count();
    assert.equal(header(await answer(policy, "nested text"), "X-Floodgate-Status"), "continue; new; parse=depth");
    server.process.kill("SIGSTOP");
    try {
      const r = await answer(policy, "nested text", {}, SHORT_DEADLINE_MS);
      assert.equal(header(r, "X-Floodgate-Status"), "skipped; reason=redis-timeout; parse=depth");
    } finally {
      server.process.kill("SIGCONT");
    }
    assert.equal(await count(), before + 2);
    const plain = setup().policy;
    assert.equal(header(await answer(plain, "plain text"), "X-Floodgate-Status"), "continue; new");
    assert.equal(await count(), before + 2, "a message parsed through is not counted");
  });

  void test("Redis stalled: redis-timeout within the deadline", async () => {
    const { policy } = setup();
    await answer(policy, "stall text");
    const before = await counterValue(metrics.failModeTotal, { reason: "redis-timeout", mode: "continue" });
    server.process.kill("SIGSTOP");
    try {
      const r = await answer(policy, "stall text", {}, SHORT_DEADLINE_MS);
      assert.equal(header(r, "X-Floodgate-Status"), "skipped; reason=redis-timeout");
      assert.equal(
        await counterValue(metrics.failModeTotal, { reason: "redis-timeout", mode: "continue" }),
        before + 1,
      );
    } finally {
      server.process.kill("SIGCONT");
    }
    assert.equal(header(await answer(policy, "stall text"), "X-Floodgate-Status"), "continue; new");
  });

  void test("the real pool: personalised copies of a corpus spam are one campaign, held once bulk", async () => {
    const [spam] = loadSpam({ limit: 1 });
    assert.ok(spam, "the corpus has a spam message");
    const variants = campaignVariants(await campaignBase(spam.bytes), 8, { seed: 7 });
    const config = defaultConfig();
    config.fingerprint.threads = 1;
    const pool = new FingerprintPool(config.fingerprint, logger);
    try {
      // The first task loads the parser in the thread; keep that out of the policy's deadline.
      assert.equal((await pool.fingerprint(spam.bytes)).status, "ok");
      const { policy } = setup((c) => (c.campaigns.bulk.recipients = 5), pool);
      const statuses: string[] = [];
      const ids = new Set<string>();
      for (const v of variants) {
        const r = await answer(policy, v.message.toString("latin1"), { recipients: [v.recipient.address] });
        statuses.push(header(r, "X-Floodgate-Status") ?? "");
        ids.add((header(r, "X-Floodgate-Campaign") ?? "").slice(0, 12));
      }
      assert.equal(ids.size, 1, `one campaign, got ${[...ids].join(", ")} (${statuses.join(" | ")})`);
      assert.deepEqual(statuses, [
        ...Array<string>(4).fill("continue; new"),
        ...Array<string>(4).fill("tempfail; bulk-hold"),
      ]);
    } finally {
      await pool.close();
    }
  });
});
