/**
 * Fingerprints on the SpamAssassin corpus, with each extractor (`fingerprint.parser`): personalised copies of
 * each spam message land in one campaign, and distinct ham messages do not merge: every ham message (exact copies
 * once) observed in corpus order by the campaign store on a real Redis, the pairs that got one campaign id counted
 * in parts per million of the distinct pairs (not one thread, not one sender's mailings: src/lab/distinct-ham.ts),
 * and of all pairs for the record. And the two extractors agree: a message keeps its campaign when the parser
 * setting changes.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/schema.js";
import { sameCampaign as sameSketch } from "../../src/fingerprint/minhash.js";
import { normaliseText } from "../../src/fingerprint/normalise.js";
import { runFingerprintTask, type ParserName } from "../../src/fingerprint/task.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";
import { campaignBase, campaignVariants } from "../../src/lab/campaign-variants.js";
import { loadHam, loadSpam } from "../../src/lab/corpus.js";
import { distinctPair, mailingOf, threadOf, type Mailing } from "../../src/lab/distinct-ham.js";
import { createCampaignStore } from "../../src/reputation/store.js";
import { startTestRedis, storeConnection, uniquePrefix, type TestRedis } from "../support/redis.js";
import { taskOptions } from "../../src/fingerprint/pool-messages.js";

const config = defaultConfig().fingerprint;
const SHARE = defaultConfig().campaigns.matchShare;
const VARIANTS = 4;

/** Messages with MinHash values under both extractors whose values agree by the campaign rule: at least this. */
const MIN_PARSER_AGREEMENT = 0.99;

async function fingerprint(message: Buffer, parser: ParserName): Promise<Fingerprint> {
  const result = await runFingerprintTask({ ...taskOptions(config), message, parser });
  assert.equal(result.status, "ok", `corpus message did not parse: ${result.status === "skipped" ? result.error : ""}`);
  return result.fingerprint;
}

/** The campaign rule: `SHARE` of the MinHash values in common when both have them, else equal direct digests. */
function sameCampaign(a: Fingerprint, b: Fingerprint): boolean {
  if (a.minhash && b.minhash) return sameSketch(a.minhash, b.minhash, SHARE);
  return a.direct === b.direct;
}

function percent(n: number, of: number): string {
  return `${((100 * n) / of).toFixed(2)} %`;
}

for (const parser of ["fast", "mailparser"] as const) {
  void describe(`fingerprints on the SpamAssassin corpus, parser ${parser}`, () => qualitySuite(parser));
}

void describe("the two extractors on the SpamAssassin corpus", () => {
  void test("a message's MinHash values agree between fast and mailparser (campaign rule)", async () => {
    let both = 0;
    let agreeing = 0;
    let directSame = 0;
    const corpus = [...loadHam(), ...loadSpam()];
    for (const message of corpus) {
      const fast = await fingerprint(message.bytes, "fast");
      const reference = await fingerprint(message.bytes, "mailparser");
      if (fast.direct === reference.direct) directSame++;
      if (!fast.minhash || !reference.minhash) continue;
      both++;
      if (sameSketch(fast.minhash, reference.minhash, SHARE)) agreeing++;
    }
    console.log(
      `fast vs mailparser: ${agreeing}/${both} messages with MinHash agree (${percent(agreeing, both)}), ` +
        `${directSame}/${corpus.length} equal direct digests (${percent(directSame, corpus.length)})`,
    );
    assert.ok(both >= 4000, `expected at least 4,000 messages with MinHash under both, found ${both}`);
    assert.ok(
      agreeing / both >= MIN_PARSER_AGREEMENT,
      `only ${percent(agreeing, both)} of messages keep their MinHash campaign across extractors`,
    );
  });
});

function qualitySuite(parser: ParserName): void {
  const ham: { fp: Fingerprint; thread: string; mailing: Mailing }[] = [];
  let redis: TestRedis;

  before(async () => {
    redis = await startTestRedis();
    const seen = new Set<string>();
    for (const message of loadHam()) {
      const fp = await fingerprint(message.bytes, parser);
      if (seen.has(fp.direct)) continue; // exact duplicates are one message
      seen.add(fp.direct);
      ham.push({ fp, thread: threadOf(message.bytes), mailing: mailingOf(message.bytes) });
    }
  });

  after(async () => {
    await redis?.stop();
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
      const baseFp = await fingerprint(message.bytes, parser);
      if (bases.has(baseFp.direct)) continue;
      bases.add(baseFp.direct);
      // Long or short by the text the variants carry (campaignBase's, the same for both extractors): the base
      // message's own words may differ, e.g. HTML-only spam in multipart/mixed, whose text only the fast
      // extractor reads, while its campaign base has none of it.
      const isLong = normaliseText(base.text).length >= config.minWords;
      // Short texts only have the exact digest: vary everything but the words (no greeting by name).
      const variants = campaignVariants(base, VARIANTS, { seed: index, names: isLong });
      const fps = await Promise.all(variants.map((v) => fingerprint(v.message, parser)));
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
      `${parser}: campaign variants together: ${longTogether}/${long} long bases (${percent(longTogether, long)}, MinHash share ≥ ${SHARE}), ` +
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

  void test("distinct ham messages do not merge in the store (≤ 100 ppm of distinct pairs)", async () => {
    const connection = await storeConnection(redis.url);
    const store = createCampaignStore(connection, {
      prefix: uniquePrefix(),
      campaigns: defaultConfig().campaigns,
      closeConnection: false,
    });
    const ids: string[] = [];
    try {
      const now = Date.now();
      for (const [i, h] of ham.entries()) {
        const view = await store.observe({
          fingerprint: h.fp,
          sender: "",
          recipients: [],
          clientIp: null,
          now: now + i,
        });
        ids.push(view.id);
      }
    } finally {
      connection.disconnect();
    }
    const n = ham.length;
    assert.ok(n >= 4000, `expected at least 4,000 distinct ham messages, found ${n}`);
    let pairs = 0;
    let distinctPairs = 0;
    let merged = 0;
    let mergedDistinct = 0;
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const distinct = distinctPair(ham[a]!, ham[b]!);
        pairs++;
        if (distinct) distinctPairs++;
        if (ids[a] !== ids[b]) continue;
        merged++;
        if (distinct) mergedDistinct++;
      }
    }
    const ppm = (mergedDistinct / distinctPairs) * 1e6;
    console.log(
      `${parser}: ham false merges in the store: ${mergedDistinct} of ${distinctPairs} distinct pairs = ` +
        `${ppm.toFixed(1)} ppm; all pairs (a thread's replies and a sender's mailings included): ${merged} of ` +
        `${pairs} = ${((merged / pairs) * 1e6).toFixed(1)} ppm (${n} ham messages)`,
    );
    assert.ok(ppm <= 100, `false-merge rate ${ppm.toFixed(1)} ppm of distinct pairs is above 100 ppm`);
  });
}
