/**
 * The messages and task options that pin what the fingerprint task computes, so that a change meant to make it
 * cheaper can be shown to change nothing: corpus messages, hostile messages (src/lab/hostile-mail.ts, assembled as
 * the milter's capture writes them) and campaign copies with each evasion (src/lab/evasion.ts), each under
 * several option sets (short texts, a small parse window, the reference extractor). Used by
 * benchmarks/fingerprint-same.ts (two builds compared on all of it) and the golden test (a sample's digests).
 */
import { createHash } from "node:crypto";
import { defaultConfig } from "../config/schema.js";
import type { FingerprintTask } from "../fingerprint/task.js";
import { seededRandom } from "../util/seeded-random.js";
import { campaignBase, campaignVariants, type Evasion } from "./campaign-variants.js";
import { HAM_GROUPS, loadCorpus, SPAM_GROUPS } from "./corpus.js";
import { bodyOf } from "./distinct-ham.js";
import { combined, hiddenSalt, lookAlikes, saltPools, visibleSalt } from "./evasion.js";
import { hostileMessages } from "./hostile-mail.js";

/** One message of the sample and a name that says where it came from. */
export interface SampleMessage {
  name: string;
  bytes: Buffer;
}

/** The task options a message is fingerprinted with (all but the message). */
export type SampleOptions = Omit<FingerprintTask, "message">;

/** The option sets of the sample, by name: the defaults; every text long and a small parse window; every text
 * short (the exact key's lines without names); the reference extractor. */
export function sampleOptions(): Record<string, SampleOptions> {
  const config = defaultConfig().fingerprint;
  const defaults: SampleOptions = {
    parseBytes: config.parseKiB * 1024,
    minWords: config.minWords,
    previousVersion: true,
    attachmentMinBytes: config.attachmentMinBytes,
    parser: "fast",
  };
  return {
    defaults,
    "long, 8 KiB parsed": { ...defaults, minWords: 1, parseBytes: 8 * 1024, attachmentMinBytes: 64 },
    short: { ...defaults, minWords: 1_000_000, previousVersion: false },
    mailparser: { ...defaults, parser: "mailparser" },
  };
}

/** Every `every`-th corpus message (all groups, corpus order), from the `offset`-th. */
export function corpusSample(every = 1, offset = 0): SampleMessage[] {
  return loadCorpus([...HAM_GROUPS, ...SPAM_GROUPS])
    .filter((_, i) => i % every === offset)
    .map((m) => ({ name: m.file, bytes: m.bytes }));
}

/** `count` hostile messages of a seed, as the milter's capture writes them: each header `name: value` and CRLF,
 * a blank line, the body. */
export function hostileSample(seed: number, count: number): SampleMessage[] {
  const out: SampleMessage[] = [];
  for (const m of hostileMessages(seed, count)) {
    const head = m.headers.map(([name, value]) => `${name}: ${value.replace(/\r?\n/g, "\r\n")}\r\n`).join("");
    const body = typeof m.body === "string" ? Buffer.from(m.body, "utf8") : m.body;
    out.push({
      name: `hostile/${seed}/${m.index}/${m.family}`,
      bytes: Buffer.concat([Buffer.from(`${head}\r\n`), body]),
    });
  }
  return out;
}

/** Copies of campaigns from `campaigns` corpus spam messages, `copies` each, with each evasion in turn (none,
 * look-alike letters, hidden salt, visible salt, all combined), salted with the text of corpus ham. */
export async function evasionSample(seed: number, campaigns: number, copies: number): Promise<SampleMessage[]> {
  const random = seededRandom(seed);
  const spam = loadCorpus(SPAM_GROUPS);
  const ham = loadCorpus(HAM_GROUPS);
  const pools = saltPools(
    Array.from({ length: Math.max(400, 40 * campaigns) }, () => bodyOf(ham[Math.floor(random() * ham.length)]!.bytes)),
    campaigns,
  );
  const out: SampleMessage[] = [];
  for (let c = 0; c < campaigns; c++) {
    const source = spam[Math.floor(random() * spam.length)]!;
    const pool = pools[c]!;
    const evasions: Array<[string, Evasion | undefined]> = [
      ["none", undefined],
      ["look-alike", lookAlikes()],
      ["hidden-salt", hiddenSalt(pool)],
      ["visible-salt", visibleSalt(pool)],
      ["combined", combined(pool)],
    ];
    const [name, evasion] = evasions[c % evasions.length]!;
    const base = await campaignBase(source.bytes);
    const variants = campaignVariants(base, copies, { seed: seed * 1000 + c, evasion });
    for (const [k, v] of variants.entries()) out.push({ name: `evasion/${seed}/${c}/${name}/${k}`, bytes: v.message });
  }
  return out;
}

/** A short digest of what a task returned (its JSON), for a golden file. */
export function resultDigest(result: unknown): string {
  return createHash("sha256").update(JSON.stringify(result)).digest("hex").slice(0, 16);
}

/** The golden test's sample (test/data/fingerprint-golden.json holds its digests): a few seconds of work. */
export const GOLDEN_SAMPLE = {
  description:
    "every 20th corpus message, 150 hostile messages of seed 20261205, 10 campaigns of 2 copies (seed 20261205)",
  async messages(): Promise<SampleMessage[]> {
    return [...corpusSample(20), ...hostileSample(20261205, 150), ...(await evasionSample(20261205, 10, 2))];
  },
};
