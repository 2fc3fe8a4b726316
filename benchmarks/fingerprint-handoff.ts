/**
 * What handing a message to a fingerprint thread costs, and how the cost of a thread falls as its code warms up.
 * CPU per message of each thread of this process (the scheduler's own count, /proc/self/task/TID/schedstat): the
 * task run on the main thread itself (no hand-off), then through a pool of one thread at 1 message in flight (one
 * task per message) and at 20 in flight (the pool's batches), in alternating rounds after a warm-up pass; the
 * main thread, the fingerprint thread (`fg-fingerprint`) and the process's other threads (V8's compiler and GC
 * helpers, libuv) apart. With `--curve`: a fresh pool of `--threads` threads, one message in flight, the corpus in
 * a seeded shuffled order, the CPU per message of each block of 500 (a daemon's first thousands of distinct
 * messages run code V8 has not optimised yet). With `--warm-up A,B,…`: fresh pools of `--threads` threads, each
 * warming up on A, B, … built-in messages (`fingerprint.warmUpMessages`), in interleaved rounds; the CPU of the
 * warm-up itself, then per message of the next `--messages` distinct corpus messages (a new slice each round, the
 * same for every variant of a round), one in flight, and their fingerprint time (p50).
 * Run: node dist/benchmarks/fingerprint-handoff.js [--messages N] (1,000) [--rounds N] (3) [--curve] [--threads N] (2)
 *      [--warm-up A,B,…]
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { defaultConfig } from "../src/config/schema.js";
import { FingerprintPool } from "../src/fingerprint/pool.js";
import { taskOptions } from "../src/fingerprint/pool-messages.js";
import { runFingerprintTask } from "../src/fingerprint/task.js";
import { HAM_GROUPS, loadCorpus, SPAM_GROUPS } from "../src/lab/corpus.js";
import { shuffled } from "../src/lab/evasion-set.js";
import { seededRandom } from "../src/util/seeded-random.js";
import { THREAD_NAMES } from "../src/util/thread-name.js";

/** A thread's CPU time so far, µs (0 when it has ended). */
function threadMicros(tid: number): number {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1000;
  } catch {
    return 0;
  }
}

