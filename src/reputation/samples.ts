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
 *
 * The message is kept from the first sample on (`SET NX`, for `retentionSeconds`), so it is sent with a campaign's
 * first sample in this process and then only once every MESSAGE_RESEND_MS (or sooner when its write failed): a copy
 * of up to `maxMessageBytes` sent with every sample, `perCampaignPerMinute` times a minute for each active campaign,
 * reached Redis only to be refused. A message gone since (expired, deleted) is written again within that time; its
 * time (`msgAt`) is written with it, so the two always agree.
 */
import type { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { Fingerprint } from "../fingerprint/types.js";
import { campaignKeys, CAMPAIGN_ID } from "./keys.js";
import { isNoScript, loadScript } from "./scripts.js";

/** The sample settings (`console.samples`). */
export type SampleSettings = Config["console"]["samples"];

/** One sample's writes: its message (a SET of its own; null when this process sent it lately), then
 * writeSample-6.lua's keys and arguments. */
interface SampleWrite {
  campaignId: string;
  messageKey: string;
  message: Buffer | null;
  ttl: number;
  keys: string[];
  args: (string | number)[];
}

/** A campaign's samples in this process: the minute counted, the samples taken in it, and when its message was last
 * sent (-Infinity: not yet, or its write failed). */
interface Tracked {
  minute: number;
  taken: number;
  messageSentAt: number;
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
/** How often at most a campaign's message is sent again, while the process tracks the campaign. */
export const MESSAGE_RESEND_MS = 10 * 60_000;

const LISTS = ["subjects", "linkDomains", "attachments", "senderDomains", "clientNetworks"] as const;
type ListName = (typeof LISTS)[number];
const SUFFIX: Record<ListName, string> = {
  subjects: "subj",
  linkDomains: "links",
  attachments: "att",
  senderDomains: "sd",
  clientNetworks: "net",
};
/** Every key of a campaign's samples, by its name after `c:<id>:s:`: the message, when it was taken, the lists. */
export const SAMPLE_KEY_NAMES: readonly string[] = ["msg", "msgAt", ...LISTS.map((list) => SUFFIX[list])];

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
  /** The campaigns sampled lately, oldest first. */
  readonly #recent = new Map<string, Tracked>();
  /** Samples taken and not yet written. */
  #pending: SampleWrite[] = [];
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
    const tracked = this.#take(offer.campaignId, Math.floor(now / 60_000), s.perCampaignPerMinute);
    if (!tracked) return;
    const sendMessage = now - tracked.messageSentAt >= Math.min(MESSAGE_RESEND_MS, s.retentionSeconds * 1000);
    if (sendMessage) tracked.messageSentAt = now;
    this.#pending.push(this.#sampleArgs(offer, s, now, sendMessage));
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
    const writes = this.#pending;
    this.#pending = [];
    const pipeline = this.redis.pipeline();
    // Where each write's script sits in the pipeline's results; its message's SET, when sent, just before it.
    const scriptAt: number[] = [];
    for (const { messageKey, message, ttl, keys, args } of writes) {
      if (message !== null) pipeline.set(messageKey, message, "EX", ttl, "NX");
      pipeline.evalsha(WRITE_SAMPLE.sha, WRITE_SAMPLE.numKeys, ...keys, ...args);
      scriptAt.push(pipeline.length - 1);
    }
    pipeline
      .exec()
      .then((results) => {
        writes.forEach((write, i) => {
          if (write.message !== null && results?.[scriptAt[i]! - 1]?.[0]) this.#messageNotSent(write.campaignId);
        });
        const unknown = writes.filter((_, i) => isNoScript(results?.[scriptAt[i]!]?.[0]));
        if (unknown.length === 0) return;
        const again = this.redis.pipeline();
        for (const { keys, args } of unknown) again.eval(WRITE_SAMPLE.source, WRITE_SAMPLE.numKeys, ...keys, ...args);
        return again.exec();
      })
      .catch(() => {
        for (const write of writes) if (write.message !== null) this.#messageNotSent(write.campaignId);
      });
  }

  /** A message whose write failed is sent with the campaign's next sample. */
  #messageNotSent(id: string): void {
    const tracked = this.#recent.get(id);
    if (tracked) tracked.messageSentAt = -Infinity;
  }

  /** Count one sample against the campaign's quota of the minute: its record, or null when the quota is spent. */
  #take(id: string, minute: number, perMinute: number): Tracked | null {
    const seen = this.#recent.get(id);
    if (seen && seen.minute === minute) {
      if (seen.taken >= perMinute) return null;
      seen.taken++;
      return seen;
    }
    // A new minute moves the campaign to the newest end; the one tracked longest makes room.
    this.#recent.delete(id);
    if (this.#recent.size >= MAX_TRACKED) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    const tracked = { minute, taken: 1, messageSentAt: seen?.messageSentAt ?? -Infinity };
    this.#recent.set(id, tracked);
    return tracked;
  }

  /** One sample's writes: its message's SET when `sendMessage`, and writeSample-6.lua's keys and arguments (made
   * at once, so that a waiting sample holds only what it writes, not the copy's fingerprint and message). */
  #sampleArgs(offer: SampleOffer, s: SampleSettings, now: number, sendMessage: boolean): SampleWrite {
    const id = offer.campaignId;
    const fp = offer.fingerprint;
    const values: Record<ListName, string[]> = {
      subjects: fp.subject ? [fp.subject] : [],
      linkDomains: fp.linkDomains.slice(0, s.maxValues),
      attachments: fp.attachments.slice(0, s.maxValues),
      senderDomains: [senderDomain(offer.sender)],
      clientNetworks: offer.clientIp ? [clientNetwork(offer.clientIp)] : [],
    };
    const message = sendMessage ? offer.message.subarray(0, s.maxMessageBytes) : null;
    const keys = [this.#key(id, "msgAt")];
    const args: (string | number)[] = [s.retentionSeconds, s.maxValues, now, sendMessage ? 1 : 0];
    for (const list of LISTS) {
      keys.push(this.#key(id, SUFFIX[list]));
      args.push(values[list].length, ...values[list]);
    }
    return { campaignId: id, messageKey: this.#key(id, "msg"), message, ttl: s.retentionSeconds, keys, args };
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
