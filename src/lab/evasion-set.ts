/**
 * The evasion set: campaigns built from the SpamAssassin corpus with each spammer's trick alone and all combined
 * (./evasion.ts), on top of the personalisation of ./campaign-variants.ts, plus distinct ham, all as whole
 * messages with their envelope. Deterministic for a seed: the seed picks the spam bases, the ham, the salt and
 * every copy's variations, so a seed not used while tuning gives a fresh set.
 */
import { createHash } from "node:crypto";
import { seededRandom } from "../util/seeded-random.js";
import { campaignBase, campaignVariants, type CampaignBase, type Evasion } from "./campaign-variants.js";
import { loadHam, loadSpam } from "./corpus.js";
import { combined, hiddenSalt, lookAlikes, saltPool, visibleSalt, type SaltPool } from "./evasion.js";

/** The tricks, each alone, and all combined. "short" and "link-only" are messages under `minWords`. */
export const TECHNIQUES = [
  "personalised",
  "look-alike",
  "short",
  "link-only",
  "hidden-salt",
  "visible-salt",
  "combined",
] as const;
export type Technique = (typeof TECHNIQUES)[number];
/** The techniques that add salt (held to a lower recall floor). */
export const SALTED: ReadonlySet<Technique> = new Set(["hidden-salt", "visible-salt", "combined"]);

/** One message of the set with its envelope; `campaign` is null for ham. */
export interface EvasionMessage {
  message: Buffer;
  sender: string;
  recipient: string;
  technique: Technique | "ham";
  /** "<technique>/<n>" for a campaign's copies, null for ham. */
  campaign: string | null;
}

export interface EvasionSetOptions {
  seed: number;
  campaignsPerTechnique: number;
  copiesPerCampaign: number;
  ham: number;
}

