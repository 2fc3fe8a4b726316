/**
 * The campaign store: the Redis side of bulk detection, shared by every Floodgate (and scan worker process) that
 * uses the same Redis and prefix.
 *
 * Hot path: `observe` is one atomic Lua script (observeMessage-3.lua), one round trip. It looks the MinHash
 * values up (MGET of `s<version>:<value>` → campaign id), joins the campaign that `campaigns.matchShare` of them
 * point to, else the one the exact digest (`d<version>:<digest>`) points to, else starts a new campaign (id: the
 * first 12 hex of SHA-1 of the digest); then it points the values and the digest at the campaign, counts the copy
 * and returns the campaign's view. Keys carry the fingerprint version (src/fingerprint/types.ts), so values of
 * two versions are never compared.
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
 * need the shingle lookup as a separate, cross-slot step (32 GETs spread over the cluster), a second round trip,
 * and a race when two hosts start the same campaign at once. The cost: one deployment's campaign data lives on
 * one shard (Cluster gives failover, not sharding of this data); deployments with different prefixes spread over
 * shards. Measured on the shared 2-vCPU dev VM, redis-server 7.0.15 on loopback, 200 campaigns of 3-value
 * variants (a throwaway script, numbers ±30 %): the script costs ~100 µs of Redis CPU (EVALSHA usec_per_call),
 * a sequential observe takes p50 170 µs end to end, 64 in flight give 3,700–7,000 observations/s; the two-step
 * alternative (MGET of the 32 shingle keys, then a per-campaign script) took p50 240–310 µs. Shingle pointers
 * already owned are re-armed once per bucket, not per copy (33 SETs a copy halved the throughput), and distinct
 * counts are cached per bucket unless this copy's PFADD changed the HyperLogLog (a 6-key PFCOUNT of dense
 * HyperLogLogs costs ~200 µs).
 *
 * Time is the caller's clock (`Observation.now`, else Date.now()): keep the MX hosts' clocks in NTP sync.
 */
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { Fingerprint } from "../fingerprint/types.js";
import { votesNeeded } from "../fingerprint/minhash.js";
import { campaignKeys, CAMPAIGN_ID } from "./keys.js";
import { loadScript, runScript } from "./scripts.js";
import {
  CAMPAIGN_HISTORY_LENGTH,
  type Actor,
  type CampaignState,
  type CampaignStore,
  type CampaignView,
  type DecisionHow,
  type HistoryEntry,
  type Observation,
  type PersonDecision,
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
  verdict: loadScript("recordVerdict-1.lua"),
  relabel: loadScript("relabelCampaign-2.lua"),
  markScan: loadScript("markScanQueued-1.lua"),
  top: loadScript("topCampaigns-1.lua"),
  lookup: loadScript("lookupCampaign-2.lua"),
};

/** `top(limit)` reads the head of each bucket's ranking: `limit` times this many, and at least TOP_HEAD_MIN. */
const TOP_HEAD_FACTOR = 4;
const TOP_HEAD_MIN = 50;

/**
 * Distinct recipients of one message sent to Redis at most (the first ones): they count towards the campaign's
 * distinct recipients, so a message to more counts as this many. Far above any bulk threshold, and it keeps one
 * observation's arguments bounded whatever the envelope (Sendmail sets no recipient limit by default).
 */
export const MAX_OBSERVED_RECIPIENTS = 10_000;

/** Campaigns read per getCampaigns call. */
const GET_CHUNK = 50;

const STATES: ReadonlySet<string> = new Set<CampaignState>(["new", "bulk", "spam", "ham", "blocked"]);

/** The view array's length (includes/campaignView.lua). */
const VIEW_LENGTH = 28;

const VERDICTS: ReadonlySet<string> = new Set(["spam", "ham", "unsure"]);
const HOWS: ReadonlySet<string> = new Set<DecisionHow>(["report", "pin", "reporters"]);

/** Turn the script's flat view array (includes/campaignView.lua) into a CampaignView. */
export function parseView(raw: unknown): CampaignView {
  if (!Array.isArray(raw) || raw.length !== VIEW_LENGTH)
    throw new Error(`unexpected campaign view from Redis: ${JSON.stringify(raw)}`);
  const a = raw as unknown[];
  const num = (i: number) => Number(a[i]);
  const str = (i: number) => {
    const v = a[i];
    return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
  };
  const state = str(2);
  if (!STATES.has(state)) throw new Error(`unexpected campaign state from Redis: ${state}`);
  return {
    id: str(0),
    created: num(1) === 1,
    state: state as CampaignState,
    copies: num(3),
    recipients: num(4),
    senders: num(5),
    clientIps: num(6),
    totalCopies: num(7),
    firstSeen: num(8),
    lastSeen: num(9),
    subject: str(10),
    verdict: parseVerdict(str(11), str(12), str(13), num(14), str(19), str(20)),
    decision: parseDecision(str(21), str(22), str(23), str(24), num(25)),
    reports: { spam: num(26), ham: num(27) },
    blockedUntil: state === "blocked" ? num(15) : null,
    copiesSinceScan: num(16),
    lastScanQueuedAt: num(17),
    bulkSince: num(18) > 0 ? num(18) : null,
  };
}

