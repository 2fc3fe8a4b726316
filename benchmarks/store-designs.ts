/**
 * Campaign store designs for benchmarks/store-index.ts: the store that indexes every value (every value of the
 * bottom-128 sketch looked up and claimed: observeMessage-3.lua of a checkout before the sampled index, main at
 * 9733156 or earlier, loaded from it with `--present DIR`), and prototypes that index a few values per
 * message and verify what the index finds against the campaign's kept sketch with the offline rule
 * (lua/verifyCandidates.lua). A prototype is the present script with three changes, made to its source here so
 * that everything else it does (generations, owner lists and common values, claims, merges, counts, the view) stays
 * the present store's: the values it looks up and claims are the design's index values; the candidates they vote
 * for are verified; the campaign keeps the whole sketch (`minhash2`, which the present store writes already, and
 * optionally its second copy's, `minhash2b`). The verification leaves out common text as `IndexRule.common` says
 * (with `known`, a fourth change: an index value's owner list that fills adds to the set of values known common).
 * Benchmark code only. The product's store is now design 1 with the estimate (src/reputation/lua/includes/
 * sampledIndex.lua).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { Config } from "../src/config/schema.js";
import { MIN_VOTES, MINHASH_SIZE } from "../src/fingerprint/minhash.js";
import { PREVIOUS_VOTES } from "../src/fingerprint/previous-version.js";
import { decimals } from "../src/fingerprint/value-text.js";
import { campaignKeys } from "../src/reputation/keys.js";
import {
  cleanSubject,
  distinctRecipients,
  MAX_MERGES,
  recentMs,
  singleMs,
  VALUE_OWNERS,
} from "../src/reputation/observe-args.js";
import { parseObserved } from "../src/reputation/replies.js";
import { type loadScript, runScript, type LuaScript } from "../src/reputation/scripts.js";
import { createCampaignStore } from "../src/reputation/store.js";
import type { Observation, ObservedCampaign } from "../src/reputation/types.js";
import { projectRoot } from "../src/util/paths.js";

/** What the designs take from the checkout of the store that indexes every value (`--present DIR`). */
export interface Present {
  /** Its observation script, includes resolved. */
  script: LuaScript;
  createCampaignStore: typeof createCampaignStore;
  /** Its MAX_CLAIMS (values of 128 a message). */
  maxClaims: number;
}

/** The present store's parts from a checkout with dist/ built. */
export async function loadPresent(root: string): Promise<Present> {
  const scripts = (await import(join(root, "dist/src/reputation/scripts.js"))) as { loadScript: typeof loadScript };
  const store = (await import(join(root, "dist/src/reputation/store.js"))) as {
    createCampaignStore: typeof createCampaignStore;
  };
  const args = (await import(join(root, "dist/src/reputation/observe-args.js"))) as { MAX_CLAIMS: number };
  const script = scripts.loadScript("observeMessage-3.lua");
  if (script.source.includes("sampledValues(")) {
    throw new Error(`--present ${root}: its store is the sampled index already; give a checkout of main at 9733156`);
  }
  return { script, createCampaignStore: store.createCampaignStore, maxClaims: args.MAX_CLAIMS };
}

/** How a prototype indexes a message: the values it looks up and claims, from the whole sketch (ascending). */
export interface IndexRule {
  /** The index values of a sketch (53-bit integers). */
  values(sketch: readonly number[]): number[];
  /** Index values that must name a campaign before it is verified: at least `gate` (the script's minVotes) and
   * `gateShare` of the index values that are not common (the script's share). */
  gate: number;
  gateShare: number;
  /** Index values per message when the sketch is full (to scale the claims a campaign may make). */
  perMessage: number;
  /** Sketches a campaign keeps to verify against: its first copy's, and with 2 its second copy's too. */
  kept: 1 | 2;
  /** How the verification leaves out common text beyond the index values it knows to be common (full owner lists):
   * `known`, values in a set of values known common, filled when an index value's owner list fills (the values of
   * at least `threshold` of its owners' kept sketches) and read with one SMISMEMBER of the sketch only when a
   * candidate exists; `estimate`, each common index value the two sketches share taken to stand for `scale` more
   * common values among those the index does not see (subtracted from the agreement and the live count). */
  common?: { kind: "known"; threshold: number } | { kind: "estimate"; scale: number };
}

export interface Design {
  name: string;
  /** Its store's key prefix (every design's keys apart on one Redis). */
  prefix: string;
  /** Null for the present store. */
  rule: IndexRule | null;
}

/** Design 1: the sketch's values that are 0 modulo `modulus` (the same values in every copy that has them). */
export function sampled(
  modulus: number,
  gate: number,
  kept: 1 | 2 = 1,
  gateShare = 0,
  common?: IndexRule["common"],
): IndexRule {
  return {
    values: (s) => s.filter((v) => v % modulus === 0),
    gate,
    gateShare,
    perMessage: MINHASH_SIZE / modulus,
    kept,
    ...(common ? { common } : {}),
  };
}

/**
 * Design 2: LSH bands of a positional sketch made from the bottom-k one: `bins` bins by value modulo `bins`, each
 * holding the smallest value of the sketch in it (the smallest of the whole text in it too, unless every one of the
 * text's values in that bin is above the sketch's cut); `rows` consecutive bins a band, a band's value a hash of its
 * index and minima. A band with an empty bin is left out.
 */
