/**
 * The Floodgate policy: at end of message, fingerprint the captured message (thread pool), count it in its
 * campaign (Redis), decide (decide.ts), queue a heavy scan when one is due, and label the message with
 * X-Floodgate-Campaign and the status header. Every other stage is only observed.
 *
 * Everything runs inside the policy's own deadline, a little shorter than `milter.eomDeadlineMs`: a slow or
 * failed dependency (pool, Redis) yields `policy.failMode` with the precise reason, counted in
 * floodgate_fail_mode_total, never a hung MTA. (floodgate_messages_total is counted by the engine's session
 * observer for every message, including those whose policy missed the deadline, so not here.) The configuration is read at each message, so a reload or the
 * shadow switch applies to the next one.
 */
import type { Config } from "../config/schema.js";
import type { FingerprintOutcome, SkipReason } from "../fingerprint/types.js";
import { SMFIF_ADDHDRS, SMFIF_CHGHDRS } from "../milter/constants.js";
import { failModeTotal, redisDuration } from "../metrics/metrics.js";
import type { ScanProducer } from "../queue/types.js";
import type { CampaignStore, CampaignView } from "../reputation/types.js";
import type { CapturedMessage } from "../vocabulary/mail.js";
import type { EndOfMessageResult } from "../vocabulary/verdict.js";
import type { MilterPolicy, SessionContext } from "../vocabulary/policy-api.js";
import type { Stage } from "../vocabulary/stage.js";
import type { Logger } from "../util/logger.js";
import { compileAllowlist, type Allowlist } from "./allowlist.js";
import { DeadlineError, reserveMs, startDeadline, type Deadline } from "./deadline.js";
import {
  campaignHeaderValue,
  decide,
  failOutcome,
  outcomeOf,
  scanReason,
  statusDetails,
  withVerdict,
  type Decision,
  type Outcome,
} from "./decide.js";
import { isUnparsed, type FailReason } from "../vocabulary/fail-reasons.js";
import { CAMPAIGN_HEADER, setHeader } from "./headers.js";

/** The fingerprint pool as the policy uses it (src/fingerprint/pool.ts implements it). */
export interface FingerprintSource {
  fingerprint(message: Buffer, options?: { signal?: AbortSignal }): Promise<FingerprintOutcome>;
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
}

const SKIP_REASONS: Record<SkipReason, FailReason> = {
  unparsed: "unparsed",
  "thread-died": "thread-died",
  timeout: "pool-timeout",
  "pool-full": "pool-full",
  "pool-down": "pool-down",
};

/** Map a failed Redis call to a fail reason. */
export function redisFailReason(error: unknown): FailReason {
  if (error instanceof DeadlineError) return "redis-timeout";
  if (error instanceof Error) {
    if (/timed out/i.test(error.message)) return "redis-timeout";
    if (error.name === "ReplyError" && !/LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN/.test(error.message))
      return "redis-error";
  }
  return "redis-down";
}

