/**
 * The campaign store: the Redis side of bulk detection, shared by every Floodgate (and scan worker process) that
 * uses the same Redis and prefix.
 *
 * Hot path: `observe` is one atomic Lua script (observeMessage-3.lua), one round trip. It looks the MinHash
 * values up (MGET of `m<version>:<value>` → the campaigns that hold the value), joins the campaign that
 * `campaigns.matchShare` of the values not common to many campaigns point to, and merges the campaigns a copy
 * matches together (never one carrying a person's decision); else the campaign of the exact key
 * (`d<version>:<digest>`); else the one the previous fingerprint version's keys point to (while fingerprints carry
 * them: a campaign of before an upgrade, keyed by this version from then on); else it starts a new campaign (id:
 * the first 12 hex of SHA-1 of the digest). Then it points the values and the exact key at the campaign, counts
 * the copy and returns the campaign's view. Keys carry the fingerprint version (src/fingerprint/types.ts), so
 * values of two versions are never compared. A merged campaign's id stands for the one it was merged into in
 * every read and write (`get`, `block`, verdicts, scans).
 *
 * Counting: the sliding window is `buckets` (6) buckets of window/6. Per bucket, copies are a hash field
 * (`c:<id>:n`) and distinct recipients, senders and client IPs are HyperLogLogs (`c:<id>:r|s|i:<bucket>`, ±0.81 %,
 * expiring a bucket after the window); a count is the sum, or the PFCOUNT union, of the live buckets. The window
 * therefore slides in steps of window/6: counts cover between 5/6 of the window and the whole of it.
 *
 * State, computed on every read: blocked while `blockUntil` is in the future; else spam or ham when a verdict is
 * stored; else bulk when any `campaigns.bulk` threshold is reached (`>=`) in the window; else new. `bulkSince` is
 * set when a campaign first reaches a threshold and cleared when it falls under all of them again (for the hold).
 * A block or a verdict is plain Redis state read by every observation, so it applies everywhere at the next message.
 *
 * Listing: `hot:<bucket>` sorted sets rank campaigns by their copies in one bucket, kept to the 1,000 busiest;
 * `top(limit)` sums the heads of the live buckets' rankings (topCampaigns-1.lua: a few times `limit` each, so its
 * cost follows what is shown, not how many campaigns exist) and tops up with the most recently seen (`top`, by last
 * seen).
 *
 * Cluster layout (decided here): every key of a prefix carries the one hash tag `{<prefix>}`, so one script can
 * read the shingle index and write the campaign it picks atomically in one round trip. A per-campaign tag would
 * need the value lookup as a separate, cross-slot step (the values spread over the cluster), a second round trip,
 * and a race when two hosts start the same campaign at once. The cost: one deployment's campaign data lives on
 * one shard (Cluster gives failover, not sharding of this data); deployments with different prefixes spread over
 * shards. Values already owned are re-armed once per bucket, not per copy, and distinct counts are cached per bucket
 * unless this copy's PFADD changed the HyperLogLog (a 6-key PFCOUNT of dense HyperLogLogs costs ~200 µs). What an
 * observation costs Redis is measured in benchmarks/README.md.
 *
 * Time is the caller's clock (`Observation.now`, else Date.now()): keep the MX hosts' clocks in NTP sync.
 *
 * size: one store is one closure over its connection, keys and settings; every operation is a short method that
 * runs its script (the replies are parsed in ./replies.ts).
 */
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { MIN_VOTES } from "../fingerprint/minhash.js";
import { PREVIOUS_VOTES } from "../fingerprint/previous-version.js";
import type { Fingerprint } from "../fingerprint/types.js";
import { campaignKeys, CAMPAIGN_ID, type CampaignKeys } from "./keys.js";
import { loadScript, runScript } from "./scripts.js";
import { parseObserved, parseRelabelled, parseView, type Relabelled } from "./replies.js";
import {
  CAMPAIGN_HISTORY_LENGTH,
  type Actor,
  type CampaignMatch,
  type CampaignStore,
  type CampaignView,
  type HistoryEntry,
  type Observation,
  type ObservedCampaign,
  type ReportOutcome,
  type ReportSettings,
  type ScanVerdict,
} from "./types.js";

/** Options of `createCampaignStore`. */
export interface CampaignStoreOptions {
  /** The key prefix (`redis.prefix`). */
  prefix: string;
  /** The campaign settings, or a function returning the current ones (read at each call, so a reload applies). */
  campaigns: Config["campaigns"] | (() => Config["campaigns"]);
  /** Buckets in the sliding window. @defaultValue 6 */
  buckets?: number;
  /** Whether `close()` closes the Redis connection. @defaultValue true */
  closeConnection?: boolean;
  /** Hears every relabel (for the log: who, why, what it did). */
  onRelabel?: (event: RelabelEvent) => void;
}

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

