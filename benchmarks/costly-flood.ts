/**
 * Ordinary mail during a flood of messages costly to fingerprint, this build's daemon against another build's
 * (`--baseline DIR`, a checkout with dist/ built): each `floodgate run` with one fingerprint thread, scan workers
 * off-host and no bulk holds, on a scratch Redis of its own. A round per build: `--flood` sessions send, each in a
 * session of its own and one after another, messages of about 970 KB of spans each with a near-white colour (what
 * costs the fingerprint most a byte: a hundred milliseconds or more of the thread a message); once the costly messages
 * wait for the thread, distinct corpus ham is sent one at a time beside them. Per build: how many of the ordinary
 * messages were fingerprinted and counted (a campaign in their status) and how many went out `skipped`, their
 * end-of-message reply times (p50, p99), and how many of the flood's own messages were fingerprinted (in all and a
 * second of the round), deferred (451) or let through unfiltered (`skipped`). The builds
 * take turns at going first, each round on ham of its own. Not a gate: the flood's figures follow the machine.
 * Run: node dist/benchmarks/costly-flood.js --baseline DIR [--flood 24] [--ordinary 40] [--rounds 2]
 */
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { TestMessage } from "../src/client/client-types.js";
import { rawToTestMessage } from "../src/client/raw-message.js";
import { startBuildDaemon, stopBuildDaemon, type BuildDaemon } from "../src/harness/build-daemon.js";
import { sendInOwnSession } from "../src/harness/session-per-message.js";
import { costlyMessage } from "../src/lab/costly-mail.js";
import { loadHam } from "../src/lab/corpus.js";

const { values: opts } = parseArgs({
  options: {
    baseline: { type: "string" },
    flood: { type: "string", default: "24" },
    ordinary: { type: "string", default: "40" },
    rounds: { type: "string", default: "2" },
  },
});

type Side = BuildDaemon;

interface Figures {
  fingerprinted: number;
  skipped: number;
  p50: number;
  p99: number;
  flood: number;
  floodFingerprinted: number;
  /** The flood's messages answered 451 (`policy.largeMailFailMode`). */
  floodDeferred: number;
  /** The flood's messages let through unfiltered (`skipped` under a fail mode of continue). */
  floodUnfiltered: number;
  /** The round's length, s: from the flood's start to its end. */
  seconds: number;
}

/** Scan workers off-host, no holds, no scan queue, one fingerprint thread. */
const OVERRIDES = {
  scanWorker: { processes: 0 },
  policy: { holdBulk: false },
  queue: { enabled: false },
  fingerprint: { threads: 1 },
  log: { level: "warn" },
};

const startSide = (name: string, root: string, dir: string) => startBuildDaemon(name, root, dir, OVERRIDES);

/** One message in a session of its own: its status header and end-of-message reply time, ms. */
async function send(spec: string, message: TestMessage): Promise<{ status: string; ms: number }> {
  const result = await sendInOwnSession(spec, message);
  const header = result.eom?.modifications.find((m) => m.kind === "addHeader" && m.name === "X-Floodgate-Status");
  const answered = `${result.eom?.action} ${result.eom?.reply}`;
  const status = result.eom?.action !== "continue" || !header || !("value" in header) ? answered : header.value.trim();
  return { status, ms: result.steps.find((s) => s.command === "eom")?.ms ?? NaN };
}

const counted = (status: string) => /^continue; (new|bulk)/.test(status);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? NaN;

async function round(side: Side, ordinary: TestMessage[], floodSessions: number): Promise<Figures> {
  let flooding = true;
  let sent = 0;
  const started = performance.now();
  const floodStatuses: string[] = [];
  const flood = Array.from({ length: floodSessions }, async () => {
    while (flooding) floodStatuses.push((await send(side.daemon.spec, costlyMessage(sent++))).status);
  });
  const answers: Array<{ status: string; ms: number }> = [];
  try {
    for (let tries = 0; ((await side.daemon.metric("floodgate_pool_queue_length")) ?? 0) < floodSessions / 2; tries++) {
      if (tries > 600) throw new Error(`${side.name}: the costly messages never queued up`);
      await setTimeout(100);
    }
    for (const message of ordinary) answers.push(await send(side.daemon.spec, message));
  } finally {
    flooding = false;
    await Promise.all(flood);
  }
  const times = answers.map((a) => a.ms);
  return {
    fingerprinted: answers.filter((a) => counted(a.status)).length,
    skipped: answers.filter((a) => a.status.startsWith("skipped")).length,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    flood: floodStatuses.length,
    floodFingerprinted: floodStatuses.filter(counted).length,
    floodDeferred: floodStatuses.filter((s) => / 451 /.test(` ${s}`)).length,
    floodUnfiltered: floodStatuses.filter((s) => s.startsWith("skipped")).length,
    seconds: (performance.now() - started) / 1000,
  };
}

function report(sides: Side[], rounds: Figures[][], ordinary: number): void {
  console.log(
    "| build | round | ordinary fingerprinted | ordinary skipped | their reply p50 / p99 ms | flood messages | of them fingerprinted | a second | deferred (451) | let through unfiltered |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  rounds.forEach((row, r) =>
    sides.forEach((side, i) => {
      const f = row[i]!;
      const cells = [`${f.fingerprinted} of ${ordinary}`, f.skipped, `${f.p50.toFixed(0)} / ${f.p99.toFixed(0)}`];
      const flood = [
        f.flood,
        f.floodFingerprinted,
        (f.floodFingerprinted / f.seconds).toFixed(1),
        f.floodDeferred,
        f.floodUnfiltered,
      ];
      console.log(`| ${side.name} | ${r + 1} | ${[...cells, ...flood].join(" | ")} |`);
    }),
  );
}

async function main(): Promise<void> {
  if (!opts.baseline) throw new Error("--baseline DIR (a checkout with dist/ built) is required");
  const rounds = Number(opts.rounds);
  const floodSessions = Number(opts.flood);
  const perRound = Number(opts.ordinary);
  const ham = loadHam({ limit: Math.ceil((2 * rounds * perRound) / 3) + 1 });
  if (ham.length < 2 * rounds * perRound) throw new Error("the corpus has too few ham messages");
  const ordinary = ham.map((m, i) => rawToTestMessage(m.bytes, "someone@example.org", [`user${i}@example.net`]));
  const dir = mkdtempSync(join(tmpdir(), "floodgate-costly-"));
  const sides = [
    await startSide("baseline", opts.baseline, dir),
    await startSide("this build", join(import.meta.dirname, "../.."), dir),
  ];
  try {
    console.log(`Ordinary mail during a flood of messages costly to fingerprint, ${new Date().toISOString()}`);
    const load = loadavg().map((l) => l.toFixed(2));
    console.log(
      `machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version}; load ${load.join(" ")}`,
    );
    console.log(
      `baseline ${opts.baseline}; ${floodSessions} flooding sessions; ${perRound} distinct corpus ham a round ` +
        `and build, one at a time; one fingerprint thread each\n`,
    );
    const figures: Figures[][] = [];
    let next = 0;
    for (let r = 0; r < rounds; r++) {
      const row: Figures[] = [];
      for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
        row[i] = await round(sides[i]!, ordinary.slice(next, next + perRound), floodSessions);
        next += perRound;
      }
      figures.push(row);
    }
    report(sides, figures, perRound);
  } finally {
    for (const s of sides) await stopBuildDaemon(s);
  }
}

await main();