/** The Floodgate policy. */
export function createFloodgatePolicy(deps: PolicyDeps): MilterPolicy {
  const { config, pool, store, producer, logger } = deps;
  const allowlists = new WeakMap<object, Allowlist | null>();
  const lastWarned = new Map<string, number>();

  /** Log a dependency problem at most once per reason every 10 s. */
  const warnOnce = (reason: string, detail: Record<string, unknown>) => {
    const now = Date.now();
    if (now - (lastWarned.get(reason) ?? 0) < 10_000) return;
    lastWarned.set(reason, now);
    logger.warn({ reason, ...detail }, "fail mode applied");
  };

  const allowlistOf = (cfg: Config): Allowlist | null => {
    const section = cfg.policy.allowlist;
    if (!allowlists.has(section)) {
      try {
        allowlists.set(section, compileAllowlist(section));
      } catch (err) {
        logger.error({ err: (err as Error).message }, "policy.allowlist is invalid; nothing is allowlisted");
        allowlists.set(section, null);
      }
    }
    return allowlists.get(section) ?? null;
  };

  const finish = (
    ctx: SessionContext,
    statusHeader: string,
    outcome: Outcome,
    campaign: CampaignView | null,
  ): EndOfMessageResult => {
    const headers = ctx.transaction?.headers ?? [];
    const modifications = [
      ...(campaign ? setHeader(headers, CAMPAIGN_HEADER, campaignHeaderValue(campaign)) : []),
      ...setHeader(headers, statusHeader, outcome.status),
    ];
    return { verdict: outcome.verdict, modifications };
  };

  const fail = (
    ctx: SessionContext,
    cfg: Config,
    reason: FailReason,
    detail: Record<string, unknown>,
  ): EndOfMessageResult => {
    const mode = isUnparsed(reason) ? cfg.policy.unparsedAction : cfg.policy.failMode;
    failModeTotal.inc({ reason, mode });
    warnOnce(reason, { session: ctx.id, ...detail });
    return finish(ctx, cfg.milter.statusHeader, failOutcome(reason, mode, cfg.policy.shadow), null);
  };

  async function fingerprint(message: CapturedMessage, dl: Deadline): Promise<FingerprintOutcome | FailReason> {
    try {
      return await dl.race(pool.fingerprint(message.raw, { signal: dl.signal }));
    } catch (err) {
      return err instanceof DeadlineError ? "pool-timeout" : "pool-down";
    }
  }

  async function observe(ctx: SessionContext, outcome: FingerprintOutcome & { status: "ok" }, dl: Deadline) {
    const txn = ctx.transaction;
    const started = performance.now();
    try {
      return await dl.race(
        store.observe({
          fingerprint: outcome.fingerprint,
          sender: txn?.sender.address ?? "",
          recipients: txn?.recipients.map((r) => r.address) ?? [],
          clientIp: ctx.connect?.address ?? null,
        }),
      );
    } finally {
      redisDuration.observe((performance.now() - started) / 1000);
    }
  }

  /** Queue a scan when one is due; then, when configured, wait for the verdict. Returns the verdict if one came. */
  async function scan(
    ctx: SessionContext,
    cfg: Config,
    message: CapturedMessage,
    campaign: CampaignView,
    dl: Deadline,
  ) {
    if (!producer || !cfg.queue.enabled) return null;
    const reason = scanReason(campaign, cfg.queue, Date.now());
    let pending = campaign.lastScanQueuedAt > 0;
    if (reason) {
      const result = await dl
        .race(
          producer.enqueue({
            campaignId: campaign.id,
            message: message.raw,
            truncated: message.truncated,
            reason,
            ...(reason === "rescan" ? { generation: campaign.lastScanQueuedAt } : {}),
            ...(ctx.transaction?.queueId !== undefined ? { queueId: ctx.transaction.queueId } : {}),
          }),
        )
        .catch(() => "shed" as const);
      if (result !== "shed") {
        pending = true;
        store
          .markScanQueued(campaign.id)
          .catch((err: Error) => logger.debug({ err: err.message }, "markScanQueued failed"));
      }
    }
    if (campaign.verdict !== null || !pending || cfg.queue.verdictWaitMs <= 0 || !producer.healthy()) return null;
    const wait = Math.min(cfg.queue.verdictWaitMs, dl.remaining());
    if (wait <= 0) return null;
    return producer.waitForVerdict(campaign.id, wait, dl.signal).catch(() => null);
  }

  return {
    name: "floodgate",
    decidesAt: new Set<Stage>(["eom"]),
    actions: SMFIF_ADDHDRS | SMFIF_CHGHDRS,

    async endOfMessage(ctx, message, signal) {
      const cfg = config();
      const budget = cfg.milter.eomDeadlineMs - reserveMs(cfg.milter.eomDeadlineMs);
      const dl = startDeadline(budget, signal);
      try {
        const fp = await fingerprint(message, dl);
        if (typeof fp === "string") return fail(ctx, cfg, fp, {});
        if (fp.status === "skipped") return fail(ctx, cfg, SKIP_REASONS[fp.reason], {});

        let campaign: CampaignView;
        try {
          campaign = await observe(ctx, fp, dl);
        } catch (err) {
          return fail(ctx, cfg, redisFailReason(err), { err: (err as Error).message });
        }

        const isBulk = () => campaign.state === "bulk";
        const allowlisted = () =>
          isBulk() &&
          allowlistOf(cfg)?.match({
            sender: ctx.transaction?.sender.address ?? "",
            headers: ctx.transaction?.headers ?? [],
            clientAddress: ctx.connect?.address ?? null,
          }) != null;
        const decideNow = (): Decision =>
          decide({ campaign, allowlisted: allowlisted(), now: Date.now(), settings: cfg.policy });

        let decision = decideNow();
        if (decision.action !== "reject") {
          const verdict = await scan(ctx, cfg, message, campaign, dl);
          if (verdict) {
            campaign = withVerdict(campaign, verdict);
            decision = decideNow();
          }
        }
        logger.debug(
          { session: ctx.id, campaign: campaign.id, state: campaign.state, copies: campaign.copies, decision },
          "decided",
        );
        const outcome = outcomeOf(decision, campaign.id, cfg.policy.shadow, statusDetails(campaign));
        return finish(ctx, cfg.milter.statusHeader, outcome, campaign);
      } finally {
        dl.dispose();
      }
    },
  };
}
