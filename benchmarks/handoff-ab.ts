/**
 * The main thread's cost of handing a message to the fingerprint pool and taking its fingerprint back, this build's
 * against another's (`--baseline DIR`, a checkout with dist/ built): a pool of one thread, one message in flight, as
 * a daemon at one session hands them over (`withinMs`, the deadline's time, and no signal). Each round is a fresh
 * process of one build, the builds alternating: the corpus ham after `--warm-up` messages, then the main thread's
 * CPU (the scheduler's count, /proc/self/task/PID/schedstat) over `--messages`. The thread's own work is not counted:
 * only what the daemon's main thread pays per message for the pool (fingerprint-handoff.js measures both).
 * Prints µs a message, each round, medians, and the median of the rounds' ratios.
 * Run: node dist/benchmarks/handoff-ab.js --baseline DIR [--messages N] [--warm-up N] [--rounds R]
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { defaultConfig } from "../src/config/schema.js";
import type { FingerprintPool } from "../src/fingerprint/pool.js";
import type { HAM_GROUPS, loadCorpus } from "../src/lab/corpus.js";

const { values: opts } = parseArgs({
  options: {
    baseline: { type: "string" },
    messages: { type: "string", default: "2000" },
    "warm-up": { type: "string", default: "1500" },
    rounds: { type: "string", default: "8" },
    child: { type: "string" },
  },
});

/** The main thread's CPU so far, µs. */
function mainThreadMicros(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1000;
}

/** One build's pool: µs of the main thread per message over `messages`, after `warmUp` of them. */
async function child(root: string, messages: number, warmUp: number): Promise<number> {
  const load = async <T>(path: string) => (await import(join(root, "dist/src", path))) as T;
  const config = await load<{ defaultConfig: typeof defaultConfig }>("config/schema.js");
  const { FingerprintPool: Pool } = await load<{ FingerprintPool: typeof FingerprintPool }>("fingerprint/pool.js");
  const corpus = await load<{ HAM_GROUPS: typeof HAM_GROUPS; loadCorpus: typeof loadCorpus }>("lab/corpus.js");
  const pool = new Pool({ ...config.defaultConfig().fingerprint, threads: 1, warmUpMessages: 0 });
  await pool.ready();
  // As the capture hands them over: each message in a SharedArrayBuffer of its own.
  const ham = corpus.loadCorpus(corpus.HAM_GROUPS).map((m) => {
    const shared = Buffer.from(new SharedArrayBuffer(m.bytes.length));
    m.bytes.copy(shared);
    return shared;
  });
  const send = async (from: number, count: number) => {
    for (let i = from; i < from + count; i++) await pool.fingerprint(ham[i % ham.length]!, { withinMs: 5000 });
  };
  await send(0, warmUp);
  const before = mainThreadMicros();
  await send(warmUp, messages);
  const us = (mainThreadMicros() - before) / messages;
  await pool.close();
  return us;
}

function round(root: string): number {
  const args = [process.argv[1]!, "--child", root, "--messages", opts.messages, "--warm-up", opts["warm-up"]];
  const out = execFileSync(process.execPath, [...process.execArgv, ...args], { encoding: "utf8" });
  return Number(out.trim().split("\n").pop());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function main(): Promise<void> {
  if (opts.child) {
    console.log((await child(opts.child, Number(opts.messages), Number(opts["warm-up"]))).toFixed(2));
    return;
  }
  if (!opts.baseline) throw new Error("--baseline DIR (a checkout with dist/ built) is required");
  const roots = [opts.baseline, join(import.meta.dirname, "../..")];
  console.log(`Pool hand-off A/B, ${new Date().toISOString()}`);
  console.log(`machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version}; load average ${load()}`);
  console.log(
    `baseline ${opts.baseline}; ${opts.messages} messages a round after ${opts["warm-up"]}; µs of the main thread a message\n`,
  );
  const figures: number[][] = [[], []];
  for (let r = 0; r < Number(opts.rounds); r++) {
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) figures[i]!.push(round(roots[i]!));
    console.log(`round ${r + 1}: baseline ${figures[0]![r]!.toFixed(1)}, this build ${figures[1]![r]!.toFixed(1)}`);
  }
  const ratios = figures[1]!.map((x, i) => x / figures[0]![i]!);
  console.log(
    `\nmedians: baseline ${median(figures[0]!).toFixed(1)}, this build ${median(figures[1]!).toFixed(1)}; ` +
      `median of the rounds' ratios ${median(ratios).toFixed(2)}; load average ${load()}, ${new Date().toISOString()}`,
  );
}

await main();
