/**
 * A person's report on a message (`floodgate report`, through the ops server): the message is fingerprinted by the
 * daemon's own pool, exactly as at end of message, its campaign found (or started, when no copy was seen yet), and
 * relabelled. An operator's report (the admin token) decides the campaign; a mailbox user's report (the report-only
 * token, with the reporter's address) counts towards `reports.reporters` distinct reporters, rate-limited per
 * reporter by the store. Every report that decides or counts is taught to the scanners (a learn job, run where the
 * scanners are), but a mailbox user's ham only while the campaign stands ham: a sender holding a few mailboxes on the
 * platform could otherwise teach spamd's Bayes its spam as ham, 30 messages an hour a mailbox. Taking a report back
 * teaches them to forget it.
 */
import type { Queue } from "bullmq";
import type { Config } from "../config/schema.js";
import type { FingerprintOutcome } from "../fingerprint/types.js";
import { queueLearn } from "../queue/learn.js";
import type { Actor, CampaignState, CampaignStore } from "../reputation/types.js";
import type { Logger } from "../util/logger.js";

/** One report as the ops server received it. */
export interface ReportRequest {
  message: Buffer;
  label: "spam" | "ham";
  /** Take the report back instead. */
  undo: boolean;
  /** The mailbox user's address; null for the operator. */
  reporter: string | null;
  /** The operator's name (for "operator:<name>"); ignored for a mailbox user. */
  operator: string;
  reason: string;
}

/** What a report did. */
export interface ReportAnswer {
  campaign: string | null;
  /** The campaign was started from this message (no copy had been seen). */
  created: boolean;
  /** decided, undecided, counted, duplicate, rate-limited, not-reported (an undo with nothing to take back), no-campaign. */
  outcome: string;
  state: CampaignState | null;
  reports: { spam: number; ham: number };
  /** queued: the scanners will learn it; off: `reports.learn` is off or there is no queue; none: nothing to teach;
   * withheld: a mailbox user's ham on a campaign that does not stand ham (counted, not taught). */
  learn: "queued" | "off" | "none" | "withheld" | "failed";
}

export interface ReportDeps {
  config: () => Config;
  fingerprint: (message: Buffer) => Promise<FingerprintOutcome>;
  store: CampaignStore;
  /** The scan queue, where learn jobs go; null when the queue is off. */
  queue: Queue | null;
  logger: Logger;
}

/** Thrown for a message that cannot be fingerprinted (the ops server answers 422). */
export class UnreportableMessageError extends Error {
  override readonly name = "UnreportableMessageError";
}

/** Apply one report. */
export async function applyReport(request: ReportRequest, deps: ReportDeps): Promise<ReportAnswer> {
  const config = deps.config();
  const outcome = await deps.fingerprint(request.message);
  if (outcome.status !== "ok")
    throw new UnreportableMessageError(`the message cannot be fingerprinted: ${outcome.reason}`);
  let id = (await deps.store.match(outcome.fingerprint))?.id ?? null;
  let created = false;
  if (id === null) {
    if (request.undo) return { ...noCampaign(), outcome: "no-campaign" };
    const view = await deps.store.observe({
      fingerprint: outcome.fingerprint,
      sender: "",
      recipients: [],
      clientIp: null,
    });
    ({ id, created } = view);
  }
  const actor: Actor = {
    actor: request.reporter ?? `operator:${request.operator}`,
    reason: request.reason,
  };
  const { reporters, copiesPerReporter, perReporterPerHour } = config.reports;
  const settings = { reporters, copiesPerReporter, perReporterPerHour };
  let result: string;
  if (request.reporter === null && !request.undo) {
    await deps.store.decide(id, request.label, "report", actor);
    result = "decided";
  } else if (request.reporter === null) {
    result = (await deps.store.undecide(id, "report", actor, settings)) ? "undecided" : "not-reported";
  } else if (!request.undo) {
    result = (await deps.store.report(id, request.label, actor, settings)).outcome;
  } else {
    result = (await deps.store.unreport(id, actor, settings)) ? "unreported" : "not-reported";
  }
  const view = await deps.store.get(id);
  const teach = ["decided", "counted", "undecided", "unreported"].includes(result);
  const usersHam = request.reporter !== null && request.label === "ham" && !request.undo;
  let learn: ReportAnswer["learn"] = "none";
  if (teach && usersHam && view?.state !== "ham") learn = "withheld";
  else if (teach) learn = await learnFrom(request, id, deps, config);
  return {
    campaign: id,
    created,
    outcome: result,
    state: view?.state ?? null,
    reports: view?.reports ?? { spam: 0, ham: 0 },
    learn,
  };
}

/** Queue the learn job of a report (or of taking one back); its failure never fails the report. */
async function learnFrom(
  request: ReportRequest,
  campaignId: string,
  deps: ReportDeps,
  config: Config,
): Promise<ReportAnswer["learn"]> {
  if (!config.reports.learn || deps.queue === null) return "off";
  try {
    await queueLearn(deps.queue, config, {
      campaignId,
      message: request.message,
      as: request.undo ? "forget" : request.label,
      ...(request.undo ? { forgetting: request.label } : {}),
    });
    return "queued";
  } catch (err) {
    deps.logger.warn({ campaign: campaignId, err: (err as Error).message }, "the report's learn job was not queued");
    return "failed";
  }
}

function noCampaign(): ReportAnswer {
  return {
    campaign: null,
    created: false,
    outcome: "no-campaign",
    state: null,
    reports: { spam: 0, ham: 0 },
    learn: "none",
  };
}
