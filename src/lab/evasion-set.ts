/**
 * The evasion set: campaigns built from the SpamAssassin corpus with each spammer's trick alone and all combined
 * (./evasion.ts), on top of the personalisation of ./campaign-variants.ts, plus distinct ham, all as whole
 * messages with their envelope. Deterministic for a seed: the seed picks the spam bases, the ham, the salt and
 * every copy's variations, so a seed not used while tuning gives a fresh set.
 */
import { createHash } from "node:crypto";
import { seededRandom } from "../util/seeded-random.js";
import { campaignBase, campaignVariants, type CampaignBase, type Evasion } from "./campaign-variants.js";
import { loadHam, loadSpam, type CorpusMessage } from "./corpus.js";
import { bodyOf, distinctHam, type Mailing } from "./distinct-ham.js";
import { combined, hiddenSalt, lookAlikes, padding, saltPools, visibleSalt, type SaltPool } from "./evasion.js";

/** The tricks, each alone, and all combined. "short", "link-only" and "numbered" (short, to numbered accounts
 * greeted by them: "Dear user7") are messages under `minWords`; "padded" copies carry a few hundred KB of hidden
 * words ahead of the text. */
export const TECHNIQUES = [
  "personalised",
  "look-alike",
  "short",
  "link-only",
  "hidden-salt",
  "visible-salt",
  "combined",
  "numbered",
  "padded",
] as const;
/** The techniques whose messages are under `minWords`. */
const SHORT: ReadonlySet<Technique> = new Set(["short", "link-only", "numbered"]);
/** Long techniques planned after every other one (added later: the others' campaigns stay as they were for a seed). */
const PLANNED_LAST: ReadonlySet<Technique> = new Set(["padded"]);
export type Technique = (typeof TECHNIQUES)[number];
/** The techniques that add salt (held to a lower recall floor). */
export const SALTED: ReadonlySet<Technique> = new Set(["hidden-salt", "visible-salt", "combined", "padded"]);
/** The salted techniques whose salt is drawn from a pool of their own (padding is words of the whole vocabulary). */
const POOLED: ReadonlySet<Technique> = new Set(["hidden-salt", "visible-salt", "combined"]);

/** One message of the set with its envelope; `campaign` is null for ham. */
export interface EvasionMessage {
  message: Buffer;
  sender: string;
  recipient: string;
  technique: Technique | "ham";
  /** "<technique>/<n>" for a campaign's copies, null for ham. */
  campaign: string | null;
  /** For ham, who sent it (./distinct-ham.ts): two mailings of one sender are not a distinct pair. */
  mailing: Mailing | null;
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

/** `items` in a seeded random order. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
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

/** A spam message's campaign base, the first link of its text, and its length class. */
export interface Base {
  base: CampaignBase;
  url: string | null;
  long: boolean;
}

/** A base sharing this share of its 5-word sequences with the bases before it is a version of one of them. */
const NEAR_DUPLICATE_SHARE = 0.25;

/** The distinct 5-word sequences of a text (letters only, lowercased), hashed. */
function fiveWordSequences(text: string): Set<string> {
  const letters = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + 5 <= letters.length; i++) {
    out.add(
      createHash("sha1")
        .update(letters.slice(i, i + 5).join(" "))
        .digest("base64")
        .slice(0, 12),
    );
  }
  return out;
}

/**
 * The distinct campaign bases of the spam corpus, in the order given. The corpus holds several versions of one
 * campaign (a word changed, a paragraph added): a base sharing NEAR_DUPLICATE_SHARE of its 5-word sequences with
 * those before it is left out, so that the set's campaigns are distinct and a merge of two of them is an error.
 */
export async function distinctSpamBases(spam: readonly CorpusMessage[]): Promise<Base[]> {
  const bases: Base[] = [];
  const seen = new Set<string>();
  for (const message of spam) {
    const base = await campaignBase(message.bytes);
    const sequences = fiveWordSequences(base.text);
    let known = 0;
    for (const sequence of sequences) if (seen.has(sequence)) known++;
    if (sequences.size === 0 || known >= NEAR_DUPLICATE_SHARE * sequences.size) continue;
    for (const sequence of sequences) seen.add(sequence);
    const count = words(base.text);
    const url = base.text.match(URL)?.[0] ?? null;
    bases.push({ base, url, long: count >= LONG_MIN_WORDS && count <= LONG_MAX_WORDS });
  }
  return bases;
}