/** Words of a campaign base's text: long bases have at least this many (well above the default minWords). */
const LONG_MIN_WORDS = 90;
const LONG_MAX_WORDS = 1500;
const URL = /\bhttps?:\/\/[^\s<>"'()[\]{}]+/gi;

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const words = (text: string) => text.match(/\S+/g)?.length ?? 0;

/** A short base: the first sentences of a spam text up to about 30 words, and its first link. */
function shortBase(base: CampaignBase, url: string): CampaignBase {
  const sentences = base.text
    .replace(/\s+/g, " ")
    .replace(URL, "")
    .split(/(?<=[.!?])\s+/);
  let text = "";
  for (const sentence of sentences) {
    if (words(text) + words(sentence) > 30) break;
    text = `${text} ${sentence}`.trim();
  }
  if (words(text) < 6) text = base.text.replace(URL, "").split(/\s+/).filter(Boolean).slice(0, 20).join(" ");
  return { ...base, text: `${text}\n\n${url}` };
}

/** The campaigns' copies and the ham of one seed, in a seeded shuffled order. */
export async function evasionSet(options: EvasionSetOptions): Promise<EvasionMessage[]> {
  const random = seededRandom(options.seed);
  const spam = shuffled(loadSpam(), random);
  const bases: { base: CampaignBase; url: string | null; long: boolean }[] = [];
  const seen = new Set<string>();
  for (const message of spam) {
    const base = await campaignBase(message.bytes);
    const key = createHash("sha1").update(base.text.replace(/\s+/g, " ").trim()).digest("hex");
    if (seen.has(key)) continue;
    seen.add(key);
    const count = words(base.text);
    const url = base.text.match(URL)?.[0] ?? null;
    bases.push({ base, url, long: count >= LONG_MIN_WORDS && count <= LONG_MAX_WORDS });
  }
  const long = bases.filter((b) => b.long);
  const withLink = bases.filter((b) => b.url !== null && words(b.base.text) >= 12);
  const perTechnique = options.campaignsPerTechnique;
  const longTechniques = TECHNIQUES.filter((t) => t !== "short" && t !== "link-only");
  const needLong = perTechnique * longTechniques.length;
  if (long.length < needLong + 50 || withLink.length < 2 * perTechnique + 50) {
    throw new Error(`evasion set: too few distinct spam bases (${long.length} long, ${withLink.length} with a link)`);
  }
  const used = new Set<CampaignBase>();
  const take = (from: typeof bases) => {
    const found = from.find((b) => !used.has(b.base))!;
    used.add(found.base);
    return found;
  };

  const hamMessages = distinctHam(shuffled(loadHam(), random), options.ham);
  const hamThreads = new Set(hamMessages.map((m) => m.thread));
  // Salt comes from spam not used as a base and ham not in the ham set.
  const saltTexts: string[] = [];
  const plans: { technique: Technique; base: CampaignBase }[] = [];
  for (const technique of longTechniques) {
    for (let n = 0; n < perTechnique; n++) plans.push({ technique, base: take(long).base });
  }
  for (const technique of ["short", "link-only"] as const) {
    for (let n = 0; n < perTechnique; n++) {
      const { base, url } = take(withLink);
      plans.push({ technique, base: technique === "short" ? shortBase(base, url!) : { ...base, text: url! } });
    }
  }
  for (const b of bases) if (!used.has(b.base) && saltTexts.length < 400) saltTexts.push(b.base.text);
  for (const m of loadHam()) {
    if (saltTexts.length >= 800) break;
    if (!hamThreads.has(threadOf(m.bytes)))
      saltTexts.push(
        m.bytes
          .toString("latin1")
          .split(/\r?\n\r?\n/)
          .slice(1)
          .join("\n\n"),
      );
  }
  const pool = saltPool(saltTexts);

  const out: EvasionMessage[] = [];
  for (const [index, plan] of plans.entries()) {
    const campaign = `${plan.technique}/${index % perTechnique}`;
    const short = plan.technique === "short" || plan.technique === "link-only";
    const variants = campaignVariants(plan.base, options.copiesPerCampaign, {
      seed: options.seed * 1000 + index,
      extras: !short,
      ...evasionOf(plan.technique, pool),
    });
    for (const v of variants) {
      out.push({
        message: v.message,
        sender: plan.base.from,
        recipient: v.recipient.address,
        technique: plan.technique,
        campaign,
      });
    }
  }
  for (const [i, ham] of hamMessages.entries()) {
    out.push({
      message: ham.bytes,
      sender: fromAddress(ham.bytes) || `sender${i}@ham.example.org`,
      recipient: `reader${i}@example.com`,
      technique: "ham",
      campaign: null,
    });
  }
  return shuffled(out, random);
}

function evasionOf(technique: Technique, pool: SaltPool): { evasion?: Evasion } {
  switch (technique) {
    case "look-alike":
      return { evasion: lookAlikes() };
    case "hidden-salt":
      return { evasion: hiddenSalt(pool) };
    case "visible-salt":
      return { evasion: visibleSalt(pool) };
    case "combined":
      return { evasion: combined(pool) };
    default:
      return {};
  }
}

/** The head of a message, folded lines unfolded. */
function head(bytes: Buffer): string {
  const text = bytes.toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  return (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
}

/** The thread of a message: its subject without reply and forward prefixes or list tags, case folded. */
function threadOf(bytes: Buffer): string {
  const subject = /^Subject:(.*)$/im.exec(head(bytes))?.[1] ?? "";
  return subject
    .toLowerCase()
    .replace(/^\s*(?:(?:re|fwd?|aw)\s*(?:\[\d+\])?:\s*|\[[^\]]*\]\s*)+/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The address in a message's From header ("" when none). */
export function fromAddress(bytes: Buffer): string {
  return (/^From:.*?([^\s<>"]+@[^\s<>"]+)/im.exec(head(bytes))?.[1] ?? "").toLowerCase();
}

/** The first `count` ham messages that are distinct: one per thread, so replies quoting each other are not
 * counted as one message merged into another. */
function distinctHam(ham: ReturnType<typeof loadHam>, count: number): { bytes: Buffer; thread: string }[] {
  const seen = new Set<string>();
  const out: { bytes: Buffer; thread: string }[] = [];
  for (const m of ham) {
    const thread = threadOf(m.bytes);
    if (seen.has(thread)) continue;
    seen.add(thread);
    out.push({ bytes: m.bytes, thread });
    if (out.length === count) return out;
  }
  throw new Error(`evasion set: only ${out.length} distinct ham messages, ${count} wanted`);
}
