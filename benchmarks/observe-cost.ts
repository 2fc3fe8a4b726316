/**
 * What one observation costs Redis: this build's campaign store against another build's (`--baseline DIR`, that
 * checkout's root with its dist/ built), on the same fingerprints, each build on a fresh scratch Redis per round,
 * rounds interleaved (the build that goes first alternates). Each Redis is first filled with the warm-up messages
 * (a store that has seen mail: common text, list footers), then measured over the messages of a distinct run (each
 * message once, ham: most real mail) and of a mix run (distinct ham and spam with a few campaigns of personalised
 * copies), sent one at a time as one session would. Per message: Redis's CPU (INFO's used_cpu_sys + used_cpu_user),
 * the commands the scripts ran (INFO commandstats, the script call itself not counted), the round trip's wall time;
 * and whether both builds put every message in the same campaign, found the same way, with the same counts. A build
 * whose store tells whether the earlier fingerprint versions' keys are needed gets fingerprints without them when
 * they are not, as its daemon's threads would make them.
 * Run: node dist/benchmarks/observe-cost.js --baseline DIR [--messages N] [--warm-up N] [--rounds R]
 */
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { defaultConfig } from "../src/config/schema.js";
import { flowSets } from "../src/harness/flow-messages.js";
import { observationsOf, withoutEarlier, withoutStoreForm } from "../src/harness/observations.js";
import { startScratchRedis } from "../src/redis/scratch-server.js";
import type { Observation, ObservedCampaign } from "../src/reputation/types.js";

type Observe = (o: Observation) => Promise<ObservedCampaign>;
interface Build {
  name: string;
  open(redis: Redis): { observe: Observe; earlierVersionsLive?: () => Promise<boolean> };
}
interface Figures {
  cpuMs: number;
  /** Microseconds per message Redis counted in the script calls, and in the commands they ran. */
  scriptUs: number;
  commandUs: number;
  commands: number;
  byCommand: Map<string, { calls: number; usec: number }>;
  wallUs: number;
  outcomes: string[];
  /** Whether the fingerprints carried the earlier versions' keys. */
  earlier: boolean;
}

const { values: opts } = parseArgs({
  options: {
    baseline: { type: "string" },
    messages: { type: "string", default: "400" },
    "warm-up": { type: "string", default: "1500" },
    rounds: { type: "string", default: "3" },
  },
});

async function storeBuild(name: string, root: string): Promise<Build> {
  const module = (await import(join(root, "dist/src/reputation/store.js"))) as {
    createCampaignStore: (redis: Redis, o: { prefix: string; campaigns: unknown }) => { observe: Observe };
  };
  const campaigns = defaultConfig().campaigns;
  return { name, open: (redis) => module.createCampaignStore(redis, { prefix: "fg", campaigns }) };
}

function infoFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const f = infoFields(await redis.info("cpu"));
  return (Number(f.get("used_cpu_sys")) + Number(f.get("used_cpu_user"))) * 1000;
}

/** Calls and µs per command since the last CONFIG RESETSTAT, without this harness's own. */
async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const [key, value] of infoFields(await redis.info("commandstats"))) {
    const name = key.replace(/^cmdstat_/, "");
    if (["info", "config"].includes(name)) continue;
    const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
    out.set(name, { calls, usec: Number(/usec=(\d+)/.exec(value)?.[1] ?? 0) });
  }
  return out;
}

