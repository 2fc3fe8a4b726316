/**
 * The Floodgate policy: at end of message, fingerprint the captured message (thread pool), count it in its
 * campaign (Redis), decide (decide.ts), queue a heavy scan when one is due, and give the status and the
 * X-Floodgate-Campaign label for the engine to write. Every other stage is only observed.
 *
 * Everything runs inside the Deadline the engine hands over, a little shorter than its own: a slow or failed dependency
 * (pool, Redis) yields `policy.dependencyFailMode` with the precise reason, counted in floodgate_fail_mode_total, never a hung
 * MTA. (The engine's session observer counts floodgate_messages_total for every message, including those whose policy
 * missed the deadline.) The configuration is read at each message, so a reload or the shadow switch applies to the
 * next one.
 */
import type { SampleStore } from "../reputation/samples.js";
import type { Config } from "../config/schema.js";
import type { FingerprintOutcome, ParseLimit } from "../fingerprint/types.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import { SMFIF_ADDHDRS, SMFIF_CHGHDRS, SMFIF_QUARANTINE } from "../milter/constants.js";
import type { ScanProducer } from "../queue/types.js";
import { classifyRedisError, type RedisFailure } from "../redis/errors.js";
import type { RedisWrites } from "../redis/write-refusal.js";
import type { CampaignStore, CampaignView } from "../reputation/types.js";
import { createRateLimitedLog, type RateLimitedLog } from "../util/rate-limited-log.js";
import type { Logger } from "../util/logger.js";
import { DeadlineError, type Deadline } from "../vocabulary/deadline.js";
import { failModeOf, type FailReason } from "../vocabulary/fail-reasons.js";
import type { CapturedMessage } from "../vocabulary/mail.js";
import type { MilterPolicy, SessionContext } from "../vocabulary/policy-api.js";
import type { Stage } from "../vocabulary/stage.js";
import type { EndOfMessageResult } from "../vocabulary/verdict.js";
import { compileAllowlist, type Allowlist } from "./allowlist.js";
import { campaignAccess } from "./campaign-access.js";
import {
  answer,
  decide,
  failOutcome,
  joinDetails,
  outcomeOf,
  parseDetail,
  judgedBy,
  skipFailReason,
  statusDetails,
  withVerdict,
} from "./decide.js";
import type { Decision } from "./decide.js";
import { recordHeldCopy, type HoldCopyDeps } from "./hold-copy.js";
import { copyView, linkStanding, linksDetail, linksRuleOn } from "./link-cover.js";
import { MailPathLoad, noteEndOfMessage } from "./mail-path-load.js";
import { scanCopy } from "./scan-request.js";

/** The fingerprint pool as the policy uses it (src/fingerprint/pool.ts implements it): it never rejects, and answers
 * "timeout" as soon as `options.signal` aborts or `options.withinMs` has passed. */
export interface FingerprintSource {
  fingerprint(message: Buffer, options?: { signal?: AbortSignal; withinMs?: number }): Promise<FingerprintOutcome>;
}

/** What the policy needs. */
export interface PolicyDeps {
  /** The live configuration, read at each message (SIGHUP reload and the shadow switch apply). */
  config: () => Config;
  pool: FingerprintSource;
  store: CampaignStore;
  /** The heavy-scan producer; null when the queue is off. */
  producer: ScanProducer | null;
  logger: Logger;
  /** The metrics the policy counts in: fail modes by reason, the Redis round trip's latency, refused writes, and
   * end-of-message decisions by who judged the campaign. */
  metrics: Pick<
    FloodgateMetrics,
    | "failModeTotal"
    | "parseLimitsTotal"
    | "redisDuration"
    | "redisWriteRefusalsTotal"
    | "campaignDecisionsTotal"
    | "campaignMatchesTotal"
    | "campaignMergesTotal"
    | "scanJobsShedTotal"
  >;
  /** Told of every campaign write's outcome, so the health sees a Redis that refuses writes as mail meets it. */
  writes?: RedisWrites;
  /** Keeps bounded samples of campaigns for the console; never waits (reputation/samples.ts). */
  samples?: Pick<SampleStore, "offer">;
  /** The hold queue (`policy.holdMode: quarantine`): where held copies are recorded. */
  hold?: HoldCopyDeps;
  /** The end-of-message rate and the busy state of the scan budget (`queue.busyRate`). @defaultValue a new one */
  mailPathLoad?: MailPathLoad;
}

