/**
 * The campaign store's index designs, recognition and Redis cost on the same messages (./store-designs.ts): the
 * present store, which looks up and claims every value of a message's bottom-128 sketch, against prototypes that
 * look up a few index values (a fixed subsample of the values, or LSH bands of them) and verify the campaigns these
 * find against the campaign's kept sketch. All on one scratch Redis, each design under its own key prefix.
 * - recognition: the evasion set (src/lab/evasion-set.ts, `make evasion`'s size and seed by default) observed in
 *   its order by every design's real script, scored as the evasion suite scores the daemon (recall per technique,
 *   false merges among distinct ham), beside the offline pairwise union-find;
 * - cost: distinct ham and the mix (flow-messages.ts) after a warm-up, each message observed by every design back to
 *   back (the first rotating), the script's own time per call from SLOWLOG; per round, each design's mean and the
 *   median of its per-message ratios to the present store.
 * The store that indexes every value comes from a checkout before the sampled index (main at 9733156 or earlier,
 * dist/ built): `--present DIR`.
 * Run: node dist/benchmarks/store-index.js --present DIR [--part recognition|cost|both] [--seed N] [--campaigns N] [--ham N]
 *   [--messages N] [--warm-up N] [--rounds N] [--designs sp,s4,...] (the designs' key prefixes; all by default)
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { defaultConfig } from "../src/config/schema.js";
import { taskOptions } from "../src/fingerprint/pool-messages.js";
import { runFingerprintTask } from "../src/fingerprint/task.js";
import type { Fingerprint } from "../src/fingerprint/types.js";
import { flowSets } from "../src/harness/flow-messages.js";
import { observationsOf, withoutEarlier } from "../src/harness/observations.js";
import { formatScore, offlineIds, scoreIds } from "../src/lab/evasion-score.js";
import { evasionSet } from "../src/lab/evasion-set.js";
import { startScratchRedis } from "../src/redis/scratch-server.js";
import type { Observation } from "../src/reputation/types.js";
import {
  bands,
  loadPresent,
  observerOf,
  prototypeScript,
  sampled,
  type Design,
  type Observe,
} from "./store-designs.js";

const { values: opts } = parseArgs({
  options: {
    part: { type: "string", default: "both" },
    seed: { type: "string", default: "20261204" },
    campaigns: { type: "string", default: "16" },
    copies: { type: "string", default: "25" },
    ham: { type: "string", default: "2000" },
    messages: { type: "string", default: "400" },
    "warm-up": { type: "string", default: "1500" },
    rounds: { type: "string", default: "3" },
    designs: { type: "string", default: "" },
    present: { type: "string" },
  },
});

const ALL_DESIGNS: Design[] = [
  { name: "present (128 values)", prefix: "sp", rule: null },
  { name: "sampled value%4==0 (~32 values), gate 2, first copy's sketch", prefix: "s4", rule: sampled(4, 2) },
  { name: "sampled value%4==0, gate 2, first and second copies' sketches", prefix: "t4", rule: sampled(4, 2, 2) },
  {
    name: "sampled value%4==0, gate 2 and 0.15 of them, first copy's sketch",
    prefix: "g4",
    rule: sampled(4, 2, 1, 0.15),
  },
  {
    name: "sampled value%4==0, gate 2 and 0.25 of them, first copy's sketch",
    prefix: "h4",
    rule: sampled(4, 2, 1, 0.25),
  },
  {
    name: "sampled value%4==0, gate 2, first copy's sketch, known common values (3 of a full list's owners)",
    prefix: "k3",
    rule: sampled(4, 2, 1, 0, { kind: "known", threshold: 3 }),
  },
  {
    name: "sampled value%4==0, gate 2, first copy's sketch, known common values (2 of a full list's owners)",
    prefix: "k2",
    rule: sampled(4, 2, 1, 0, { kind: "known", threshold: 2 }),
  },
  {
    name: "sampled value%4==0, gate 2, first copy's sketch, known common values (4 of a full list's owners)",
    prefix: "k4",
    rule: sampled(4, 2, 1, 0, { kind: "known", threshold: 4 }),
  },
  {
    name: "sampled value%4==0, gate 2, first copy's sketch, a shared common value standing for 3 unseen",
    prefix: "e3",
    rule: sampled(4, 2, 1, 0, { kind: "estimate", scale: 3 }),
  },
  {
    name: "sampled value%4==0, gate 2, first copy's sketch, a shared common value standing for 2 unseen",
    prefix: "e2",
    rule: sampled(4, 2, 1, 0, { kind: "estimate", scale: 2 }),
  },
  {
    name: "sampled value%4==0, gate 2, first copy's sketch, a shared common value standing for 4 unseen",
    prefix: "e4",
    rule: sampled(4, 2, 1, 0, { kind: "estimate", scale: 4 }),
  },
  { name: "LSH 32 bins x 1 row (32 bands), gate 1, first copy's sketch", prefix: "b1", rule: bands(32, 1, 1) },
  { name: "LSH 32 bins x 2 rows (16 bands), gate 1, first copy's sketch", prefix: "b2", rule: bands(32, 2, 1) },
  { name: "LSH 32 bins x 2 rows, gate 1, first and second copies' sketches", prefix: "u2", rule: bands(32, 2, 1, 2) },
  // The floor: everything else the script does, with no value looked up or claimed (exact keys only).
  {
    name: "no index (exact key only)",
    prefix: "nx",
    rule: { values: () => [], gate: 1, gateShare: 0, perMessage: 0, kept: 1 },
  },
];

/** The designs run: `--designs` names prefixes (the present store's, `sp`, always first), else all. */
const chosen = opts.designs.split(",").filter((p) => p !== "");
const DESIGNS = ALL_DESIGNS.filter((d, i) => i === 0 || chosen.length === 0 || chosen.includes(d.prefix));