export function bands(bins: number, rows: number, gate: number, kept: 1 | 2 = 1): IndexRule {
  return {
    gate,
    gateShare: 0,
    kept,
    perMessage: bins / rows,
    values(sketch) {
      const minima = Array.from<number | undefined>({ length: bins });
      for (const v of sketch) {
        const bin = v % bins;
        if (minima[bin] === undefined) minima[bin] = v;
      }
      const out: number[] = [];
      for (let band = 0; band * rows < bins; band++) {
        const rowsOf = minima.slice(band * rows, (band + 1) * rows);
        if (rowsOf.length < rows || rowsOf.some((m) => m === undefined)) continue;
        const hex = createHash("sha1")
          .update(`${band}:${rowsOf.join(":")}`)
          .digest("hex");
        out.push(parseInt(hex.slice(0, 13), 16));
      }
      return out;
    },
  };
}

/** Candidates verified per message at most (most votes first). */
const VERIFY_LIMIT = 8;

function patched(source: string, find: string, replace: string, count: number): string {
  const parts = source.split(find);
  if (parts.length - 1 !== count) {
    throw new Error(
      `prototype: "${find.trim()}" found ${parts.length - 1} times in observeMessage-3.lua, not ${count}`,
    );
  }
  return parts.join(replace);
}

/** The prototype observation script: the present one with the three changes of the header. */
export function prototypeScript(present: LuaScript): LuaScript {
  const verify = readFileSync(join(projectRoot, "benchmarks/lua/verifyCandidates.lua"), "utf8");
  let source = patched(
    present.source,
    "local directKey, topKey, base =",
    `${verify}\nlocal directKey, topKey, base =`,
    1,
  );
  source = patched(
    source,
    "local recipients = lists.next()\n",
    "local recipients = lists.next()\nlocal sketchText = ARGV[lists.at()]\nlocal sketch = splitWords(sketchText)\n" +
      "local verifyShare, verifyVotes, verifyLimit, keptSketches, commonScale, commonFill =\n" +
      "  unpack(readNumbers(ARGV[lists.at() + 1]))\n",
    1,
  );
  source = patched(
    source,
    "  voteCampaigns(base, prefix, minhash, share, minVotes, owners, cache, now, singleMs, since)\n",
    "  voteCampaigns(base, prefix, minhash, share, minVotes, owners, cache, now, singleMs, since)\n" +
      "candidates = verifyCandidates(base, candidates, sketch, commonValues(minhash, holders, owners), verifyShare, " +
      "verifyVotes, verifyLimit, keptSketches, commonScale, commonFill > 0 and base .. 'common' or nil)\n",
    1,
  );
  source = patched(source, `"minhash2", table.concat(minhash, " ")`, `"minhash2", sketchText`, 2);
  source = patched(
    source,
    '    write(i, n == 0 and id or canonical(ids) .. " " .. id)\n',
    '    write(i, n == 0 and id or canonical(ids) .. " " .. id)\n' +
      "    if commonFill > 0 and n + 1 == owners then\n" +
      "      fillCommon(base, base .. 'common', ids, id, commonFill, ttl * 1000)\n" +
      "    end\n",
    1,
  );
  source = patched(
    source,
    'local nkey = ckey .. ":n"\n',
    'local nkey = ckey .. ":n"\nif keptSketches > 1 and total == 2 then\n  redis.call("HSET", ckey, "minhash2b", sketchText)\nend\n',
    1,
  );
  return { name: "observePrototype", numKeys: 3, source, sha: createHash("sha1").update(source).digest("hex") };
}

export type Observe = (o: Observation) => Promise<ObservedCampaign>;

/** A design's observation on `redis`, with the default campaign settings (`c`) and 6 buckets, as the daemon's. */
export function observerOf(
  design: Design,
  redis: Redis,
  c: Config["campaigns"],
  script: LuaScript,
  present: Present,
): Observe {
  if (!design.rule) {
    const store = present.createCampaignStore(redis, { prefix: design.prefix, campaigns: c, closeConnection: false });
    return (o) => store.observe(o);
  }
  const rule = design.rule;
  const keys = campaignKeys(design.prefix);
  const claims = Math.round((present.maxClaims * rule.perMessage) / MINHASH_SIZE);
  const limits = [rule.gate, VALUE_OWNERS, claims, MAX_MERGES, PREVIOUS_VOTES, singleMs(c), recentMs(c)].join(" ");
  return async (o) => {
    const fp = o.fingerprint;
    const sketch = fp.minhash ?? [];
    const recipients = distinctRecipients(o.recipients);
    const raw = await runScript(
      redis,
      script,
      [keys.direct(fp.version, fp.direct), keys.top, keys.base],
      [
        o.now ?? Date.now(),
        c.windowSeconds,
        6,
        c.ttlSeconds,
        rule.gateShare,
        c.bulk.copies,
        c.bulk.recipients,
        c.bulk.senders,
        fp.direct,
        cleanSubject(fp.subject),
        o.sender.trim().toLowerCase(),
        o.clientIp ?? "",
        limits,
        keys.valuePrefix(fp.version),
        decimals(rule.values(sketch)),
        "",
        "",
        "",
        "",
        recipients.length,
        ...recipients,
        decimals(sketch),
        [
          c.matchShare,
          MIN_VOTES,
          VERIFY_LIMIT,
          rule.kept,
          rule.common?.kind === "estimate" ? rule.common.scale : 0,
          rule.common?.kind === "known" ? rule.common.threshold : 0,
        ].join(" "),
      ],
    );
    return parseObserved(raw);
  };
}
