/**
 * Test support for the hold-queue end-to-end tests (Postfix's hold queue, Sendmail's quarantine): the daemon's
 * configuration with `policy.holdMode: quarantine`, the stores a test reads the held copies and campaigns through,
 * a verdict recorded as a scan would, and a flood of one new corpus campaign whose held copies the test then follows.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { campaignBase, campaignVariants, type CampaignBase } from "../../src/lab/campaign-variants.js";
import type { CorpusMessage } from "../../src/lab/corpus.js";
import { sendMail } from "../../src/lab/smtp.js";
import { createHeldStore, type HeldStore } from "../../src/reputation/held.js";
import { createCampaignStore, type RedisCampaignStore } from "../../src/reputation/store.js";
import { startHoldHelper, type HoldHelperProcess, type HoldHelperTarget } from "./hold-helper.js";
import { startTestRedis, type TestRedis } from "./redis.js";

/** What a hold-queue test changes in the daemon's configuration. */
export interface HoldDaemonOptions {
  host: string;
  /** The copy at which a campaign turns bulk (and is held). */
  bulkAt: number;
  holdSeconds: number;
  /** `mtaQueue.*`: the MTA whose queue is sampled and how. */
  mtaQueue: Record<string, unknown>;
  /** More `hold.*` settings. */
  hold?: Record<string, unknown>;
}

/** The daemon's configuration: no scans (the test records verdicts), bulk at `bulkAt` copies, held in the MTA. */
function holdDaemonConfig(redisUrl: string, helperSocket: string, o: HoldDaemonOptions): Record<string, unknown> {
  return {
    redis: { url: redisUrl },
    scanWorker: { processes: 0 },
    queue: { enabled: false },
    campaigns: { bulk: { copies: o.bulkAt, recipients: 1000, senders: 1000 } },
    policy: { holdMode: "quarantine", holdSeconds: o.holdSeconds },
    hold: { helperSocket, host: o.host, sweepIntervalMs: 200, ...o.hold },
    mtaQueue: o.mtaQueue,
  };
}

/** A test Redis, the real hold-queue helper for one MTA, and the stores a test reads the held copies through. */
export interface HoldLab {
  redis: TestRedis;
  helper: HoldHelperProcess;
  held: HeldStore;
  campaigns: RedisCampaignStore;
  /** The daemon's configuration for this lab. */
  daemonConfig(o: HoldDaemonOptions): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Start the test Redis and the hold-queue helper for `target` (an MTA already running). */
export async function startHoldLab(target: HoldHelperTarget): Promise<HoldLab> {
  const redis = await startTestRedis();
  const helper = await startHoldHelper(target).catch(async (error: unknown) => {
    await redis.stop();
    throw error;
  });
  const client = new Redis(redis.url);
  return {
    redis,
    helper,
    held: createHeldStore(client, "fg"),
    campaigns: createCampaignStore(client, {
      prefix: "fg",
      campaigns: defaultConfig().campaigns,
      closeConnection: false,
    }),
    daemonConfig: (o) => holdDaemonConfig(redis.url, helper.socket, o),
    async stop() {
      client.disconnect();
      try {
        await helper.stop();
      } finally {
        await redis.stop();
      }
    },
  };
}

/** Record a scanner's verdict on a campaign, as a scan job would. */
export function recordVerdict(campaigns: RedisCampaignStore, id: string, label: "spam" | "ham") {
  return campaigns.recordVerdict(id, {
    verdict: label,
    score: label === "spam" ? 25 : -1,
    scanner: "spamd",
    threshold: 5,
    rules: [],
    at: Date.now(),
  });
}

/**
 * The corpus spam messages long enough that their personalised copies are one campaign, each with a subject not
 * used before, taking every `stride`-th message; each with a seed of its own for its variants.
 */
export function campaignBases(
  spam: readonly CorpusMessage[],
  stride: number,
): () => Promise<{ base: CampaignBase; seed: number }> {
  const subjects = new Set<string>();
  let next = 0;
  return async () => {
    for (;;) {
      const seed = next++;
      const base = await campaignBase(spam[(seed * stride) % spam.length]!.bytes);
      if (base.text.length < 1500 || subjects.has(base.subject)) continue;
      subjects.add(base.subject);
      return { base, seed };
    }
  };
}

/** How to flood the MTA with one campaign and find the copies held. */
export interface FloodOptions {
  smtpPort: number;
  held: HeldStore;
  host: string;
  base: CampaignBase;
  copies: number;
  seed: number;
  /** What to add to a failure message (the MTA's or the daemon's log). */
  describe: () => string;
}

/**
 * Send `copies` personalised copies of `base` (each accepted: held or passed) and return the campaign that gained
 * held copies on `host`, with their queue ids, sorted.
 */
export async function floodHeldCampaign(o: FloodOptions): Promise<{ campaign: string; heldIds: string[] }> {
  const before = new Set(await o.held.campaigns(o.host, 1000));
  for (const variant of campaignVariants(o.base, o.copies, { seed: o.seed })) {
    const r = await sendMail({
      port: o.smtpPort,
      from: "offers@bulk.example.com",
      to: [variant.recipient.address],
      data: variant.message,
    });
    assert.ok(r.accepted, `accepted (held or passed): ${r.finalCode} ${r.finalText}\n${o.describe()}`);
  }
  const [campaign] = (await o.held.campaigns(o.host, 1000)).filter((id) => !before.has(id));
  assert.ok(campaign, `no held copy recorded for "${o.base.subject}"\n${o.describe()}`);
  const heldIds = (await o.held.copies(campaign, o.host, 1000)).map((c) => c.id).sort();
  return { campaign, heldIds };
}
