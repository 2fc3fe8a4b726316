/**
 * The hostile-mail soak (`make soak`): `floodgate run` on a private Redis, N seeded hostile messages over S concurrent
 * sessions of the project's milter client, then a sample through a private Postfix (src/harness/hostile-soak.ts).
 * An idle daemon runs beside it (sent nothing): its event loop's delay is the machine's own, the baseline of the run.
 * Prints the machine and versions, the figures, and whether each property held; exits 1 when one did not.
 * Run: `node dist/benchmarks/hostile-soak.js [--messages 100000] [--sessions 100] [--seed 1] [--postfix 1000]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runHostileSoak, soakProperties, type SoakReport, type ThreadTime } from "../src/harness/hostile-soak.js";
import { formatMachine, machineInfo } from "../src/harness/machine.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

async function main(): Promise<void> {
  const messages = arg("messages", 100_000);
  const sessions = arg("sessions", 100);
  const seed = arg("seed", 1);
  const postfix = arg("postfix", 1000);
  const machine = machineInfo();
  console.log(`machine: ${formatMachine(machine)}; load ${machine.loadAverage ?? "?"}`);
  console.log(`soak: ${messages} hostile messages, ${sessions} sessions, seed ${seed}, ${postfix} through Postfix`);
  const dir = mkdtempSync(join(tmpdir(), "floodgate-soak-"));
  try {
    const report = await runHostileSoak({
      seed,
      messages,
      sessions,
      dir,
      idleBaseline: true,
      ...(postfix > 0 ? { postfix: { messages: postfix, sessions: 10 } } : {}),
      progress: (line) => console.error(`  ${line}`),
    });
    print(report);
    const failed = soakProperties(report).filter(([, held]) => !held);
    for (const [name, held] of soakProperties(report)) console.log(`${held ? "ok  " : "FAIL"} ${name}`);
    process.exitCode = failed.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(r: SoakReport): void {
  const mib = (kb: number | null) => (kb === null ? "?" : `${(kb / 1024).toFixed(0)} MiB`);
  console.log(`${r.answered} answered in ${r.seconds.toFixed(0)} s (${(r.answered / r.seconds).toFixed(0)}/s)`);
  console.log(
    `crashes ${r.crashes}, unanswered ${r.unanswered}, unlabelled ${r.unlabelled}, forged surviving ${r.forgedSurvived}`,
  );
  console.log(`past the deadline: daemon ${r.daemonPastDeadline ?? "?"}, client (queueing included) ${r.pastDeadline}`);
  const e = r.eomMs;
  console.log(
    `end of message, client: p50 ${e.p50.toFixed(0)} p99 ${e.p99.toFixed(0)} max ${e.max.toFixed(0)} ms; event-loop delay max ${r.maxEventLoopDelayMs ?? "?"} ms`,
  );
  console.log(`main thread, soak daemon: ${threadLine(r.mainThread)}`);
  console.log(
    `idle daemon (baseline, sent nothing): event-loop delay max ${r.idle?.maxEventLoopDelayMs ?? "?"} ms; main thread ${threadLine(r.idle?.mainThread ?? null)}`,
  );
  console.log(`peak RSS: daemon ${mib(r.peakRssKb.daemon)}, its process tree ${mib(r.peakRssKb.tree)}`);
  console.log(`labels: ${JSON.stringify(r.labels)}; verdicts: ${JSON.stringify(r.verdicts)}`);
  for (const [family, f] of Object.entries(r.families)) {
    console.log(
      `  ${family.padEnd(16)} ${String(f.messages).padStart(6)} messages, slowest ${f.maxEomMs.toFixed(0)} ms`,
    );
  }
  if (r.postfix) console.log(`Postfix sample: ${JSON.stringify({ ...r.postfix, examples: undefined })}`);
  for (const example of [...r.examples, ...(r.postfix?.examples ?? [])]) console.log(`  e.g. ${example}`);
}

/** A main thread's time: on a CPU and waiting for one, in seconds and as shares of the run. */
function threadLine(t: ThreadTime | null): string {
  if (!t) return "?";
  const pct = (x: number) => `${((100 * x) / t.seconds).toFixed(0)} %`;
  return (
    `on a CPU ${t.cpuSeconds.toFixed(0)} s (${pct(t.cpuSeconds)}), waiting for a CPU ` +
    `${t.runQueueSeconds.toFixed(0)} s (${pct(t.runQueueSeconds)}) of ${t.seconds.toFixed(0)} s`
  );
}

await main();
