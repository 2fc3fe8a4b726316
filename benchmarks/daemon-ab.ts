/**
 * This build's daemon against another build's (`--baseline DIR`, that checkout's root with its dist/ built) on the
 * same distinct corpus messages: each `floodgate run` with its scan workers off-host (`scanWorker.processes: 0`) and
 * a scratch Redis of its own, driven straight over the milter protocol as Postfix drives it (one session per
 * message, `--sessions` at once), both warmed up on the same messages first, then interleaved rounds (the build
 * that goes first alternates), each round a new slice of the corpus. Per message: the daemon's CPU by thread (main,
 * fingerprint threads, the others), its Redis's CPU (INFO used_cpu_sys + used_cpu_user) and the commands its
 * scripts ran, the end-of-message reply time (p50, p90 and mean: the copies that queue a scan are about one in seven
 * at one session, so the mean and the tail see what the median does not). Medians of the rounds and the ratios this build ÷ baseline.
 * `--pause SECONDS` leaves both daemons idle that long before each round, so a round measures the messages that
 * come after a quiet spell, as mail comes in bursts.
 * Run: node dist/benchmarks/daemon-ab.js --baseline DIR [--messages N] [--rounds R] [--warm-up N] [--sessions S]
 *   [--pause SECONDS]
 */
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import type { TestMessage } from "../src/client/client-types.js";
import { flowSets } from "../src/harness/flow-messages.js";
import { startBuildDaemon, stopBuildDaemon, type BuildDaemon } from "../src/harness/build-daemon.js";
import { sendEachInOwnSession } from "../src/harness/session-per-message.js";
import { daemonThreadsCpu } from "../src/harness/thread-cpu.js";

const { values: opts } = parseArgs({
  options: {
    baseline: { type: "string" },
    messages: { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
    "warm-up": { type: "string", default: "1000" },
    sessions: { type: "string", default: "1" },
    pause: { type: "string", default: "0" },
  },
});

interface Side extends BuildDaemon {
  client: Redis;
}
type Figures = Record<
  "main" | "fingerprint" | "others" | "daemon" | "redis" | "commands" | "p50" | "p90" | "mean",
  number
>;

async function startSide(name: string, root: string, dir: string): Promise<Side> {
  const build = await startBuildDaemon(name, root, dir, { scanWorker: { processes: 0 }, log: { level: "warn" } });
  return { ...build, client: new Redis(build.redis.url) };
}

async function redisCpuMs(client: Redis): Promise<number> {
  const info = await client.info("cpu");
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (field("used_cpu_sys") + field("used_cpu_user")) * 1000;
}

async function commandCount(client: Redis): Promise<number> {
  let n = 0;
  for (const m of (await client.info("commandstats")).matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) {
    if (!["info", "config", "evalsha", "eval"].includes(m[1]!)) n += Number(m[2]);
  }
  return n;
}

async function run(side: Side, messages: TestMessage[], sessions: number): Promise<Figures> {
  const threads = () => daemonThreadsCpu(side.daemon.pid, "fg-fingerprint");
  await side.client.config("RESETSTAT");
  const [t0, r0] = [threads(), await redisCpuMs(side.client)];
  const times = await sendEachInOwnSession(side.daemon.spec, messages, sessions);
  const [t1, r1] = [threads(), await redisCpuMs(side.client)];
  const n = messages.length;
  const sorted = times.sort((a, b) => a - b);
  return {
    main: (t1.main - t0.main) / n,
    fingerprint: (t1.named - t0.named) / n,
    others: (t1.others - t0.others) / n,
    daemon: (t1.main + t1.named + t1.others - t0.main - t0.named - t0.others) / n,
    redis: (r1 - r0) / n,
    commands: (await commandCount(side.client)) / n,
    p50: sorted[Math.floor(sorted.length / 2)] ?? 0,
    p90: sorted[Math.floor(sorted.length * 0.9)] ?? 0,
    mean: sorted.reduce((a, b) => a + b, 0) / n,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function report(sides: Side[], rounds: Figures[][]): void {
  const keys: (keyof Figures)[] = [
    "daemon",
    "main",
    "fingerprint",
    "others",
    "redis",
    "commands",
    "p50",
    "p90",
    "mean",
  ];
  console.log(`| build | ${keys.map((k) => `${k} (rounds)`).join(" | ")} |`);
  console.log(`|---|${keys.map(() => "---").join("|")}|`);
  sides.forEach((s, i) => {
    const cells = keys.map((k) => {
      const xs = rounds.map((r) => r[i]![k]);
      return `${median(xs).toFixed(2)} (${xs.map((x) => x.toFixed(2)).join(", ")})`;
    });
    console.log(`| ${s.name} | ${cells.join(" | ")} |`);
  });
  const ratios = keys.map((k) => `${k} ${median(rounds.map((r) => r[1]![k] / r[0]![k])).toFixed(2)}`);
  console.log(`\n${sides[1]!.name} ÷ ${sides[0]!.name}, median of the rounds' ratios: ${ratios.join(", ")}`);
}

async function main(): Promise<void> {
  if (!opts.baseline) throw new Error("--baseline DIR (a checkout with dist/ built) is required");
  const rounds = Number(opts.rounds);
  const sessions = Number(opts.sessions);
  const pauseMs = Number(opts.pause) * 1000;
  const sets = await flowSets({
    perRun: Number(opts.messages),
    rounds,
    sessions: [sessions],
    warmUp: Number(opts["warm-up"]),
  });
  const distinct = sets.runs.filter((r) => r.kind === "distinct").map((r) => r.messages.map((m) => m.message));
  const dir = mkdtempSync(join(tmpdir(), "floodgate-ab-"));
  const sides = [
    await startSide("baseline", opts.baseline, dir),
    await startSide("this build", join(import.meta.dirname, "../.."), dir),
  ];
  try {
    console.log(`Daemon A/B on distinct corpus messages, ${new Date().toISOString()}`);
    console.log(
      `machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    console.log(
      `baseline ${opts.baseline}; ${sessions} session(s); ${distinct[0]?.length} messages a round; warm-up ${sets.warmUp.length}; ${pauseMs / 1000} s idle before each round; CPU in ms per message, the end-of-message reply in ms (p50, p90, mean)\n`,
    );
    for (const s of sides)
      await sendEachInOwnSession(
        s.daemon.spec,
        sets.warmUp.map((m) => m.message),
        sessions,
      );
    const figures: Figures[][] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const row: Figures[] = [];
      await setTimeout(pauseMs);
      for (const i of order) row[i] = await run(sides[i]!, distinct[r]!, sessions);
      figures.push(row);
    }
    report(sides, figures);
  } finally {
    for (const s of sides) {
      s.client.disconnect();
      await stopBuildDaemon(s);
    }
  }
}

await main();