const REDIS_REASONS: Record<RedisFailure, FailReason> = {
  timeout: "redis-timeout",
  down: "redis-down",
  error: "redis-error",
};

/** The fail reason of a failed Redis call on the mail path (the policy's own deadline counts as a timeout). */
export function redisFailReason(error: unknown): FailReason {
  return error instanceof DeadlineError ? "redis-timeout" : REDIS_REASONS[classifyRedisError(error)];
}

/** The Floodgate policy. */
export function createFloodgatePolicy(deps: PolicyDeps): MilterPolicy {
  return new FloodgatePolicy(deps);
}

class FloodgatePolicy implements MilterPolicy {
  readonly name = "floodgate";
  readonly decidesAt: ReadonlySet<Stage> = new Set<Stage>(["eom"]);
  readonly actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
  /** The compiled allowlist of each configuration's `policy.allowlist` section (null: invalid, nothing allowed). */
  private readonly allowlists = new WeakMap<object, Allowlist | null>();
  private readonly failLog: RateLimitedLog;
  private readonly campaigns: ReturnType<typeof campaignAccess>;
  private readonly load: MailPathLoad;
  /** Whether the mail path is busy (`queue.busyRate`), as of the last end of message. */
  private busy = false;

  constructor(private readonly deps: PolicyDeps) {
    this.load = deps.mailPathLoad ?? new MailPathLoad();
    this.failLog = createRateLimitedLog(deps.logger, "fail mode applied");
    this.campaigns = campaignAccess({
      store: deps.store,
      failReason: redisFailReason,
      metrics: deps.metrics,
      ...(deps.writes ? { writes: deps.writes } : {}),
    });
  }

  shadow(): boolean {
    return this.deps.config().policy.shadow;
  }

  async endOfMessage(ctx: SessionContext, message: CapturedMessage, deadline: Deadline): Promise<EndOfMessageResult> {
    const cfg = this.deps.config();
    this.busy = noteEndOfMessage(this.load, cfg.queue.busyRate, this.deps.logger);
    const fingerprint = await this.fingerprint(message, deadline);
    if (typeof fingerprint === "string") return this.fail(ctx, cfg, fingerprint, {});
    const parse = this.parseLimit(fingerprint.fingerprint.limit);
    const access = await this.observe(ctx, cfg, fingerprint, deadline);
    if ("reason" in access) return this.fail(ctx, cfg, access.reason, { err: access.error.message }, parse);
    const standing = linkStanding(access.campaign, fingerprint.fingerprint, linksRuleOn(cfg.queue));
    let campaign = copyView(access.campaign, standing);
    this.deps.samples?.offer({
      campaignId: campaign.id,
      copies: campaign.copies,
      fingerprint: fingerprint.fingerprint,
      message: message.raw,
      sender: ctx.transaction?.sender.address ?? "",
      clientIp: ctx.connect?.address ?? null,
    });
    const unscannedLinks = standing === "unscanned";
    let decision = this.decision(ctx, cfg, campaign, unscannedLinks);
    // A copy Redis would not count is not queued for a scan either: the queue lives in the same Redis.
    if (decision.action !== "reject" && access.counted) {
      const verdict = await scanCopy(this.deps, {
        cfg,
        message,
        fingerprint: fingerprint.fingerprint,
        campaign,
        unscannedLinks,
        busy: this.busy,
        queueId: ctx.transaction?.queueId,
        deadline,
      });
      if (verdict) {
        campaign = withVerdict(campaign, verdict);
        decision = this.decision(ctx, cfg, campaign, unscannedLinks);
      }
    }
    if (decision.action === "quarantine" && !cfg.policy.shadow)
      decision = await this.hold(ctx, cfg, campaign, deadline);
    this.deps.logger.debug(
      { session: ctx.id, campaign: campaign.id, state: campaign.state, copies: campaign.copies, decision },
      "decided",
    );
    this.deps.metrics.campaignDecisionsTotal.inc({ by: judgedBy(campaign), state: campaign.state });
    const details = joinDetails(statusDetails(campaign), linksDetail(standing), parse);
    return answer(outcomeOf(decision, campaign.id, cfg.policy.shadow, details), campaign);
  }

