/**
 * `floodgate replay PATH`: a site's own mail through fingerprinting and the campaign logic, as the daemon would have
 * seen it, before thresholds go live. Every message is fingerprinted by the same thread pool, counted in the same
 * store (the same Lua scripts) at the time it arrived (./mail-source.ts: its topmost Received field, else its Date
 * field), in that order, and decided by the same decision table,
 * in a throwaway Redis: a private redis-server started for the replay, or a given one under a prefix of its own
 * that is deleted after. Time is the messages' time: the counting window slides with it, and a campaign unseen for
 * `campaigns.ttlSeconds` of message time is forgotten (its keys deleted before the next copy), as Redis's expiry
 * forgets it in the daemon.
 *
 * The allowlist applies as in the daemon, but for client networks (a stored message keeps no client address).
 * Scans (unless off) use the configured scanners on the copy that would have queued one, and the verdict applies
 * from that copy on, as if every scan finished before the next copy arrived. What a ham verdict covers applies as in
 * the daemon (src/policy/link-cover.ts): a verdict is recorded with its copy's links, and a copy linking to a domain
 * none covered is decided as unjudged and scanned (at most once each `queue.rescanNewLinksSeconds` of message time);
 * that scan judges only the links the copy added, as the scan worker records it. Scheduled re-scans
 * (`queue.rescanAfterCopies`, `rescanAfterSeconds`) are not replayed.
 */
import { randomBytes } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { FingerprintPool } from "../fingerprint/pool.js";
import { compileAllowlist, type Allowlist } from "../policy/allowlist.js";
import {
  decide,
  joinDetails,
  outcomeOf,
  parseDetail,
  scanReason,
  skipFailReason,
  statusDetails,
  withVerdict,
  type Decision,
} from "../policy/decide.js";
import { copyView, linkStanding, linksDetail, linksRuleOn, scannedLinks } from "../policy/link-cover.js";
import { judgeScan } from "../queue/judge.js";
import { createRedis } from "../redis/connect.js";
import { startScratchRedis } from "../redis/scratch-server.js";
import { campaignKeys } from "../reputation/keys.js";
import { createCampaignStore, type RedisCampaignStore } from "../reputation/store.js";
import type { CampaignView, ScanVerdict } from "../reputation/types.js";
import type { Fingerprint } from "../fingerprint/types.js";
import { createScanners, runScanners, type Scanner } from "../scanners/index.js";
import { failModeOf } from "../vocabulary/fail-reasons.js";
import { headerFields, inDateOrder, readReplayMessages, sourceKind, type ReplayMessage } from "./mail-source.js";
import { CampaignTally, type CampaignReport, type ReplayedMessage } from "./tally.js";

export interface ReplayOptions {
  config: Config;
  /** A Redis to replay in (under a throwaway prefix, deleted after); null starts a private redis-server. */
  redisUrl: string | null;
  /** Run the configured scanners on the copies that would queue a scan. */
  scan: boolean;
  /** Messages read at most. */
  limit: number;
  /** The scanners, when `scan`; by default `createScanners(config.scanWorker.scanners)`. */
  scanners?: Scanner[];
}

/** What would have happened. */
export interface ReplayReport {
  source: string;
  kind: "maildir" | "mbox" | "folder";
  messages: number;
  /** Messages without a Received or Date field that parses (placed after the message found before them). */
  undated: number;
  /** Messages no fingerprint could be made of. */
  unparsed: number;
  thresholds: {
    bulk: Config["campaigns"]["bulk"];
    windowSeconds: number;
    ttlSeconds: number;
    /** MinHash votes to join; null: the store derives them from fingerprint.minhashThreshold. */
    votes: number | null;
    holdSeconds: number;
    holdBulk: boolean;
    holdMode: Config["policy"]["holdMode"];
    scanners: string[];
    /** `queue.rescanNewLinksSeconds`: 0 lets a ham verdict cover every copy, whatever it links to. */
    rescanNewLinksSeconds: number;
  };
  campaigns: CampaignReport[];
  decisions: ReplayedMessage[];
}

