/**
 * The verdict set: spam campaigns and distinct ham from the SpamAssassin corpus, as whole messages with their SMTP
 * envelope, for measuring what an operator meets: how many campaign copies are refused once a campaign is judged
 * (by the scanner or by a report) and whether any ham is refused or held. Each campaign is a distinct corpus spam
 * (./evasion-set.ts's bases: long texts, no two versions of one campaign) sent as personalised copies
 * (./campaign-variants.ts), each from one of `senders` addresses; the ham is ./distinct-ham.ts's set. Deterministic
 * for a seed.
 */
import { campaignVariants } from "./campaign-variants.js";
import { loadHam, loadSpam } from "./corpus.js";
import { distinctHam } from "./distinct-ham.js";
import { distinctSpamBases, shuffled } from "./evasion-set.js";
import { seededRandom } from "../util/seeded-random.js";

/** One message of the set: its bytes, envelope, and what it is. */
export interface VerdictMessage {
  message: Buffer;
  sender: string;
  /** The envelope recipient: a mailbox of the lab's domain. */
  recipient: string;
  /** The campaign's number for a copy; null for ham. */
  campaign: number | null;
  /** The copy's number within its campaign (0 first); the ham's number for ham. */
  index: number;
  /** The subject of the campaign's corpus spam, or of the ham. */
  subject: string;
}

export interface VerdictSetOptions {
  seed: number;
  campaigns: number;
  copies: number;
  /** Senders each campaign's copies come from in turn. */
  senders: number;
  ham: number;
  /** The mailbox names recipients are taken from in turn (they must exist at the MTA). */
  mailboxes: readonly string[];
  /** The domain of the mailboxes. */
  domain: string;
}

/** The set's messages in a seeded shuffled order. */
export async function verdictSet(options: VerdictSetOptions): Promise<VerdictMessage[]> {
  const random = seededRandom(options.seed);
  const bases = (await distinctSpamBases(shuffled(loadSpam(), random))).filter((b) => b.long);
  if (bases.length < options.campaigns) {
    throw new Error(`verdict set: ${bases.length} distinct long spam texts in the corpus, ${options.campaigns} wanted`);
  }
  const mailbox = (n: number) => `${options.mailboxes[n % options.mailboxes.length]}@${options.domain}`;
  const out: VerdictMessage[] = [];
  for (let c = 0; c < options.campaigns; c++) {
    const { base } = bases[c]!;
    const variants = campaignVariants(base, options.copies, {
      seed: options.seed * 1000 + c,
      senders: options.senders,
    });
    for (const [i, v] of variants.entries()) {
      out.push({
        message: v.message,
        sender: v.sender,
        recipient: mailbox(c + i),
        campaign: c,
        index: i,
        subject: base.subject,
      });
    }
  }
  for (const [i, m] of distinctHam(shuffled(loadHam(), random), options.ham).entries()) {
    out.push({
      message: m.bytes,
      sender: m.mailing.sender || `sender${i}@ham.example.org`,
      recipient: mailbox(i),
      campaign: null,
      index: i,
      subject: m.thread,
    });
  }
  return shuffled(out, random);
}