/** A campaign store with the extra reads and the write probe of the daemon's health. */
export interface RedisCampaignStore extends CampaignStore {
  /** Campaigns seen within the window (for `floodgate_campaigns_active`). */
  countActive(now?: number): Promise<number>;
  /** One small write in the store's slot (a key that expires): rejects as Redis rejects the mail path's writes. */
  probeWrite(now?: number): Promise<void>;
}

const scripts = {
  observe: loadScript("observeMessage-3.lua"),
  match: loadScript("matchFingerprint-2.lua"),
  get: loadScript("getCampaigns-1.lua"),
  block: loadScript("blockCampaign-2.lua"),
  verdict: loadScript("recordVerdict-2.lua"),
  relabel: loadScript("relabelCampaign-2.lua"),
  markScan: loadScript("markScanQueued-2.lua"),
  top: loadScript("topCampaigns-1.lua"),
  lookup: loadScript("lookupCampaign-2.lua"),
};

/** `top(limit)` reads the head of each bucket's ranking: `limit` times this many, and at least TOP_HEAD_MIN. */
const TOP_HEAD_FACTOR = 4;
const TOP_HEAD_MIN = 50;

/** Campaigns a MinHash value's key names at most; a value held by this many is common text (a list's footer, a
 * template) and counts for none. */
export const VALUE_OWNERS = 8;
/** Values one campaign claims at most (eight copies' worth): salted copies bring new values with every copy, and
 * the campaign's own text is claimed by its first copies. */
export const MAX_CLAIMS = 1024;
/** Campaigns one copy merges at most. */
export const MAX_MERGES = 4;
/** A campaign seen once keeps its MinHash values this many windows (a second copy gives them the campaign ttl):
 * most messages are seen once, and their values are most of the store. */
export const SINGLE_WINDOWS = 2;

/**
 * Distinct recipients of one message sent to Redis at most (the first ones): they count towards the campaign's
 * distinct recipients, so a message to more counts as this many. Far above any bulk threshold, and it keeps one
 * observation's arguments bounded whatever the envelope (Sendmail sets no recipient limit by default).
 */
export const MAX_OBSERVED_RECIPIENTS = 10_000;

/** Campaigns read per getCampaigns call. */
const GET_CHUNK = 50;

/** The key a reporter's rate limit counts under: a digest, so that no address is a key name. */
function reporterDigest(reporter: string): string {
  return createHash("sha1").update(reporter.trim().toLowerCase()).digest("hex").slice(0, 16);
}

/** The script arguments of a fingerprint's keys: the values' key prefix and values, the previous version's
 * values and exact digest. */
function fingerprintArgs(fp: Fingerprint, keys: CampaignKeys): string[] {
  const values = fp.minhash ?? [];
  const previous = fp.previous?.minhash ?? [];
  return [
    keys.valuePrefix(fp.version),
    String(values.length),
    ...values.map(String),
    String(previous.length),
    ...previous.map((v) => String(v >>> 0)),
    fp.previous?.direct ?? "",
  ];
}

/** The first MAX_OBSERVED_RECIPIENTS distinct recipients, trimmed and lowercased. */
function distinctRecipients(recipients: readonly string[]): string[] {
  const distinct = new Set<string>();
  for (const recipient of recipients) {
    if (distinct.size >= MAX_OBSERVED_RECIPIENTS) break;
    const address = recipient.trim().toLowerCase();
    if (address !== "") distinct.add(address);
  }
  return [...distinct];
}

function cleanSubject(subject: string): string {
  return subject
    .replace(/[\r\n\t]+/g, " ")
    .trim()
    .slice(0, 200);
}