/** One campaign to build: its technique and base. */
interface Plan {
  technique: Technique;
  base: CampaignBase;
}

/** `perTechnique` campaigns of each technique, each from its own base. */
function plan(bases: readonly Base[], perTechnique: number): Plan[] {
  const long = bases.filter((b) => b.long);
  const withLink = bases.filter((b) => b.url !== null && words(b.base.text) >= 12);
  const longTechniques = TECHNIQUES.filter((t) => !SHORT.has(t));
  if (long.length < perTechnique * longTechniques.length + 50 || withLink.length < SHORT.size * perTechnique + 50) {
    throw new Error(`evasion set: too few distinct spam bases (${long.length} long, ${withLink.length} with a link)`);
  }
  const used = new Set<CampaignBase>();
  const take = (from: readonly Base[]) => {
    const found = from.find((b) => !used.has(b.base))!;
    used.add(found.base);
    return found;
  };
  const plans: Plan[] = [];
  for (const technique of longTechniques.filter((t) => !PLANNED_LAST.has(t))) {
    for (let n = 0; n < perTechnique; n++) plans.push({ technique, base: take(long).base });
  }
  for (const technique of ["short", "link-only", "numbered"] as const) {
    for (let n = 0; n < perTechnique; n++) {
      const { base, url } = take(withLink);
      plans.push({ technique, base: technique === "link-only" ? { ...base, text: url! } : shortBase(base, url!) });
    }
  }
  for (const technique of PLANNED_LAST) {
    for (let n = 0; n < perTechnique; n++) plans.push({ technique, base: take(long).base });
  }
  return plans;
}

/** The campaigns' copies and the ham of one seed, in a seeded shuffled order. Salt is the text of ham messages
 * that are not in the set, each text salting one campaign only (./evasion.ts saltPools). */
export async function evasionSet(options: EvasionSetOptions): Promise<EvasionMessage[]> {
  const random = seededRandom(options.seed);
  const plans = plan(await distinctSpamBases(shuffled(loadSpam(), random)), options.campaignsPerTechnique);
  const allHam = shuffled(loadHam(), random);
  const ham = distinctHam(allHam, options.ham);
  const inSet = new Set(ham.map((m) => m.bytes));
  const salted = plans.filter((p) => POOLED.has(p.technique));
  const pools = saltPools(
    allHam.filter((m) => !inSet.has(m.bytes)).map((m) => bodyOf(m.bytes)),
    salted.length,
  );
  const out: EvasionMessage[] = [];
  for (const [index, { technique, base }] of plans.entries()) {
    const campaign = `${technique}/${index % options.campaignsPerTechnique}`;
    const short = SHORT.has(technique);
    const variants = campaignVariants(base, options.copiesPerCampaign, {
      seed: options.seed * 1000 + index,
      extras: !short,
      ...evasionOf(technique, pools[salted.indexOf(plans[index]!)], pools[0]!.words),
    });
    for (const v of variants) {
      out.push({
        message: v.message,
        sender: base.from,
        recipient: v.recipient.address,
        technique,
        campaign,
        mailing: null,
      });
    }
  }
  for (const [i, m] of ham.entries()) {
    out.push({
      message: m.bytes,
      sender: m.mailing.sender || `sender${i}@ham.example.org`,
      recipient: `reader${i}@example.com`,
      technique: "ham",
      campaign: null,
      mailing: m.mailing,
    });
  }
  return shuffled(out, random);
}

function evasionOf(
  technique: Technique,
  pool: SaltPool | undefined,
  words: readonly string[],
): { evasion?: Evasion; numbered?: boolean } {
  if (POOLED.has(technique) && !pool) throw new Error(`evasion set: no salt pool for ${technique}`);
  switch (technique) {
    case "look-alike":
      return { evasion: lookAlikes() };
    case "hidden-salt":
      return { evasion: hiddenSalt(pool!) };
    case "visible-salt":
      return { evasion: visibleSalt(pool!) };
    case "combined":
      return { evasion: combined(pool!) };
    case "numbered":
      return { numbered: true };
    case "padded":
      return { evasion: padding(words) };
    default:
      return {};
  }
}