/** A throwaway place in Redis: the store over it, and how to remove it. */
async function throwawayRedis(options: ReplayOptions) {
  const scratch = options.redisUrl === null ? await startScratchRedis() : null;
  const url = scratch?.url ?? options.redisUrl!;
  const prefix = `replay-${randomBytes(6).toString("hex")}`;
  const redis = createRedis(options.config.redis, url, "bullmq");
  const store = createCampaignStore(redis, { prefix, campaigns: options.config.campaigns, closeConnection: false });
  const close = async () => {
    if (!scratch) await deletePrefix(redis, prefix);
    redis.disconnect();
    await scratch?.stop();
  };
  return { redis, store, prefix, close };
}

async function deletePrefix(redis: Redis | Cluster, prefix: string): Promise<void> {
  const stream = (redis as Redis).scanStream({ match: `${campaignKeys(prefix).base}*`, count: 500 });
  for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) await redis.unlink(...keys);
}

/**
 * Forget campaigns last seen more than `ttlSeconds` of message time before `now`, as Redis's expiry would have by
 * then: their hash and counts go, so the next copy starts a new campaign (the store re-points stale shingles).
 */
async function expire(redis: Redis | Cluster, prefix: string, now: number, ttlSeconds: number): Promise<void> {
  const keys = campaignKeys(prefix);
  const stale = await redis.zrangebyscore(keys.top, "-inf", `(${now - ttlSeconds * 1000}`);
  if (stale.length === 0) return;
  await redis.unlink(...stale.flatMap((id) => [keys.campaign(id), `${keys.campaign(id)}:n`]));
  await redis.zrem(keys.top, ...stale);
}

/** Scan a copy with the configured scanners; the verdict as the scan worker would record it, or null on failure. */
async function scanCopy(scanners: Scanner[], config: Config, m: ReplayMessage, now: number) {
  try {
    const result = await runScanners(scanners, m.bytes);
    const verdict = judgeScan(result, result.saysHam, {
      spamScore: config.scanWorker.spamScore,
      hamMargin: config.verdicts.hamMargin,
    });
    const scan: ScanVerdict = {
      verdict,
      score: result.score,
      scanner: result.scanner,
      threshold: result.threshold,
      rules: result.rules.slice(0, 5),
      at: now,
    };
    return scan;
  } catch {
    return null;
  }
}

/** Replay PATH; resolves with what would have happened. */
export async function replay(path: string, options: ReplayOptions): Promise<ReplayReport> {
  const { config } = options;
  const kind = sourceKind(path);
  const { ordered, undated } = inDateOrder(readReplayMessages(path, options.limit));
  const pool = new FingerprintPool({
    ...config.fingerprint,
    taskTimeoutMs: Math.max(config.fingerprint.taskTimeoutMs, 60_000),
  });
  const place = await throwawayRedis(options);
  const scanners = options.scan ? (options.scanners ?? createScanners(config.scanWorker.scanners)) : [];
  const tally = new CampaignTally();
  try {
    await pool.ready();
    const allowlist = compileAllowlist(config.policy.allowlist);
    for (const m of ordered) await replayOne(m, { config, pool, place, scanners, tally, allowlist });
  } finally {
    await pool.close();
    await place.close();
  }
  const c = config.campaigns;
  return {
    source: path,
    kind,
    messages: ordered.length,
    undated,
    unparsed: tally.unparsed,
    thresholds: {
      bulk: c.bulk,
      windowSeconds: c.windowSeconds,
      ttlSeconds: c.ttlSeconds,
      votes: c.votes ?? null,
      holdSeconds: config.policy.holdSeconds,
      holdBulk: config.policy.holdBulk,
      holdMode: config.policy.holdMode,
      scanners: scanners.map((s) => s.name),
      rescanNewLinksSeconds: config.queue.rescanNewLinksSeconds,
    },
    campaigns: tally.campaigns(),
    decisions: tally.decisions,
  };
}

interface ReplayContext {
  config: Config;
  pool: FingerprintPool;
  place: { redis: Redis | Cluster; store: RedisCampaignStore; prefix: string };
  scanners: Scanner[];
  tally: CampaignTally;
  allowlist: Allowlist;
}