const c = defaultConfig().campaigns;

function header(title: string): void {
  console.log(`\n${title}, ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

async function recognition(redis: Redis, observers: Observe[]): Promise<void> {
  const seed = Number(opts.seed);
  const messages = await evasionSet({
    seed,
    campaignsPerTechnique: Number(opts.campaigns),
    copiesPerCampaign: Number(opts.copies),
    ham: Number(opts.ham),
  });
  const config = defaultConfig().fingerprint;
  const fingerprints: (Fingerprint | null)[] = [];
  for (const m of messages) {
    const result = await runFingerprintTask({ ...taskOptions(config), message: m.message });
    fingerprints.push(result.status === "ok" ? withoutEarlier(result.fingerprint) : null);
  }
  header(`Recognition: evasion set seed ${seed}, ${messages.length} messages, in the set's order`);
  console.log(
    formatScore(
      "offline pairwise union-find (no common values)",
      scoreIds(messages, offlineIds(fingerprints, c.matchShare)),
    ),
  );
  const ids: (string | null)[][] = DESIGNS.map(() => []);
  let now = Date.now() - messages.length * 100;
  for (const [i, m] of messages.entries()) {
    const fingerprint = fingerprints[i];
    const at = (now += 100);
    for (const [d, observe] of observers.entries()) {
      if (!fingerprint) {
        ids[d]!.push(null);
        continue;
      }
      const o: Observation = {
        fingerprint,
        sender: m.sender,
        recipients: [m.recipient],
        clientIp: "192.0.2.7",
        now: at,
      };
      ids[d]!.push((await observe(o)).id);
    }
  }
  DESIGNS.forEach((d, i) => console.log(formatScore(d.name, scoreIds(messages, ids[i]!))));
  for (const d of DESIGNS) {
    const { keys, bytes } = await storeSize(redis, d.prefix);
    console.log(`${d.name}: ${keys} keys, ${(bytes / 1024 / 1024).toFixed(1)} MiB (MEMORY USAGE) after the set`);
  }
}

/** The keys under a prefix and their memory by MEMORY USAGE, every field counted (by default it estimates a large
 * hash's from five of its fields, and the generation hashes are large). */
async function storeSize(redis: Redis, prefix: string): Promise<{ keys: number; bytes: number }> {
  let cursor = "0";
  let keys = 0;
  let bytes = 0;
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of found) pipeline.memory("USAGE", key, "SAMPLES", 0);
    for (const [, used] of (await pipeline.exec()) ?? []) bytes += Number(used ?? 0);
    keys += found.length;
  } while (cursor !== "0");
  return { keys, bytes };
}

