/**
 * Fingerprints on the SpamAssassin corpus: personalised copies of each spam message land in one campaign, and
 * distinct ham messages do not merge (the false-merge rate over all pairs, in parts per million).
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/schema.js";
import { agreement } from "../../src/fingerprint/minhash.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";
import { campaignBase, campaignVariants, loadHam, loadSpam } from "../support/corpus.js";

const config = defaultConfig().fingerprint;
const VOTES = defaultConfig().campaigns.votes;
const VARIANTS = 4;

async function fingerprint(message: Buffer): Promise<Fingerprint> {
  const result = await runFingerprintTask({
    message,
    parseBytes: config.parseKiB * 1024,
    minWords: config.minWords,
    attachmentMinBytes: config.attachmentMinBytes,
  });
  assert.equal(result.status, "ok", `corpus message did not parse: ${result.status === "skipped" ? result.error : ""}`);
  return result.fingerprint;
}

/** The campaign rule: ≥ `VOTES` equal MinHash values when both have them, else equal direct digests. */
function sameCampaign(a: Fingerprint, b: Fingerprint): boolean {
  if (a.minhash && b.minhash) return agreement(a.minhash, b.minhash) >= VOTES;
  return a.direct === b.direct;
}

function percent(n: number, of: number): string {
  return `${((100 * n) / of).toFixed(2)} %`;
}

void describe("fingerprints on the SpamAssassin corpus", () => {
  let ham: Fingerprint[] = [];

  before(async () => {
    const seen = new Set<string>();
    for (const message of loadHam()) {
      const fp = await fingerprint(message.bytes);
      if (seen.has(fp.direct)) continue; // exact duplicates are one message
      seen.add(fp.direct);
      ham.push(fp);
    }
    ham = ham.filter(Boolean);
  });

  void test("personalised variants of each spam message land in one campaign", async () => {
    const bases = new Set<string>();
    let long = 0;
    let longTogether = 0;
    let short = 0;
    let shortTogether = 0;
    let index = 0;
    for (const message of loadSpam()) {
      index++;
      const base = await campaignBase(message.bytes);
      const baseFp = await fingerprint(message.bytes);
      if (bases.has(baseFp.direct)) continue;
      bases.add(baseFp.direct);
      const isLong = baseFp.words >= config.minWords;
      // Short texts only have the exact digest: vary everything but the words (no greeting by name).
      const variants = campaignVariants(base, VARIANTS, { seed: index, names: isLong });
      const fps = await Promise.all(variants.map((v) => fingerprint(v.message)));
      let together = true;
      for (let i = 0; i < fps.length && together; i++) {
        for (let j = i + 1; j < fps.length && together; j++) together = sameCampaign(fps[i]!, fps[j]!);
      }
      if (isLong) {
        long++;
        if (together) longTogether++;
      } else {
        short++;
        if (together) shortTogether++;
      }
    }
    console.log(
      `campaign variants together: ${longTogether}/${long} long bases (${percent(longTogether, long)}, MinHash ≥ ${VOTES}/32), ` +
        `${shortTogether}/${short} short bases (${percent(shortTogether, short)}, direct digest)`,
    );
    assert.ok(long >= 1000, `expected at least 1,000 distinct long spam bases, found ${long}`);
    assert.ok(
      longTogether / long >= 0.95,
      `only ${percent(longTogether, long)} of long bases kept their variants together`,
    );
    assert.ok(
      shortTogether / short >= 0.95,
      `only ${percent(shortTogether, short)} of short bases kept their variants together`,
    );
  });

  void test("distinct ham messages do not merge (false-merge rate ≤ 100 ppm over all pairs)", () => {
    const n = ham.length;
    assert.ok(n >= 1000, `expected at least 1,000 distinct ham messages, found ${n}`);
    // Count equal MinHash values per pair, bucketed by value: only pairs sharing a value are ever touched.
    const shared = new Map<number, number>();
    const withMinhash = ham.map((fp, i) => ({ fp, i })).filter((x) => x.fp.minhash !== null);
    for (let position = 0; position < 32; position++) {
      const buckets = new Map<number, number[]>();
      for (const { fp, i } of withMinhash) {
        const value = fp.minhash![position]!;
        const bucket = buckets.get(value);
        if (bucket) bucket.push(i);
        else buckets.set(value, [i]);
      }
      for (const bucket of buckets.values()) {
        for (let a = 0; a < bucket.length; a++) {
          for (let b = a + 1; b < bucket.length; b++) {
            const key = bucket[a]! * n + bucket[b]!;
            shared.set(key, (shared.get(key) ?? 0) + 1);
          }
        }
      }
    }
    let merged = 0;
    for (const votes of shared.values()) if (votes >= VOTES) merged++;
    // Short messages merge only on equal direct digests, and duplicates were removed: none do.
    const pairs = (n * (n - 1)) / 2;
    const ppm = (merged / pairs) * 1e6;
    console.log(
      `ham false merges: ${merged} of ${pairs} pairs = ${ppm.toFixed(1)} ppm (${n} distinct ham, ${withMinhash.length} with MinHash)`,
    );
    assert.ok(ppm <= 100, `false-merge rate ${ppm.toFixed(1)} ppm is above 100 ppm`);
  });
});
