/**
 * The messages a benchmark sends: SpamAssassin corpus ham and spam as milter transactions, and a flood of one
 * campaign in personalised copies (the generator of test/support/corpus.ts, imported, not copied). Each message
 * carries its kind so the harness can count ham held or rejected and campaign copies let through.
 */
import type { TestMessage } from "../client/milter-client.js";
import { campaignBase, campaignVariants, loadHam, loadSpam, type CampaignBase } from "../../test/support/corpus.js";
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

/** Split raw RFC 5322 bytes into a milter transaction: unfolded headers (LF between lines) and a CRLF body. */
export function toTestMessage(raw: Buffer, sender: string, recipients: readonly string[]): TestMessage {
  const text = raw.toString("latin1");
  const crlf = text.indexOf("\r\n\r\n");
  const lf = text.indexOf("\n\n");
  let headEnd: number;
  let bodyStart: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) [headEnd, bodyStart] = [crlf, crlf + 4];
  else if (lf >= 0) [headEnd, bodyStart] = [lf, lf + 2];
  else [headEnd, bodyStart] = [text.length, text.length];
  const headers: Array<[string, string]> = [];
  for (const line of text.slice(0, headEnd).split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last) last[1] += `\n${line}`;
    else {
      const colon = line.indexOf(":");
      if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+/, "")]);
    }
  }
  const body = Buffer.from(text.slice(bodyStart).replace(/\r?\n/g, "\r\n"), "latin1");
  return { sender, recipients: [...recipients], headers, body };
}

/** The envelope sender of a corpus message: its From address, or a fixed one. */
export function senderOf(message: TestMessage): string {
  const from = message.headers.find(([n]) => n.toLowerCase() === "from")?.[1] ?? "";
  return /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/.exec(from)?.[0] ?? "sender@lab.example";
}

/** How much of the corpus the normal mix takes. */
export interface CorpusMixOptions {
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
  const perHamGroup = Math.ceil((options.ham ?? 600) / 3);
  const perSpamGroup = Math.ceil((options.spam ?? 200) / 2);
  const ham = loadHam({ limit: perHamGroup }).slice(0, options.ham ?? 600);
  const spam = loadSpam({ limit: perSpamGroup }).slice(0, options.spam ?? 200);
  const out: BenchMessage[] = [];
  for (const [kind, list] of [
    ["ham", ham],
    ["spam", spam],
  ] as const) {
    for (const m of list) {
      const rcpt = `${users[Math.floor(random() * users.length)]}@${domain}`;
      const tm = toTestMessage(m.bytes, "placeholder@lab.example", [rcpt]);
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
 * The flood campaign's base: the `spamIndex`-th corpus spam (in corpus order) whose text has at least `minWords`
 * words. Short texts get only exact fingerprints (fingerprinting.md §0), which personalisation defeats by design;
 * a flood of those would measure that limit, not the flood handling.
 */
export async function floodBase(
  options: { spamIndex?: number; minWords?: number } = {},
): Promise<CampaignBase & { file: string }> {
  const minWords = options.minWords ?? 150;
  let seen = 0;
  for (const m of loadSpam({ limit: 200 })) {
    const base = await campaignBase(m.bytes);
    if (base.text.split(/\s+/).filter(Boolean).length < minWords) continue;
    if (seen++ === (options.spamIndex ?? 0)) return { ...base, file: m.file };
  }
  throw new Error(`no corpus spam with ${minWords} words or more`);
}

/**
 * `count` personalised copies of one corpus spam (the flood campaign), each to its own recipient. The recipient
 * addresses are the generator's; `rcptDomain` rewrites them (a Postfix run needs a domain it delivers).
 */
export async function campaignFlood(
  count: number,
  options: { spamIndex?: number; seed?: number; rcptDomain?: string } = {},
): Promise<BenchMessage[]> {
  const campaign = await floodBase(options.spamIndex === undefined ? {} : { spamIndex: options.spamIndex });
  const variants = campaignVariants(campaign, count, { seed: options.seed ?? 3 });
  return variants.map((v, i) => {
    const address = options.rcptDomain
      ? `${v.recipient.address.split("@")[0]}@${options.rcptDomain}`
      : v.recipient.address;
    return {
      kind: "campaign" as const,
      source: `campaign:${campaign.file}:${i}`,
      message: toTestMessage(v.message, campaign.from, [address]),
      raw: v.message,
    };
  });
}