function threadName(tid: number): string {
  try {
    return readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

const tids = () => readdirSync("/proc/self/task").map(Number);

/** CPU so far of the main thread, the fingerprint threads and the other threads, µs. */
interface Split {
  main: number;
  fingerprint: number;
  other: number;
}

function cpuSplit(): Split {
  const split = { main: 0, fingerprint: 0, other: 0 };
  for (const tid of tids()) {
    const us = threadMicros(tid);
    if (tid === process.pid) split.main += us;
    else if (threadName(tid) === THREAD_NAMES.fingerprint) split.fingerprint += us;
    else split.other += us;
  }
  return split;
}

function perMessage(before: Split, after: Split, n: number): Split {
  return {
    main: (after.main - before.main) / n,
    fingerprint: (after.fingerprint - before.fingerprint) / n,
    other: (after.other - before.other) / n,
  };
}

const show = (s: Split) =>
  `main ${s.main.toFixed(0)}, fingerprint ${s.fingerprint.toFixed(0)}, other ${s.other.toFixed(0)}`;

/** The messages, each in a SharedArrayBuffer as the milter hands them over. */
function sharedMessages(order: "corpus" | "shuffled", limit: number): Buffer[] {
  const corpus = loadCorpus([...HAM_GROUPS, ...SPAM_GROUPS]);
  const list = order === "shuffled" ? shuffled(corpus, seededRandom(20261202)) : corpus;
  return list.slice(0, limit).map((m) => {
    const shared = Buffer.from(new SharedArrayBuffer(m.bytes.byteLength));
    m.bytes.copy(shared);
    return shared;
  });
}

/** Every message through the pool, `inFlight` at a time; CPU per message of each kind of thread, and messages per
 * task. */
async function viaPool(pool: FingerprintPool, messages: readonly Buffer[], inFlight: number) {
  const before = cpuSplit();
  const tasks = pool.stats().tasks;
  let next = 0;
  const lane = async () => {
    while (next < messages.length) await pool.fingerprint(messages[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const perTask = messages.length / (pool.stats().tasks - tasks);
  return { cpu: perMessage(before, cpuSplit(), messages.length), perTask };
}

async function handoff(count: number, rounds: number): Promise<void> {
  const messages = sharedMessages("corpus", count);
  const config = { ...defaultConfig().fingerprint, threads: 1, maxQueue: 10_000, taskTimeoutMs: 600_000 };
  const options = taskOptions(config);
  const inThread = async () => {
    const before = cpuSplit();
    for (const message of messages) await runFingerprintTask({ ...options, message });
    return perMessage(before, cpuSplit(), messages.length);
  };
  const pool = new FingerprintPool(config);
  await pool.ready();
  await inThread();
  await viaPool(pool, messages, 1);
  console.log(`hand-off: ${messages.length} corpus messages a pass, a pool of 1 thread; CPU µs per message`);
  for (let round = 1; round <= rounds; round++) {
    const load = loadavg()[0]!.toFixed(1);
    const own = await inThread();
    const one = await viaPool(pool, messages, 1);
    const twenty = await viaPool(pool, messages, 20);
    console.log(
      `round ${round} (load ${load}): on the main thread ${own.main.toFixed(0)} | 1 in flight: ${show(one.cpu)}, ` +
        `${one.perTask.toFixed(2)} messages a task | 20 in flight: ${show(twenty.cpu)}, ` +
        `${twenty.perTask.toFixed(2)} messages a task`,
    );
  }
  await pool.close();
}

async function curve(threads: number): Promise<void> {
  const messages = sharedMessages("shuffled", Infinity);
  const config = { ...defaultConfig().fingerprint, threads, maxQueue: 10_000, taskTimeoutMs: 600_000 };
  const pool = new FingerprintPool(config);
  await pool.ready();
  console.log(`warm-up curve: a fresh pool of ${threads} thread(s), 1 in flight, CPU µs per message`);
  const block = 500;
  for (let start = 0; start < messages.length; start += block) {
    const slice = messages.slice(start, start + block);
    const { cpu } = await viaPool(pool, slice, 1);
    console.log(`messages ${start + 1}–${start + slice.length} (load ${loadavg()[0]!.toFixed(1)}): ${show(cpu)}`);
  }
  await pool.close();
}

/** The process's CPU so far, µs. */
const processMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

/** Wait until the pool's threads have finished warming up: their CPU stops growing (less than 2 ms in 250 ms). */
async function warmUpDone(): Promise<void> {
  let last = cpuSplit().fingerprint;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = cpuSplit().fingerprint;
    if (now - last < 2000) return;
    last = now;
  }
}

/** One fresh pool warming up on `warmUp` messages: its warm-up's CPU, then the messages' CPU and p50. */
async function warmedPool(threads: number, warmUp: number, messages: readonly Buffer[]) {
  const config = {
    ...defaultConfig().fingerprint,
    threads,
    warmUpMessages: warmUp,
    maxQueue: 10_000,
    taskTimeoutMs: 600_000,
  };
  const started = processMicros();
  const wall = performance.now();
  const pool = new FingerprintPool(config);
  await pool.ready();
  await warmUpDone();
  const warmCpu = (processMicros() - started) / 1000;
  const warmWall = performance.now() - wall - 500;
  const before = cpuSplit();
  const times: number[] = [];
  for (const message of messages) {
    const t = performance.now();
    await pool.fingerprint(message);
    times.push(performance.now() - t);
  }
  const cpu = perMessage(before, cpuSplit(), messages.length);
  await pool.close();
  times.sort((a, b) => a - b);
  return { warmCpu, warmWall, cpu, p50: times[Math.floor(times.length / 2)]! };
}

async function warmUpAb(threads: number, variants: number[], count: number, rounds: number): Promise<void> {
  const all = sharedMessages("shuffled", Infinity);
  console.log(
    `warm-up A/B: fresh pools of ${threads} thread(s) warming up on ${variants.join(", ")} built-in messages, ` +
      `then ${count} distinct corpus messages one in flight; CPU µs per message (ms for the warm-up)`,
  );
  for (let round = 1; round <= rounds; round++) {
    const messages = all.slice((round - 1) * count, round * count);
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const warmUp of order) {
      const load = loadavg()[0]!.toFixed(1);
      const r = await warmedPool(threads, warmUp, messages);
      const total = r.cpu.main + r.cpu.fingerprint + r.cpu.other;
      console.log(
        `round ${round} (load ${load}) warm-up ${warmUp}: warm-up CPU ${r.warmCpu.toFixed(0)} ms in ` +
          `${(r.warmWall / 1000).toFixed(1)} s | per message ${show(r.cpu)}, all ${total.toFixed(0)}; p50 ${r.p50.toFixed(2)} ms`,
      );
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: "string", default: "1000" },
      rounds: { type: "string", default: "3" },
      curve: { type: "boolean", default: false },
      threads: { type: "string", default: "2" },
      "warm-up": { type: "string" },
    },
  });
  console.log(
    `fingerprint hand-off benchmark; machine: ${cpus()[0]?.model ?? "unknown cpu"}, ${availableParallelism()} cores, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; node ${process.version} ${process.execArgv.join(" ")}`,
  );
  if (values["warm-up"] !== undefined) {
    const variants = values["warm-up"].split(",").map(Number);
    await warmUpAb(Number(values.threads), variants, Number(values.messages), Number(values.rounds));
  } else if (values.curve) await curve(Number(values.threads));
  else await handoff(Number(values.messages), Number(values.rounds));
}

await main();
