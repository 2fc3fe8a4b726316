/**
 * Samples of each campaign for the operator's console: one message (capped), and the most recent distinct subjects,
 * link domains, attachment digests, sender domains and client networks, each list kept to `maxValues`. Everything
 * expires `retentionSeconds` after the campaign's last sampled copy (7 days by default) and is read only by the
 * console, behind its login.
 *
 * Only campaigns are sampled: a copy whose campaign has fewer than `fromCopies` copies (one-off mail, most of what a
 * server receives) is not kept.
 *
 * Off the mail path: `offer` never waits and never throws. It samples at most `perCampaignPerMinute` copies of a
 * campaign per minute in this process (an in-memory count over at most MAX_TRACKED campaigns), and writes them on
 * its own Redis connection, the samples of FLUSH_MS (at most MAX_PENDING of them) in one pipeline, one script each
 * (lua/writeSample-6.lua): a write of its own per sample cost the main thread a round trip each. A failed
 * write is dropped (a sample is no evidence, only a view), and so are the samples still waiting when the process ends.
 * Lists are sorted sets scored by when a value was last seen, cut to the newest `maxValues` at each write, so each
 * write is bounded whatever the campaign's size. Debian's Redis has no RedisBloom; none is needed for this.
 */
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { Fingerprint } from "../fingerprint/types.js";
import { campaignKeys, CAMPAIGN_ID } from "./keys.js";
import { isNoScript, loadScript } from "./scripts.js";

/** The sample settings (`console.samples`). */
export type SampleSettings = Config["console"]["samples"];

/** One sample's writes: its message (a SET of its own), then writeSample-6.lua's keys and arguments. */
interface SampleWrite {
  messageKey: string;
  message: Buffer;
  ttl: number;
  keys: string[];
  args: (string | number)[];
}

/** One sampled copy, as the policy hands it over after the campaign observed it. */
export interface SampleOffer {
  campaignId: string;
  /** The campaign's copies, this one included. */
  copies: number;
  fingerprint: Fingerprint;
  message: Buffer;
  sender: string;
  clientIp: string | null;
  now?: number;
}

/** What is kept of a campaign, newest first in every list. */
export interface CampaignSamples {
  /** The sample message (capped), and when it was taken; null when none is kept. */
  message: Buffer | null;
  messageAt: number | null;
  subjects: string[];
  linkDomains: string[];
  attachments: string[];
  senderDomains: string[];
  clientNetworks: string[];
}

/** What is kept of a campaign of which nothing is. */
export function noSamples(): CampaignSamples {
  return {
    message: null,
    messageAt: null,
    subjects: [],
    linkDomains: [],
    attachments: [],
    senderDomains: [],
    clientNetworks: [],
  };
}

/** A sample's writes but its message's in one script: as a dozen-odd commands each paid ioredis's work per command
 * on the main thread (its figures: benchmarks/README.md). */
const WRITE_SAMPLE = loadScript("writeSample-6.lua");

/** Campaigns whose per-minute sample count is tracked in memory at most. */
const MAX_TRACKED = 10_000;
/** The longest a sample waits to be written with the next ones. */
const FLUSH_MS = 100;
/** Samples written in one pipeline at most: this many waiting are written at once. */
const MAX_PENDING = 64;

const LISTS = ["subjects", "linkDomains", "attachments", "senderDomains", "clientNetworks"] as const;
type ListName = (typeof LISTS)[number];
const SUFFIX: Record<ListName, string> = {
  subjects: "subj",
  linkDomains: "links",
  attachments: "att",
  senderDomains: "sd",
  clientNetworks: "net",
};

/** The network a client address belongs to, as shown: /24 for IPv4, /48 for IPv6. */
export function clientNetwork(ip: string): string {
  const plain = ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
  if (plain.includes(".")) {
    const parts = plain.split(".");
    return parts.length === 4 ? `${parts.slice(0, 3).join(".")}.0/24` : plain;
  }
  const groups = plain.split(":").slice(0, 3);
  return `${groups.join(":")}::/48`;
}

/** The sender address's domain, lowercased; "(none)" for the null sender. */
export function senderDomain(sender: string): string {
  const at = sender.lastIndexOf("@");
  const domain = at >= 0 ? sender.slice(at + 1) : "";
  return domain.replace(/>$/, "").trim().toLowerCase().slice(0, 255) || "(none)";
}