/** Observe `measured` one at a time after `warm`, on a fresh Redis; the figures of the measured part. */
async function measure(build: Build, warm: Observation[], measured: Observation[], t0: number): Promise<Figures> {
  const server = await startScratchRedis();
  const redis = new Redis(server.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    const store = build.open(redis);
    // As the daemon does at start (src/daemon/start-versions.ts): a build that asks its store whether the earlier
    // versions' keys are needed gets fingerprints without them when they are not (its threads would not make them).
    // Each build's store writes the fingerprint's text for its scripts itself: its form is a build's own.
    const earlier = (await store.earlierVersionsLive?.()) ?? true;
    const keysOf = (o: Observation): Observation => {
      const fingerprint = withoutStoreForm(o.fingerprint);
      return { ...o, fingerprint: earlier ? fingerprint : withoutEarlier(fingerprint) };
    };
    let now = t0;
    for (const o of warm) await store.observe({ ...keysOf(o), now: (now += 100) });
    await redis.config("RESETSTAT");
    const cpu = await redisCpuMs(redis);
    const outcomes: string[] = [];
    const wall = performance.now();
    for (const o of measured) {
      const v = await store.observe({ ...keysOf(o), now: (now += 100) });
      outcomes.push(`${v.id} ${v.foundBy} ${v.created} ${v.totalCopies} ${v.state} ${v.mergedNow}`);
    }
    const wallUs = ((performance.now() - wall) * 1000) / measured.length;
    const cpuMs = ((await redisCpuMs(redis)) - cpu) / measured.length;
    const byCommand = new Map<string, { calls: number; usec: number }>();
    let commands = 0;
    let commandUs = 0;
    let scriptUs = 0;
    for (const [name, { calls, usec }] of await commandStats(redis)) {
      if (name === "evalsha" || name === "eval") {
        scriptUs += usec;
        continue;
      }
      byCommand.set(name, { calls, usec });
      commands += calls;
      commandUs += usec;
    }
    const n = measured.length;
    return {
      cpuMs,
      scriptUs: scriptUs / n,
      commandUs: commandUs / n,
      commands: commands / n,
      byCommand,
      wallUs,
      outcomes,
      earlier,
    };
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f2 = (x: number) => x.toFixed(2);

function report(kind: string, builds: Build[], rounds: Figures[][]): void {
  console.log(`\n## ${kind}`);
  console.log(
    "| build | Redis CPU ms/msg (rounds) | script µs/msg (its commands) | commands/msg | round trip µs/msg (rounds) |",
  );
  console.log("|---|---|---|---|---|");
  builds.forEach((b, i) => {
    const per = rounds.map((r) => r[i]!);
    const cpu = per.map((f) => f.cpuMs);
    const wall = per.map((f) => f.wallUs);
    console.log(
      `| ${b.name} | ${f2(median(cpu))} (${cpu.map(f2).join(", ")}) | ` +
        `${median(per.map((f) => f.scriptUs)).toFixed(0)} (${median(per.map((f) => f.commandUs)).toFixed(0)}) | ` +
        `${f2(median(per.map((f) => f.commands)))} | ` +
        `${median(wall).toFixed(0)} (${wall.map((w) => w.toFixed(0)).join(", ")}) |`,
    );
  });
  const ratio = (pick: (f: Figures) => number) => median(rounds.map((r) => pick(r[1]!) / pick(r[0]!)));
  console.log(
    `\n${builds[1]!.name} ÷ ${builds[0]!.name}, median of the rounds' ratios: Redis CPU ${f2(ratio((f) => f.cpuMs))}, ` +
      `script ${f2(ratio((f) => f.scriptUs))}, commands ${f2(ratio((f) => f.commands))}, round trip ${f2(ratio((f) => f.wallUs))}`,
  );
  builds.forEach((b, i) => {
    const last = rounds[rounds.length - 1]![i]!;
    const n = last.outcomes.length;
    const top = [...last.byCommand].sort((x, y) => y[1].usec - x[1].usec).slice(0, 14);
    const shown = top.map(([name, c]) => `${name} ${f2(c.calls / n)} (${(c.usec / n).toFixed(0)} µs)`);
    const earlier = last.earlier ? "with" : "without";
    console.log(
      `${b.name}, ${earlier} the earlier versions' keys, commands per message (µs in Redis): ${shown.join(", ")}`,
    );
  });
  const differ = rounds.map((r) => r[0]!.outcomes.filter((o, k) => o !== r[1]!.outcomes[k]).length);
  console.log(
    `messages whose campaign, how it was found, copies or state differ between the builds: ${differ.join(", ")}`,
  );
}

async function main(): Promise<void> {
  if (!opts.baseline) throw new Error("--baseline DIR (a checkout with dist/ built) is required");
  const perRun = Number(opts.messages);
  const { runs, warmUp } = await flowSets({ perRun, rounds: 1, sessions: [1], warmUp: Number(opts["warm-up"]) });
  const warm = await observationsOf(warmUp);
  const kinds = await Promise.all(
    runs.map(async (r) => ({ kind: r.kind, observations: await observationsOf(r.messages) })),
  );
  const builds = [
    await storeBuild("baseline", opts.baseline),
    await storeBuild("this build", join(import.meta.dirname, "../..")),
  ];
  console.log(`Observation cost in Redis, ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version}; load average ${loadavg().map(f2).join(" ")}`,
  );
  console.log(`baseline ${opts.baseline}; warm-up ${warm.length} messages; ${opts.rounds} rounds`);
  const t0 = Date.now();
  for (const { kind, observations } of kinds) {
    const rounds: Figures[][] = [];
    for (let r = 0; r < Number(opts.rounds); r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const figures: Figures[] = [];
      for (const i of order) figures[i] = await measure(builds[i]!, warm, observations, t0);
      rounds.push(figures);
    }
    report(`${kind}: ${observations.length} messages`, builds, rounds);
  }
}

await main();