  /** Record the copy as held (hold-copy.ts); when it cannot be, it is tempfailed instead, as with holdMode tempfail. */
  private async hold(ctx: SessionContext, cfg: Config, campaign: CampaignView, deadline: Deadline): Promise<Decision> {
    const hold = this.deps.hold;
    const race = <T>(p: Promise<T>) => deadline.race(p);
    const why = hold ? await recordHeldCopy(hold, cfg, campaign.id, ctx.transaction?.queueId, race) : "helper-down";
    if (!why) return { action: "quarantine", reason: "bulk-hold" };
    this.deps.logger.debug({ session: ctx.id, campaign: campaign.id, why }, "copy not held; tempfailed instead");
    return { action: "tempfail", reason: "bulk-hold" };
  }

  /** The fingerprint, or the fail reason when the pool skipped the message, failed or missed the deadline (the
   * pool answers "timeout" when the deadline's time is up). Its time, not its signal: the engine ends the deadline
   * early only after that time, and the signal, an AbortController, its timer and a listener on it, cost the main
   * thread about 15 µs a message where the time costs none. */
  private async fingerprint(message: CapturedMessage, deadline: Deadline) {
    let outcome: FingerprintOutcome;
    try {
      outcome = await this.deps.pool.fingerprint(message.raw, { withinMs: deadline.remaining() });
    } catch {
      return "pool-down";
    }
    return outcome.status === "ok" ? outcome : skipFailReason(outcome.reason);
  }

  /**
   * Count the message in its campaign (one Redis round trip); when Redis refuses the write, the campaign read-only
   * (./campaign-access.ts).
   */
  private observe(ctx: SessionContext, cfg: Config, outcome: FingerprintOutcome & { status: "ok" }, dl: Deadline) {
    const txn = ctx.transaction;
    const observation = {
      fingerprint: outcome.fingerprint,
      sender: txn?.sender.address ?? "",
      recipients: txn?.recipients.map((r) => r.address) ?? [],
      clientIp: ctx.connect?.address ?? null,
    };
    // A reconnect (a failover) is waited for about as long as a few slow commands.
    return this.campaigns.observe(observation, dl, 4 * cfg.redis.commandTimeoutMs);
  }

  private decision(ctx: SessionContext, cfg: Config, campaign: CampaignView, unscannedLinks: boolean): Decision {
    const allowlisted =
      campaign.state === "bulk" &&
      this.allowlistOf(cfg)?.match({
        sender: ctx.transaction?.sender.address ?? "",
        headers: ctx.transaction?.headers ?? [],
        clientAddress: ctx.connect?.address ?? null,
      }) != null;
    return decide({ campaign, allowlisted, now: Date.now(), settings: cfg.policy, unscannedLinks });
  }

  private allowlistOf(cfg: Config): Allowlist | null {
    const section = cfg.policy.allowlist;
    if (!this.allowlists.has(section)) {
      try {
        this.allowlists.set(section, compileAllowlist(section));
      } catch (err) {
        this.deps.logger.error({ err: (err as Error).message }, "policy.allowlist is invalid; nothing is allowlisted");
        this.allowlists.set(section, null);
      }
    }
    return this.allowlists.get(section) ?? null;
  }

  /** The status header's detail of a message whose MIME parse stopped at a limit, counted (decide.ts, parseDetail). */
  private parseLimit(limit: ParseLimit | null): string {
    if (limit !== null) this.deps.metrics.parseLimitsTotal.inc({ limit });
    return parseDetail(limit);
  }

  private fail(ctx: SessionContext, cfg: Config, reason: FailReason, log: Record<string, unknown>, details = "") {
    const mode = failModeOf(reason, cfg.policy);
    this.deps.metrics.failModeTotal.inc({ reason, mode });
    this.failLog(reason, { session: ctx.id, ...log });
    return answer(failOutcome(reason, mode, cfg.policy.shadow, details), null);
  }
}