function parseVerdict(
  verdict: string,
  score: string,
  scanner: string,
  at: number,
  threshold: string,
  rules: string,
): ScanVerdict | null {
  if (!VERDICTS.has(verdict)) return null;
  return {
    verdict: verdict as ScanVerdict["verdict"],
    score: Number(score),
    scanner,
    threshold: threshold === "" ? null : Number(threshold),
    rules: rules === "" ? [] : rules.split(","),
    at,
  };
}

function parseDecision(label: string, how: string, by: string, why: string, at: number): PersonDecision | null {
  if ((label !== "spam" && label !== "ham") || !HOWS.has(how)) return null;
  return { label, how: how as DecisionHow, by, why, at };
}

/** The key a reporter's rate limit counts under: a digest, so that no address is a key name. */
function reporterDigest(reporter: string): string {
  return createHash("sha1").update(reporter.trim().toLowerCase()).digest("hex").slice(0, 16);
}

/** The relabel script's reply. */
interface Relabelled {
  status: "ok" | "missing" | "absent" | "duplicate" | "rate-limited";
  state: string;
  spam: number;
  ham: number;
  decided: "spam" | "ham" | null;
}

function parseRelabelled(raw: unknown): Relabelled {
  if (!Array.isArray(raw) || raw.length !== 5) throw new Error(`unexpected relabel reply: ${JSON.stringify(raw)}`);
  const [status, state, spam, ham, decided] = raw as [string, string, number, number, string];
  return {
    status: status as Relabelled["status"],
    state,
    spam: Number(spam),
    ham: Number(ham),
    decided: decided === "spam" || decided === "ham" ? decided : null,
  };
}

/** The MinHash arguments of a script: the values' key prefix, the number of values, the values. */
function minhashArgs(fp: Fingerprint, prefix: string): string[] {
  const values = fp.minhash ?? [];
  return [prefix, String(values.length), ...values.map((v) => String(v))];
}

/** Values of a fingerprint that must point at one campaign for it to join. */
function votesFor(fp: Fingerprint, share: number): number {
  return votesNeeded(fp.minhash?.length ?? 0, share);
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
    if (!CAMPAIGN_ID.test(id)) return { status: "missing", state: "", spam: 0, ham: 0, decided: null };
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

    async observe(o: Observation): Promise<CampaignView> {
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
          votesFor(fp, c.matchShare),
          c.bulk.copies,
          c.bulk.recipients,
          c.bulk.senders,
          fp.direct,
          cleanSubject(fp.subject),
          o.sender.trim().toLowerCase(),
          o.clientIp ?? "",
          ...minhashArgs(fp, keys.shinglePrefix(fp.version)),
          recipients.length,
          ...recipients,
        ],
      );
      return parseView(raw);
    },

    async lookup(fp: Fingerprint, now = Date.now()): Promise<CampaignView | null> {
      const c = settings();
      const raw = await runScript(
        redis,
        scripts.lookup,
        [keys.direct(fp.direct), keys.base],
        [now, ...windowArgs(c), c.votes, ...minhashArgs(fp)],
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

    async match(fp: Fingerprint): Promise<string | null> {
      const raw = await runScript(
        redis,
        scripts.match,
        [keys.direct(fp.version, fp.direct), keys.base],
        [votesFor(fp, settings().matchShare), ...minhashArgs(fp, keys.shinglePrefix(fp.version))],
      );
      return typeof raw === "string" ? raw : null;
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

    async block(id: string, ttlSeconds: number, by: Actor = CLI_ACTOR): Promise<void> {
      if (!(ttlSeconds > 0)) throw new Error(`block duration must be positive, got ${ttlSeconds}`);
      const now = Date.now();
      const ok =
        CAMPAIGN_ID.test(id) &&
        (await runScript(
          redis,
          scripts.block,
          [keys.campaign(id), keys.base],
          [now, now + Math.round(ttlSeconds * 1000), id],
        ));
      if (ok !== 1) throw new Error(`no campaign ${id}`);
      await relabel(id, "block", by, {});
    },

    async unblock(id: string, by: Actor = CLI_ACTOR): Promise<void> {
      if (!CAMPAIGN_ID.test(id)) throw new Error(`no campaign ${id}`);
      await relabel(id, "unblock", by, {});
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
      const lines = await redis.lrange(keys.history(id), 0, CAMPAIGN_HISTORY_LENGTH - 1);
      return lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as HistoryEntry];
        } catch {
          return [];
        }
      });
    },

    async recordVerdict(id: string, verdict: ScanVerdict): Promise<void> {
      const message = JSON.stringify({ id, verdict });
      await runScript(
        redis,
        scripts.verdict,
        [keys.campaign(id)],
        [
          verdict.verdict,
          String(verdict.score),
          verdict.scanner,
          verdict.at,
          keys.verdictChannel,
          message,
          verdict.threshold === null ? "" : String(verdict.threshold),
          verdict.rules.join(","),
        ],
      );
    },

    async markScanQueued(id: string, now = Date.now()): Promise<void> {
      await runScript(redis, scripts.markScan, [keys.campaign(id)], [now]);
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
