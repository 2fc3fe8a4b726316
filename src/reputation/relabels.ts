/**
 * What people do to a campaign: block and unblock, decide and undecide, mailbox users' reports, a rescan, and the
 * history of it all. Every change runs relabelCampaign-2.lua (blocks start in blockCampaign-2.lua), which records
 * who did it and why in the campaign's history; each is heard by the store's `onRelabel`, for the log.
 */
import { createHash } from "node:crypto";
import { CAMPAIGN_ID } from "./keys.js";
import { singleMs } from "./observe-args.js";
import { parseRelabelled, type Relabelled } from "./replies.js";
import { runScript } from "./scripts.js";
import { scripts, type StoreContext } from "./store-context.js";
import {
  CAMPAIGN_HISTORY_LENGTH,
  type Actor,
  type CampaignStore,
  type CampaignView,
  type DecidingReporters,
  type HistoryEntry,
  type ReportOutcome,
  type ReportSettings,
} from "./types.js";

/** A relabel as the log records it. */
export interface RelabelEvent extends Actor {
  id: string;
  op: string;
  label?: string;
  status: string;
}

/** The actor of a change made through the command line with no actor given. */
const CLI_ACTOR: Actor = { actor: "operator", reason: "" };

/** A reason is kept to this many characters. */
const MAX_REASON_CHARS = 200;

/** The key a reporter's rate limit counts under: a digest, so that no address is a key name. */
function reporterDigest(reporter: string): string {
  return createHash("sha1").update(reporter.trim().toLowerCase()).digest("hex").slice(0, 16);
}

/** What a relabel operation may carry besides its actor. */
interface RelabelArgs {
  label?: string;
  how?: string;
  reporters?: number;
  copiesPerReporter?: number;
  perReporterPerHour?: number;
}

/** Run the relabel script (relabelCampaign-2.lua) for one operation. */
async function relabel(
  ctx: StoreContext,
  onRelabel: ((event: RelabelEvent) => void) | undefined,
  id: string,
  op: string,
  by: Actor,
  args: RelabelArgs,
): Promise<Relabelled> {
  if (!CAMPAIGN_ID.test(id)) return { status: "missing", state: "", spam: 0, ham: 0, decided: null, id };
  const raw = await runScript(
    ctx.redis,
    scripts.relabel,
    [ctx.keys.campaign(id), ctx.keys.base],
    [
      op,
      Date.now(),
      by.actor,
      by.reason.slice(0, MAX_REASON_CHARS),
      args.label ?? "",
      args.how ?? "",
      args.reporters ?? 1,
      args.perReporterPerHour ?? 1,
      reporterDigest(by.actor),
      CAMPAIGN_HISTORY_LENGTH,
      ctx.settings().ttlSeconds * 1000,
      args.copiesPerReporter ?? 0,
    ],
  );
  const done = parseRelabelled(raw);
  onRelabel?.({ id, op, ...by, ...(args.label ? { label: args.label } : {}), status: done.status });
  return done;
}

type RelabelOperations = Pick<
  CampaignStore,
  "block" | "unblock" | "decide" | "undecide" | "report" | "unreport" | "rescan" | "history"
>;

/** The store's relabelling operations and the history they write. */
export function relabelOperations(ctx: StoreContext, onRelabel?: (event: RelabelEvent) => void): RelabelOperations {
  const { redis, keys } = ctx;

  const relabelIn = (id: string, op: string, by: Actor, args: RelabelArgs) => relabel(ctx, onRelabel, id, op, by, args);
  /** Relabel a campaign that must exist. */
  async function relabelExisting(id: string, op: string, by: Actor, args: RelabelArgs) {
    const done = await relabelIn(id, op, by, args);
    if (done.status === "missing") throw new Error(`no campaign ${id}`);
    return done;
  }

  return {
    async block(id: string, ttlSeconds: number, by: Actor = CLI_ACTOR): Promise<string> {
      if (!(ttlSeconds > 0)) throw new Error(`block duration must be positive, got ${ttlSeconds}`);
      const now = Date.now();
      const blocked =
        CAMPAIGN_ID.test(id) &&
        (await runScript(
          redis,
          scripts.block,
          [keys.campaign(id), keys.base],
          [now, now + Math.round(ttlSeconds * 1000), id, singleMs(ctx.settings())],
        ));
      if (typeof blocked !== "string") throw new Error(`no campaign ${id}`);
      await relabelIn(blocked, "block", by, {});
      return blocked;
    },

    async unblock(id: string, by: Actor = CLI_ACTOR): Promise<string> {
      return (await relabelExisting(id, "unblock", by, {})).id;
    },

    async decide(id, label, how, by): Promise<CampaignView> {
      await relabelExisting(id, "decide", by, { label, how });
      const [view] = await ctx.getMany([id]);
      if (!view) throw new Error(`no campaign ${id}`);
      return view;
    },

    async undecide(id, how, by, settings: DecidingReporters): Promise<boolean> {
      const { reporters, copiesPerReporter } = settings;
      return (await relabelExisting(id, "undecide", by, { how, reporters, copiesPerReporter })).status === "ok";
    },

    async report(id, label, by, settings: ReportSettings): Promise<ReportOutcome> {
      const done = await relabelIn(id, "report", by, { label, ...settings });
      const outcome = done.status === "ok" ? "counted" : done.status === "missing" ? "no-campaign" : done.status;
      if (outcome === "absent") throw new Error(`unexpected relabel status ${done.status}`);
      return { outcome, spam: done.spam, ham: done.ham, decided: done.decided };
    },

    async unreport(id, by, settings: ReportSettings): Promise<boolean> {
      return (await relabelExisting(id, "unreport", by, settings)).status === "ok";
    },

    async rescan(id, by): Promise<void> {
      await relabelExisting(id, "rescan", by, {});
    },

    async history(id): Promise<HistoryEntry[]> {
      if (!CAMPAIGN_ID.test(id)) return [];
      // An id merged into another: the history of the campaign it stands for.
      const [view] = await ctx.getMany([id]);
      const lines = await redis.lrange(keys.history(view?.id ?? id), 0, CAMPAIGN_HISTORY_LENGTH - 1);
      return lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as HistoryEntry];
        } catch {
          return [];
        }
      });
    },
  };
}
