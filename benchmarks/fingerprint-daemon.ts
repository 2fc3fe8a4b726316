/**
 * Where a daemon's fingerprint thread spends more than the task itself: the same distinct corpus messages through
 * `floodgate run`'s fingerprint thread (driven over the milter protocol, scan workers off-host, a scratch Redis) and
 * through a bare pool of one thread in this process (the pool the daemon uses, its task options on a fresh store),
 * in interleaved rounds after both have been warmed up on the same messages. The bare pool's variants: the bytes the
 * daemon hands its pool (headers rebuilt as the milter capture does, CRLF) or the corpus file as it is; `--sessions`
 * in flight at once, or one at a time with a pause between messages (the daemon's thread sleeps between tasks); and
 * a tiny message (one header field, one line), back to back or with the pause: what a task costs beyond the work.
 * CPU per message of the fingerprint thread (µs, /proc/…/task/TID/schedstat), and the daemon's whole process.
 * With `--perf DIR`: `perf record -g -t TID` of each fingerprint thread over the last round's run (run this script
 * with --perf-basic-prof, the daemon gets it too).
 * Run: node --single-threaded-gc --max-semi-space-size=32 dist/benchmarks/fingerprint-daemon.js [--messages N]
 *      [--rounds R] [--warm-up N] [--sessions S] [--pause-ms MS] [--perf DIR]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { TestMessage } from "../src/client/client-types.js";
import { defaultConfig } from "../src/config/schema.js";
import { FingerprintPool } from "../src/fingerprint/pool.js";
import { flowSets } from "../src/harness/flow-messages.js";
import { startFloodgate, type FloodgateDaemon } from "../src/harness/floodgate.js";
import { sendEachInOwnSession } from "../src/harness/session-per-message.js";
import { startScratchRedis } from "../src/redis/scratch-server.js";
import { THREAD_NAMES } from "../src/util/thread-name.js";

const { values: opts } = parseArgs({
  options: {
    messages: { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
    "warm-up": { type: "string", default: "1500" },
    sessions: { type: "string", default: "1" },
    "pause-ms": { type: "string", default: "4" },
    perf: { type: "string" },
  },
});

/** A thread's CPU so far, µs (0 when it has ended). */
function threadMicros(pid: number | "self", tid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1000;
  } catch {
    return 0;
  }
}

/** The fingerprint threads of a process. */
function fingerprintTids(pid: number | "self"): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .map(Number)
    .filter((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() === THREAD_NAMES.fingerprint;
      } catch {
        return false;
      }
    });
}

const cpuOf = (pid: number | "self", tids: number[]) => tids.reduce((sum, tid) => sum + threadMicros(pid, tid), 0);
const processMicros = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).reduce((sum, t) => sum + threadMicros(pid, Number(t)), 0);

/** The message as the daemon's capture hands it to its pool: header fields rebuilt with CRLF, a blank line, the body. */
function asCaptured(message: TestMessage): Buffer {
  const head = message.headers.map(([name, value]) => `${name}: ${value.replace(/\r?\n/g, "\r\n")}\r\n`).join("");
  const body = typeof message.body === "string" ? Buffer.from(message.body) : message.body;
  const bytes = Buffer.concat([Buffer.from(`${head}\r\n`), body]);
  const shared = Buffer.from(new SharedArrayBuffer(bytes.byteLength));
  bytes.copy(shared);
  return shared;
}

/** A message of one header field and one line: what a task costs beyond the fingerprint's own work. */
const TINY = asCaptured({
  sender: "a@example.com",
  recipients: ["b@example.com"],
  headers: [["Subject", "hi"]],
  body: "hello\r\n",
});

function asShared(raw: Buffer): Buffer {
  const shared = Buffer.from(new SharedArrayBuffer(raw.byteLength));
  raw.copy(shared);
  return shared;
}