/** The campaign store over a Redis connection (standalone, Sentinel or Cluster). */
export function createCampaignStore(redis: Redis | Cluster, options: CampaignStoreOptions): RedisCampaignStore {
  const keys = campaignKeys(options.prefix);
  const buckets = options.buckets ?? 6;
  const settings =
    typeof options.campaigns === "function" ? options.campaigns : () => options.campaigns as Config["campaigns"];
  const closeConnection = options.closeConnection ?? true;

  /** The store's limits (observeMessage-3.lua ARGV[13]). */
  const limits = (c: Config["campaigns"]) =>
    [MIN_VOTES, VALUE_OWNERS, MAX_CLAIMS, MAX_MERGES, PREVIOUS_VOTES, SINGLE_WINDOWS * c.windowSeconds * 1000].join(
      " ",
    );

  const windowArgs = (c: Config["campaigns"]) => [
    c.windowSeconds,
    buckets,
    c.bulk.copies,
    c.bulk.recipients,
    c.bulk.senders,
  ];

  /** Views of campaigns, read GET_CHUNK at a time so a long list never blocks Redis for long. */
  async function getMany(ids: readonly string[], now = Date.now()): Promise<(CampaignView | null)[]> {
    const out: (CampaignView | null)[] = [];
    for (let i = 0; i < ids.length; i += GET_CHUNK) {
      const chunk = ids.slice(i, i + GET_CHUNK);
      const raw = await runScript(redis, scripts.get, [keys.base], [now, ...windowArgs(settings()), ...chunk]);
      if (!Array.isArray(raw)) throw new Error("unexpected reply from getCampaigns");
      for (const r of raw as unknown[]) out.push(Array.isArray(r) ? parseView(r) : null);
    }
    return out;
  }

  /** Run the relabel script (relabelCampaign-2.lua) for one operation. */
  async function relabel(
    id: string,
    op: string,
    by: Actor,
    args: { label?: string; how?: string; reporters?: number; perReporterPerHour?: number },
  ): Promise<Relabelled> {
    if (!CAMPAIGN_ID.test(id)) return { status: "missing", state: "", spam: 0, ham: 0, decided: null, id };
    const raw = await runScript(
      redis,
      scripts.relabel,
      [keys.campaign(id), keys.base],
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
        settings().ttlSeconds * 1000,
      ],
    );
    const done = parseRelabelled(raw);
    options.onRelabel?.({ id, op, ...by, ...(args.label ? { label: args.label } : {}), status: done.status });
    return done;
  }

  return {
    verdictChannel: keys.verdictChannel,

    async observe(o: Observation): Promise<ObservedCampaign> {
      const c = settings();
      const now = o.now ?? Date.now();
      const recipients = distinctRecipients(o.recipients);
      const fp = o.fingerprint;
      const raw = await runScript(
        redis,
        scripts.observe,
        [keys.direct(fp.version, fp.direct), keys.top, keys.base],
        [
          now,
          c.windowSeconds,
          buckets,
          c.ttlSeconds,
          c.matchShare,
          c.bulk.copies,
          c.bulk.recipients,
          c.bulk.senders,
          fp.direct,
          cleanSubject(fp.subject),
          o.sender.trim().toLowerCase(),
          o.clientIp ?? "",
          limits(c),
          ...fingerprintArgs(fp, keys),
          recipients.length,
          ...recipients,
        ],
      );
      return parseObserved(raw);
    },

    async lookup(fp: Fingerprint, now = Date.now()): Promise<CampaignView | null> {
      const c = settings();
      const raw = await runScript(
        redis,
        scripts.lookup,
        [keys.direct(fp.version, fp.direct), keys.base],
        [now, ...windowArgs(c), c.matchShare, limits(c), ...fingerprintArgs(fp, keys)],
      );
      return raw === null ? null : parseView(raw);
    },

    async probeWrite(now = Date.now()): Promise<void> {
      await redis.set(`${keys.base}probe`, String(now), "PX", 60_000);
    },

    async get(id: string): Promise<CampaignView | null> {
      if (!CAMPAIGN_ID.test(id)) return null;
      const [view] = await getMany([id]);
      return view ?? null;
    },

    async match(fp: Fingerprint): Promise<CampaignMatch | null> {
      const c = settings();
      const raw = await runScript(
        redis,
        scripts.match,
        [keys.direct(fp.version, fp.direct), keys.base],
        [c.matchShare, limits(c), ...fingerprintArgs(fp, keys)],
      );
      if (!Array.isArray(raw)) return null;
      const [id, foundBy, matched] = raw as [string, CampaignMatch["foundBy"], string[]];
      return { id, foundBy, matched };
    },

    async top(limit: number): Promise<CampaignView[]> {
      if (limit <= 0) return [];
      const now = Date.now();
      const bucketMs = Math.floor((settings().windowSeconds * 1000) / buckets);
      const current = Math.floor(now / bucketMs);
      // The busiest in the window, from the head of each bucket's ranking: the cost follows `limit`, not the
      // number of campaigns...
      const head = Math.max(limit * TOP_HEAD_FACTOR, TOP_HEAD_MIN);
      const busiest = await runScript(redis, scripts.top, [keys.base], [current, buckets, limit, head]);
      if (!Array.isArray(busiest)) throw new Error("unexpected reply from topCampaigns");
      const ids = (busiest as unknown[]).map(String);
      // ...then, when fewer than `limit` were busy, the most recently seen.
      if (ids.length < limit) {
        const seen = new Set(ids);
        const recent = await redis.zrevrange(keys.top, 0, limit + ids.length - 1);
        for (const id of recent) if (ids.length < limit && !seen.has(id)) ids.push(id);
      }
      const views = (await getMany(ids, now)).filter((v): v is CampaignView => v !== null);
      views.sort((a, b) => b.copies - a.copies || b.lastSeen - a.lastSeen);
      return views;
    },

    async countActive(now = Date.now()): Promise<number> {
      return redis.zcount(keys.top, now - settings().windowSeconds * 1000, "+inf");
    },

    async block(id: string, ttlSeconds: number, by: Actor = CLI_ACTOR): Promise<string> {
      if (!(ttlSeconds > 0)) throw new Error(`block duration must be positive, got ${ttlSeconds}`);
      const now = Date.now();
      const blocked =
        CAMPAIGN_ID.test(id) &&
        (await runScript(
          redis,
          scripts.block,
          [keys.campaign(id), keys.base],
          [now, now + Math.round(ttlSeconds * 1000), id],
        ));
      if (typeof blocked !== "string") throw new Error(`no campaign ${id}`);
      await relabel(blocked, "block", by, {});
      return blocked;
    },

    async unblock(id: string, by: Actor = CLI_ACTOR): Promise<string> {
      const done = await relabel(id, "unblock", by, {});
      if (done.status === "missing") throw new Error(`no campaign ${id}`);
      return done.id;
    },

    async decide(id, label, how, by): Promise<CampaignView> {
      const done = await relabel(id, "decide", by, { label, how });
      if (done.status === "missing") throw new Error(`no campaign ${id}`);
      const [view] = await getMany([id]);
      if (!view) throw new Error(`no campaign ${id}`);
      return view;
    },

    async undecide(id, how, by, reporters): Promise<boolean> {
      const done = await relabel(id, "undecide", by, { how, reporters });
      if (done.status === "missing") throw new Error(`no campaign ${id}`);
      return done.status === "ok";
    },

    async report(id, label, by, settings: ReportSettings): Promise<ReportOutcome> {
      const done = await relabel(id, "report", by, { label, ...settings });
      const outcome = done.status === "ok" ? "counted" : done.status === "missing" ? "no-campaign" : done.status;
      if (outcome === "absent") throw new Error(`unexpected relabel status ${done.status}`);
      return { outcome, spam: done.spam, ham: done.ham, decided: done.decided };
    },

    async unreport(id, by, settings: ReportSettings): Promise<boolean> {
      const done = await relabel(id, "unreport", by, settings);
      if (done.status === "missing") throw new Error(`no campaign ${id}`);
      return done.status === "ok";
    },

    async rescan(id, by): Promise<void> {
      const done = await relabel(id, "rescan", by, {});
      if (done.status === "missing") throw new Error(`no campaign ${id}`);
    },

    async history(id): Promise<HistoryEntry[]> {
      if (!CAMPAIGN_ID.test(id)) return [];
      // An id merged into another: the history of the campaign it stands for.
      const [view] = await getMany([id]);
      const lines = await redis.lrange(keys.history(view?.id ?? id), 0, CAMPAIGN_HISTORY_LENGTH - 1);
      return lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as HistoryEntry];
        } catch {
          return [];
        }
      });
    },

    async recordVerdict(id: string, verdict: ScanVerdict): Promise<void> {
      await runScript(
        redis,
        scripts.verdict,
        [keys.campaign(id), keys.base],
        [
          verdict.verdict,
          String(verdict.score),
          verdict.scanner,
          verdict.at,
          keys.verdictChannel,
          JSON.stringify(verdict),
          verdict.threshold === null ? "" : String(verdict.threshold),
          verdict.rules.join(","),
          id,
        ],
      );
    },

    async markScanQueued(id: string, now = Date.now()): Promise<void> {
      await runScript(redis, scripts.markScan, [keys.campaign(id), keys.base], [now, id]);
    },

    async close(): Promise<void> {
      if (!closeConnection) return;
      try {
        await Promise.race([
          redis.quit(),
          new Promise((_, reject) => setTimeout(() => reject(new Error("quit timeout")), 1000).unref()),
        ]);
      } catch {
        redis.disconnect();
      }
    },
  };
}
