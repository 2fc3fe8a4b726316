/**
 * What one observation's script costs Redis, this build's campaign store against another build's (`--baseline
 * DIR`, that checkout's root with its dist/ built), paired message by message: both stores on one scratch Redis
 * (prefixes `fa` and `fb`, so neither reads the other's keys), each message observed by both back to back (the build
 * that goes first alternates), the script's own time per call from SLOWLOG (logging every command). On two shared
 * cores, CPU per message measured over a run (observe-cost.js) moves by a quarter between runs of the same build;
 * two calls a few hundred microseconds apart on the same server see the same machine, so the median of the
 * per-message ratios shows a change of a few per cent. Distinct ham and the mix (flow-messages.ts), after the same
 * warm-up; whether both builds put every message in a campaign found the same way, with the same copies and state.
 * Run: node dist/benchmarks/observe-paired.js --baseline DIR [--messages N] [--warm-up N]
 */
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { defaultConfig } from "../src/config/schema.js";
import { flowSets } from "../src/harness/flow-messages.js";
import { observationsOf, withoutEarlier, withoutStoreForm } from "../src/harness/observations.js";
import type { BenchMessage } from "../src/harness/messages.js";
import { startScratchRedis } from "../src/redis/scratch-server.js";
import type { Observation, ObservedCampaign } from "../src/reputation/types.js";

type Store = { observe(o: Observation): Promise<ObservedCampaign>; earlierVersionsLive?: () => Promise<boolean> };
type CreateStore = (redis: Redis, o: { prefix: string; campaigns: unknown }) => Store;

const { values: opts } = parseArgs({
  options: {
    baseline: { type: "string" },
    messages: { type: "string", default: "400" },
    "warm-up": { type: "string", default: "1500" },
  },
});

/** Fingerprints without the earlier versions' keys, as the threads make them for a store that holds none. */
async function fingerprints(messages: BenchMessage[]): Promise<Observation[]> {
  return (await observationsOf(messages)).map((o) => ({ ...o, fingerprint: withoutEarlier(o.fingerprint) }));
}

async function openStore(root: string, redis: Redis, prefix: string): Promise<Store> {
  const module = (await import(join(root, "dist/src/reputation/store.js"))) as { createCampaignStore: CreateStore };
  const store = module.createCampaignStore(redis, { prefix, campaigns: defaultConfig().campaigns });
  await store.earlierVersionsLive?.();
  return store;
}

/** The observation scripts' durations (µs) in SLOWLOG since its reset, oldest first, per store (by key prefix). */
async function scriptTimes(redis: Redis): Promise<[number[], number[]]> {
  const entries = (await redis.slowlog("GET", -1)) as [number, number, number, string[]][];
  const out: [number[], number[]] = [[], []];
  for (const [, , us, args] of entries.reverse()) {
    // EVALSHA sha 3 KEYS[1]: the observation takes three keys, the first under the store's prefix.
    if (args[0]?.toLowerCase() !== "evalsha" || args[2] !== "3") continue;
    if (args[3]?.startsWith("fa:")) out[0].push(us);
    else if (args[3]?.startsWith("fb:")) out[1].push(us);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const outcome = (v: ObservedCampaign) => `${v.foundBy} ${v.created} ${v.totalCopies} ${v.state} ${v.mergedNow}`;

async function main(): Promise<void> {
  if (!opts.baseline) throw new Error("--baseline DIR (a checkout with dist/ built) is required");
  const { runs, warmUp } = await flowSets({
    perRun: Number(opts.messages),
    rounds: 1,
    sessions: [1],
    warmUp: Number(opts["warm-up"]),
  });
  const warm = await fingerprints(warmUp);
  const server = await startScratchRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  try {
    await redis.config("SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "100000");
    const stores = [
      await openStore(opts.baseline, redis, "fa"),
      await openStore(join(import.meta.dirname, "../.."), redis, "fb"),
    ];
    let now = Date.now();
    let k = 0;
    const both = async (o: Observation): Promise<ObservedCampaign[]> => {
      const at = (now += 100);
      const out: ObservedCampaign[] = [];
      // The baseline's store writes the fingerprint's text for its scripts itself (withoutStoreForm).
      const given = [
        { ...o, fingerprint: withoutStoreForm(o.fingerprint), now: at },
        { ...o, now: at },
      ];
      for (const i of k++ % 2 === 0 ? [0, 1] : [1, 0]) out[i] = await stores[i]!.observe(given[i]!);
      return out;
    };
    for (const o of warm) await both(o);
    console.log(`Observation script, paired per message, ${new Date().toISOString()}`);
    console.log(
      `machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; baseline ${opts.baseline}; warm-up ${warm.length} messages`,
    );
    for (const run of runs) {
      const observations = await fingerprints(run.messages);
      await redis.slowlog("RESET");
      const created: boolean[] = [];
      let differ = 0;
      for (const o of observations) {
        const [a, b] = await both(o);
        created.push(a!.created);
        if (outcome(a!) !== outcome(b!)) differ++;
      }
      const [base, mine] = await scriptTimes(redis);
      const pairs = base.map((us, i) => ({ ratio: mine[i]! / us, created: created[i]! }));
      const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
      console.log(
        `${run.kind}, ${observations.length} messages: script µs per message, baseline mean ${(sum(base) / base.length).toFixed(0)} ` +
          `(median ${median(base)}), this build ${(sum(mine) / mine.length).toFixed(0)} (median ${median(mine)}); ` +
          `this build ÷ baseline: ratio of the sums ${(sum(mine) / sum(base)).toFixed(3)}, median of the messages' ratios ` +
          `${median(pairs.map((p) => p.ratio)).toFixed(3)} (new campaigns ${median(pairs.filter((p) => p.created).map((p) => p.ratio)).toFixed(3)}, ` +
          `others ${median(pairs.filter((p) => !p.created).map((p) => p.ratio)).toFixed(3)}); ` +
          `messages whose campaign was found otherwise or with other copies or state: ${differ}`,
      );
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

await main();