async function viaPool(pool: FingerprintPool, messages: Buffer[], inFlight: number, pauseMs: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < messages.length) {
      await pool.fingerprint(messages[next++]!);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

/** `perf record -g` of the threads `tids` while `run` runs. */
async function profiled(file: string | null, tids: number[], run: () => Promise<unknown>): Promise<void> {
  if (file === null) {
    await run();
    return;
  }
  const perf = spawn("perf", ["record", "-F", "1999", "-g", "-t", tids.join(","), "-o", file], { stdio: "ignore" });
  await new Promise((resolve) => setTimeout(resolve, 500));
  await run();
  perf.kill("SIGINT");
  await new Promise((resolve) => perf.once("exit", resolve));
}

interface Variant {
  name: string;
  run(round: number, profile: string | null): Promise<number>;
}

function variants(daemon: FloodgateDaemon, pool: FingerprintPool, rounds: Round[], sessions: number): Variant[] {
  const pauseMs = Number(opts["pause-ms"]);
  const daemonTids = fingerprintTids(daemon.pid);
  const poolTids = fingerprintTids("self");
  const measure = async (pid: number | "self", tids: number[], profile: string | null, run: () => Promise<unknown>) => {
    const before = cpuOf(pid, tids);
    await profiled(profile, tids, run);
    return cpuOf(pid, tids) - before;
  };
  const bare = (name: string, list: (r: number) => Buffer[], inFlight: number, pause: number): Variant => ({
    name,
    run: (r, profile) => measure("self", poolTids, profile, () => viaPool(pool, list(r), inFlight, pause)),
  });
  const tiny = (r: number) => rounds[r]!.captured.map(() => TINY);
  return [
    {
      name: `daemon's fingerprint thread, ${sessions} session(s)`,
      run: (r, profile) =>
        measure(daemon.pid, daemonTids, profile, () => sendEachInOwnSession(daemon.spec, rounds[r]!.tests, sessions)),
    },
    bare(`bare pool, the daemon's bytes, ${sessions} in flight`, (r) => rounds[r]!.captured, sessions, 0),
    bare(`bare pool, the corpus files, ${sessions} in flight`, (r) => rounds[r]!.files, sessions, 0),
    bare(`bare pool, the daemon's bytes, 1 in flight, ${pauseMs} ms between`, (r) => rounds[r]!.captured, 1, pauseMs),
    bare(`bare pool, a tiny message, 1 in flight`, tiny, 1, 0),
    bare(`bare pool, a tiny message, 1 in flight, ${pauseMs} ms between`, tiny, 1, pauseMs),
  ];
}

interface Round {
  tests: TestMessage[];
  captured: Buffer[];
  files: Buffer[];
}

async function main(): Promise<void> {
  const count = Number(opts.messages);
  const roundCount = Number(opts.rounds);
  const sessions = Number(opts.sessions);
  const sets = await flowSets({
    perRun: count,
    rounds: roundCount,
    sessions: [sessions],
    warmUp: Number(opts["warm-up"]),
  });
  const rounds: Round[] = sets.runs
    .filter((r) => r.kind === "distinct")
    .map((r) => ({
      tests: r.messages.map((m) => m.message),
      captured: r.messages.map((m) => asCaptured(m.message)),
      files: r.messages.map((m) => asShared(m.raw)),
    }));
  const dir = mkdtempSync(join(tmpdir(), "floodgate-fpd-"));
  const redis = await startScratchRedis();
  const perfArgs = process.execArgv.filter((a) => a.startsWith("--perf"));
  const daemon = await startFloodgate({
    redisUrl: redis.url,
    dir,
    name: "fpd",
    nodeArgs: perfArgs,
    overrides: { scanWorker: { processes: 0 }, log: { level: "warn" } },
  });
  const config = { ...defaultConfig().fingerprint, threads: 1, maxQueue: 10_000 };
  const pool = new FingerprintPool(config);
  pool.setEarlierVersions(false);
  try {
    await pool.ready();
    console.log(`fingerprint thread: daemon against a bare pool, ${new Date().toISOString()}`);
    console.log(
      `machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version} ${process.execArgv.join(" ")}; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; ${count} distinct messages a run; warm-up ${sets.warmUp.length}; CPU µs per message`,
    );
    await sendEachInOwnSession(
      daemon.spec,
      sets.warmUp.map((m) => m.message),
      sessions,
    );
    await viaPool(
      pool,
      sets.warmUp.map((m) => asCaptured(m.message)),
      sessions,
      0,
    );
    const list = variants(daemon, pool, rounds, sessions);
    const figures: number[][] = list.map(() => []);
    for (let r = 0; r < roundCount; r++) {
      const order = r % 2 === 0 ? list.map((_, i) => i) : list.map((_, i) => list.length - 1 - i);
      const load = loadavg()[0]!.toFixed(1);
      const daemonBefore = processMicros(daemon.pid);
      for (const i of order) {
        const profile = opts.perf && r === roundCount - 1 && i < 2 ? join(opts.perf, `variant${i}.data`) : null;
        figures[i]![r] = (await list[i]!.run(r, profile)) / count;
      }
      const daemonAll = (processMicros(daemon.pid) - daemonBefore) / count;
      console.log(
        `round ${r + 1} (load ${load}): ${list.map((v, i) => `${v.name} ${figures[i]![r]!.toFixed(0)}`).join(" | ")} | daemon process ${daemonAll.toFixed(0)}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [i, v] of list.entries()) console.log(`${v.name}: median ${median(figures[i]!).toFixed(0)} µs`);
  } finally {
    await pool.close();
    await daemon.stop();
    await redis.stop();
  }
}

await main();