/** The sample store of one key prefix. */
export class SampleStore {
  readonly #keys: ReturnType<typeof campaignKeys>;
  /** campaign id → [minute, copies sampled in it] */
  readonly #recent = new Map<string, [number, number]>();
  /** Samples taken and not yet written. */
  #pending: Array<{ offer: SampleOffer; settings: SampleSettings; now: number }> = [];
  #flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis | Cluster,
    prefix: string,
    private readonly settings: () => SampleSettings,
  ) {
    this.#keys = campaignKeys(prefix);
  }

  #key(id: string, what: string): string {
    return `${this.#keys.campaign(id)}:s:${what}`;
  }

  /** Sample this copy when its campaign's quota for the minute allows; returns at once. */
  offer(offer: SampleOffer): void {
    const s = this.settings();
    if (!s.enabled || offer.copies < s.fromCopies || !CAMPAIGN_ID.test(offer.campaignId)) return;
    const now = offer.now ?? Date.now();
    if (!this.#take(offer.campaignId, Math.floor(now / 60_000), s.perCampaignPerMinute)) return;
    this.#pending.push({ offer, settings: s, now });
    if (this.#pending.length >= MAX_PENDING) this.#flush();
    else if (this.#flushTimer === null) {
      this.#flushTimer = setTimeout(() => this.#flush(), FLUSH_MS);
      this.#flushTimer.unref();
    }
  }

  /** Write the waiting samples in one pipeline, a SET of the message and a script each; the scripts Redis did not
   * know (after a restart or a failover) again with their source. */
  #flush(): void {
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const writes = this.#pending.map(({ offer, settings, now }) => this.#sampleArgs(offer, settings, now));
    this.#pending = [];
    const pipeline = this.redis.pipeline();
    for (const { messageKey, message, ttl, keys, args } of writes) {
      pipeline.set(messageKey, message, "EX", ttl, "NX");
      pipeline.evalsha(WRITE_SAMPLE.sha, WRITE_SAMPLE.numKeys, ...keys, ...args);
    }
    pipeline
      .exec()
      .then((results) => {
        const unknown = writes.filter((_, i) => isNoScript(results?.[2 * i + 1]?.[0]));
        if (unknown.length === 0) return;
        const again = this.redis.pipeline();
        for (const { keys, args } of unknown) again.eval(WRITE_SAMPLE.source, WRITE_SAMPLE.numKeys, ...keys, ...args);
        return again.exec();
      })
      .catch(() => undefined);
  }

  /** Count one sample against the campaign's quota of the minute; false when the quota is spent. */
  #take(id: string, minute: number, perMinute: number): boolean {
    const seen = this.#recent.get(id);
    if (seen && seen[0] === minute) {
      if (seen[1] >= perMinute) return false;
      seen[1]++;
      return true;
    }
    this.#recent.delete(id);
    if (this.#recent.size >= MAX_TRACKED) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    this.#recent.set(id, [minute, 1]);
    return true;
  }

  /** One sample's writes: its message's SET, and writeSample-6.lua's keys and arguments. */
  #sampleArgs(offer: SampleOffer, s: SampleSettings, now: number): SampleWrite {
    const id = offer.campaignId;
    const fp = offer.fingerprint;
    const values: Record<ListName, string[]> = {
      subjects: fp.subject ? [fp.subject] : [],
      linkDomains: fp.linkDomains.slice(0, s.maxValues),
      attachments: fp.attachments.slice(0, s.maxValues),
      senderDomains: [senderDomain(offer.sender)],
      clientNetworks: offer.clientIp ? [clientNetwork(offer.clientIp)] : [],
    };
    const message = offer.message.subarray(0, s.maxMessageBytes);
    const keys = [this.#key(id, "msgAt")];
    const args: (string | number)[] = [s.retentionSeconds, s.maxValues, now];
    for (const list of LISTS) {
      keys.push(this.#key(id, SUFFIX[list]));
      args.push(values[list].length, ...values[list]);
    }
    return { messageKey: this.#key(id, "msg"), message, ttl: s.retentionSeconds, keys, args };
  }

  /** What is kept of a campaign (an empty sample when nothing is). */
  async read(id: string): Promise<CampaignSamples> {
    const empty = noSamples();
    if (!CAMPAIGN_ID.test(id)) return empty;
    const max = this.settings().maxValues;
    const [message, at, ...lists] = await Promise.all([
      this.redis.getBuffer(this.#key(id, "msg")),
      this.redis.get(this.#key(id, "msgAt")),
      ...LISTS.map((list) => this.redis.zrevrange(this.#key(id, SUFFIX[list]), 0, max - 1)),
    ]);
    const out = { ...empty, message, messageAt: at === null ? null : Number(at) };
    LISTS.forEach((list, i) => (out[list] = lists[i] ?? []));
    return out;
  }
}