/** Whether a bulk copy would pass as solicited (policy.allowlist), from its header and envelope sender. */
function allowlisted(ctx: ReplayContext, m: ReplayMessage, campaign: CampaignView): boolean {
  if (campaign.state !== "bulk") return false;
  const headers = [...headerFields(m.bytes)].flatMap(([name, values]) => values.map((value) => ({ name, value })));
  return ctx.allowlist.match({ sender: m.sender, headers, clientAddress: null }) !== null;
}

/** The decision table on the campaign as the copy stands in it, as the policy calls it. */
function decideCopy(ctx: ReplayContext, m: ReplayMessage, campaign: CampaignView, now: number, unscanned: boolean) {
  const settings = ctx.config.policy;
  return decide({ campaign, allowlisted: allowlisted(ctx, m, campaign), now, settings, unscannedLinks: unscanned });
}

/**
 * Scan the copy when the policy would queue its scan (src/policy/scan-request.ts): the campaign's first, or one for
 * links its ham verdict did not cover. The verdict is recorded as the scan worker records a job's
 * (src/queue/scan-processor.ts): with the copy's links when `queue.rescanNewLinksSeconds` is on, so the store
 * keeps what a ham verdict covers and takes a variant's verdict for the links it added only.
 */
async function scanIfDue(
  ctx: ReplayContext,
  m: ReplayMessage,
  copy: { campaign: CampaignView; fingerprint: Fingerprint; unscannedLinks: boolean },
  now: number,
): Promise<ScanVerdict | null> {
  const { config, place } = ctx;
  const { campaign, unscannedLinks } = copy;
  if (ctx.scanners.length === 0) return null;
  const reason = scanReason(campaign, config.queue, now, unscannedLinks);
  if (reason !== "new" && !(reason === "rescan" && unscannedLinks)) return null;
  await place.store.markScanQueued(campaign.id, now);
  const verdict = await scanCopy(ctx.scanners, config, m, now);
  if (verdict) await place.store.recordVerdict(campaign.id, verdict, scannedLinks(config.queue, copy.fingerprint));
  return verdict;
}

/**
 * One message: expire by its date, fingerprint, count, decide as the policy does (src/policy/floodgate-policy.ts:
 * the copy's links against its campaign's ham verdict first), scan when one would be queued, decide again.
 */
async function replayOne(m: ReplayMessage, ctx: ReplayContext): Promise<void> {
  const { config, place, tally } = ctx;
  const now = m.date!;
  await expire(place.redis, place.prefix, now, config.campaigns.ttlSeconds);
  const outcome = await ctx.pool.fingerprint(m.bytes);
  if (outcome.status !== "ok") {
    const reason = skipFailReason(outcome.reason);
    tally.unfingerprinted(m, now, reason, failModeOf(reason, config.policy));
    return;
  }
  const { fingerprint } = outcome;
  // The campaign as the store keeps it (for the tally), and as this copy stands in it (for the decision).
  let stored: CampaignView = await place.store.observe({
    fingerprint,
    sender: m.sender,
    recipients: m.recipients,
    clientIp: null,
    now,
  });
  const standing = linkStanding(stored, fingerprint, linksRuleOn(config.queue));
  let campaign = copyView(stored, standing);
  const unscannedLinks = standing === "unscanned";
  let decision: Decision = decideCopy(ctx, m, campaign, now, unscannedLinks);
  if (decision.action !== "reject") {
    const verdict = await scanIfDue(ctx, m, { campaign, fingerprint, unscannedLinks }, now);
    if (verdict) {
      campaign = withVerdict(campaign, verdict);
      // A scan of a copy with unscanned links judges the links it added, not the campaign (as the store took it).
      if (standing === null) stored = withVerdict(stored, verdict);
      decision = decideCopy(ctx, m, campaign, now, unscannedLinks);
    }
  }
  const details = joinDetails(statusDetails(campaign), linksDetail(standing), parseDetail(fingerprint.limit));
  const { status } = outcomeOf(decision, campaign.id, false, details);
  tally.decided(m, now, { campaign: stored, decision, status, links: standing });
}