/** The observation scripts' durations (µs) in SLOWLOG since its reset, oldest first, per design (by key prefix). */
async function scriptTimes(redis: Redis): Promise<number[][]> {
  const entries = (await redis.slowlog("GET", -1)) as [number, number, number, string[]][];
  const out: number[][] = DESIGNS.map(() => []);
  for (const [, , us, args] of entries.reverse()) {
    if (!["evalsha", "eval"].includes(args[0]?.toLowerCase() ?? "") || args[2] !== "3") continue;
    const d = DESIGNS.findIndex((x) => args[3]?.startsWith(`${x.prefix}:`));
    if (d >= 0) out[d]!.push(us);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / (xs.length || 1);

/** Redis's own CPU so far (all its threads, user and system), µs. */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? NaN);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1e6;
}

/** Messages a design observes in a row before the next design takes them (the first design rotating by block), so
 * that Redis's own CPU can be read per design around each block. */
const BLOCK = 20;

/** Every design observes `observations` in blocks; returns whether each message started a campaign in the present
 * store, and each design's Redis CPU (µs). */
async function observeAll(redis: Redis, observers: Observe[], observations: Observation[], start: number) {
  const created: boolean[] = [];
  const cpu = observers.map(() => 0);
  for (let b = 0; b * BLOCK < observations.length; b++) {
    const block = observations.slice(b * BLOCK, (b + 1) * BLOCK).map((o, i) => ({
      ...o,
      fingerprint: withoutEarlier(o.fingerprint),
      now: start + (b * BLOCK + i) * 100,
    }));
    for (let j = 0; j < observers.length; j++) {
      const d = (b + j) % observers.length;
      const before = await redisCpu(redis);
      for (const [i, o] of block.entries()) {
        const view = await observers[d]!(o);
        if (d === 0) created[b * BLOCK + i] = view.created;
      }
      cpu[d]! += (await redisCpu(redis)) - before;
    }
  }
  return { created, cpu };
}

async function cost(redis: Redis, observers: Observe[]): Promise<void> {
  const { runs, warmUp } = await flowSets({
    perRun: Number(opts.messages),
    rounds: Number(opts.rounds),
    sessions: [1],
    warmUp: Number(opts["warm-up"]),
  });
  let now = Date.now();
  await observeAll(redis, observers, await observationsOf(warmUp), now);
  now += warmUp.length * 100;
  header(`Cost: the script's own time per call (SLOWLOG) and Redis's CPU, ${warmUp.length} messages of warm-up`);
  for (const run of runs) {
    const observations = await observationsOf(run.messages);
    await redis.slowlog("RESET");
    const { created, cpu } = await observeAll(redis, observers, observations, now);
    now += observations.length * 100;
    const times = await scriptTimes(redis);
    const present = times[0]!;
    console.log(`round ${run.round}, ${run.kind}, ${observations.length} messages, load ${loadavg()[0]!.toFixed(2)}:`);
    DESIGNS.forEach((d, i) => {
      const mine = times[i]!;
      const ratios = mine.map((us, m) => us / present[m]!);
      const fresh = ratios.filter((_, m) => created[m]);
      console.log(
        `  ${d.name}: script mean ${mean(mine).toFixed(0)} µs (median ${median(mine)}), ÷ present: median of ` +
          `ratios ${median(ratios).toFixed(3)} (new campaigns ${median(fresh).toFixed(3)}), of sums ` +
          `${(mean(mine) / mean(present)).toFixed(3)}; Redis CPU ${(cpu[i]! / observations.length).toFixed(0)} µs a ` +
          `message (÷ present ${(cpu[i]! / cpu[0]!).toFixed(3)})`,
      );
    });
  }
}

async function main(): Promise<void> {
  const server = await startScratchRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  try {
    await redis.config("SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "100000");
    if (!opts.present)
      throw new Error("--present DIR (a checkout of main at 9733156 or earlier, dist/ built) is required");
    const present = await loadPresent(opts.present);
    const script = prototypeScript(present.script);
    const observers = DESIGNS.map((d) => observerOf(d, redis, c, script, present));
    if (opts.part !== "cost") await recognition(redis, observers);
    if (opts.part !== "recognition") {
      await redis.flushall();
      await cost(redis, observers);
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

await main();
