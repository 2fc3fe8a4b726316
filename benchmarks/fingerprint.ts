/**
 * Fingerprint benchmark: the per-step cost on the main thread (extract, normalise, MinHash, keys) of both
 * extractors (`fingerprint.parser`: "fast" and the "mailparser" baseline) in the same run; with `--baseline DIR`,
 * the whole task of this build against another build's (DIR: that checkout's dist/, e.g. the build before a
 * change to fingerprints) on the same messages, each with the earlier versions' keys off and on, interleaved by
 * chunks of messages in rounds, the CPU and wall time of each, their medians and ratios; then
 * fingerprints per second over the SpamAssassin corpus through the thread pool with 1 and 2 threads (64 in flight)
 * for each extractor. Prints the machine, the versions and the ratios.
 * Run: node dist/benchmarks/fingerprint.js [--limit N] (N messages per corpus group; default all 6,046)
 * [--parser fast|mailparser] (pool runs for that extractor only) [--baseline DIR] [--rounds N] (A/B rounds, 5)
 * [--no-pool].
 */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { defaultConfig } from "../src/config/schema.js";
import { attachmentDigests } from "../src/fingerprint/digest.js";
import { linkDomains } from "../src/fingerprint/links.js";
import { bottomValues, shingleHashes, wordHashes } from "../src/fingerprint/minhash.js";
import { normaliseText, wordTrace } from "../src/fingerprint/normalise.js";
import { FingerprintPool } from "../src/fingerprint/pool.js";
import { previousVersionKeys } from "../src/fingerprint/previous-version.js";
import { versionTwoKeys } from "../src/fingerprint/version-two.js";
import { keyDigest, recipientNames, skeletonKey, skeletonOf } from "../src/fingerprint/skeleton.js";
import { extract, runFingerprintTask, type FingerprintTask, type ParserName } from "../src/fingerprint/task.js";
import { FINGERPRINT_VERSION } from "../src/fingerprint/types.js";
import { projectRoot } from "../src/util/paths.js";
import { HAM_GROUPS, SPAM_GROUPS, loadCorpus } from "../src/lab/corpus.js";

const IN_FLIGHT = 64;

function version(name: string): string {
  const file = join(projectRoot, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/** Mean microseconds per message of each step, measured on the main thread. */
async function stepCosts(
  messages: Buffer[],
  parser: ParserName,
  parseBytes: number,
  minWords: number,
): Promise<Record<string, number>> {
  const totals = { extract: 0, normalise: 0, minhash: 0, keys: 0, previous: 0, version2: 0 };
  for (const message of messages) {
    let t = performance.now();
    const parts = await extract(message, parseBytes, parser, 1024, { previousText: true });
    totals.extract += performance.now() - t;
    t = performance.now();
    const trace = wordTrace();
    const words = normaliseText(parts.text, trace);
    const subjectTrace = wordTrace();
    const subject = normaliseText(parts.subject, subjectTrace);
    totals.normalise += performance.now() - t;
    t = performance.now();
    const hashes = wordHashes(words);
    const shingles = shingleHashes(hashes);
    const values = words.length >= minWords ? bottomValues(hashes, shingles) : null;
    totals.minhash += performance.now() - t;
    t = performance.now();
    const names = recipientNames(parts.recipients ?? "");
    const short = words.length < minWords;
    const key = skeletonKey(skeletonOf(parts.text, words, subject, names, short, trace));
    keyDigest(FINGERPRINT_VERSION, key);
    attachmentDigests(parts.attachments, 1024);
    linkDomains(parts.text, parts.html);
    totals.keys += performance.now() - t;
    t = performance.now();
    const { text, previousText } = parts;
    previousVersionKeys({
      text,
      words,
      hashes,
      shingles,
      trace,
      previousText,
      subject: parts.subject,
      minWords,
    });
    totals.previous += performance.now() - t;
    t = performance.now();
    const recipients = parts.recipients ?? "";
    const subjectWords = subject;
    const read = { text, words, hashes, trace, subjectWords, subjectTrace, names, key, minhash: values };
    versionTwoKeys({ ...read, recipients, minWords });
    totals.version2 += performance.now() - t;
  }
  const perMessage: Record<string, number> = {};
  for (const [step, ms] of Object.entries(totals)) perMessage[step] = (ms * 1000) / messages.length;
  return perMessage;
}

/** A build's whole fingerprint task: its `runFingerprintTask` and the options it takes. */
interface Build {
  name: string;
  run: (task: FingerprintTask) => Promise<unknown>;
  options: Omit<FingerprintTask, "message">;
}

/** Messages each build fingerprints in turn: small enough that the builds meet the machine in the same state. */
const CHUNK = 64;

/** Mean µs per message of a build in a round: CPU time of the process and wall-clock time. */
type Cost = { cpu: number; wall: number };

/** CPU time of this process (user and system), in µs. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** One round of the builds over the messages, chunk by chunk, each chunk fingerprinted by every build in turn; the
 * build that goes first changes from chunk to chunk (the first to read a message pays for bringing it into the
 * cache). Mean microseconds per message of each build: CPU time of the process (the task runs on this thread) and
 * wall-clock time. */
async function interleavedRound(builds: readonly Build[], messages: readonly Buffer[]): Promise<Cost[]> {
  const totals = builds.map(() => ({ cpu: 0, wall: 0 }));
  for (let start = 0, chunk = 0; start < messages.length; start += CHUNK, chunk++) {
    const slice = messages.slice(start, start + CHUNK);
    for (let k = 0; k < builds.length; k++) {
      const i = (k + chunk) % builds.length;
      const build = builds[i]!;
      const cpu = cpuMicros();
      const wall = performance.now();
      for (const message of slice) await build.run({ ...build.options, message });
      totals[i]!.wall += (performance.now() - wall) * 1000;
      totals[i]!.cpu += cpuMicros() - cpu;
    }
  }
  return totals.map(({ cpu, wall }) => ({ cpu: cpu / messages.length, wall: wall / messages.length }));
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** This build's cost over the baseline's, CPU (wall), with the earlier versions' keys off and on. */
function ratios([baseOff, off, baseOn, on]: Cost[]): string {
  return (
    `this build / baseline: previousVersion off ${ratio(off!.cpu, baseOff!.cpu)} CPU ` +
    `(${ratio(off!.wall, baseOff!.wall)} wall), on ${ratio(on!.cpu, baseOn!.cpu)} (${ratio(on!.wall, baseOn!.wall)})`
  );
}

/** This build against the build in `baselineDist` on the same messages, `rounds` interleaved rounds, each build with
 * the earlier versions' keys (`previousVersion`) off and on (a baseline from before the option ignores it); prints
 * each round and the medians' ratios. Both builds run in as many turns, and each turn follows one of the other
 * build's: the build whose code runs in more of the turns reads cheaper (two turns of three against one: about
 * 0.98× a copy of itself; benchmarks/README.md). */
async function versusBaseline(messages: readonly Buffer[], baselineDist: string, rounds: number): Promise<void> {
  const module = (await import(join(baselineDist, "src/fingerprint/task.js"))) as {
    runFingerprintTask: Build["run"];
  };
  const config = defaultConfig().fingerprint;
  const common = { parseBytes: config.parseKiB * 1024, minWords: config.minWords, attachmentMinBytes: 1024 };
  const off = { ...common, parser: "fast" as const, previousVersion: false };
  const on = { ...common, parser: "fast" as const, previousVersion: true };
  const builds: Build[] = [
    { name: "baseline off", run: module.runFingerprintTask, options: off },
    { name: "this build off", run: runFingerprintTask, options: off },
    { name: "baseline on", run: module.runFingerprintTask, options: on },
    { name: "this build on", run: runFingerprintTask, options: on },
  ];
  console.log(`A/B: baseline ${baselineDist}; each build with fingerprint.previousVersion off and on`);
  // a round not counted: every build's code compiled on every kind of message first
  const warm = await interleavedRound(builds, messages);
  console.log(
    `A/B warm-up round (not counted): ${warm.map((r, i) => `${builds[i]!.name} ${r.cpu.toFixed(1)}`).join(", ")}`,
  );
  const costs = builds.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
  for (let round = 1; round <= rounds; round++) {
    const load = loadavg()[0]!.toFixed(1);
    const results = await interleavedRound(builds, messages);
    for (const [i, r] of results.entries()) {
      costs[i]!.cpu.push(r.cpu);
      costs[i]!.wall.push(r.wall);
    }
    console.log(
      `A/B round ${round} (load ${load}), µs/message CPU (wall): ` +
        results.map((r, i) => `${builds[i]!.name} ${r.cpu.toFixed(1)} (${r.wall.toFixed(1)})`).join(", ") +
        `; ${ratios(results)}`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const medians = costs.map((c) => ({ cpu: median(c.cpu), wall: median(c.wall) }));
  console.log(
    `A/B medians (whole task, one core), µs/message CPU: ` +
      medians.map((m, i) => `${builds[i]!.name} ${m.cpu.toFixed(1)}`).join(", ") +
      `; ${ratios(medians)}; the earlier keys cost this build ${ratio(medians[3]!.cpu, medians[1]!.cpu)}`,
  );
}

/**
 * Fingerprints per second through a pool of `threads` threads, `IN_FLIGHT` messages outstanding: the corpus
 * once on fresh threads (`cold`: includes the JIT warming up) and once more on the same threads (`warm`: what
 * a long-running daemon sees).
 */
async function poolRate(
  messages: Buffer[],
  threads: number,
  parser: ParserName,
): Promise<{ cold: number; warm: number; outcomes: Record<string, number> }> {
  const config = { ...defaultConfig().fingerprint, threads, parser, maxQueue: IN_FLIGHT * 2, taskTimeoutMs: 600_000 };
  const pool = new FingerprintPool(config);
  await pool.ready();
  const outcomes: Record<string, number> = {};
  const pass = async (): Promise<number> => {
    let next = 0;
    const start = performance.now();
    const lane = async () => {
      while (next < messages.length) {
        const message = messages[next++]!;
        const outcome = await pool.fingerprint(message);
        const key = outcome.status === "ok" ? "ok" : outcome.reason;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    return messages.length / ((performance.now() - start) / 1000);
  };
  const cold = await pass();
  const warm = await pass();
  await pool.close();
  return { cold, warm, outcomes };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      limit: { type: "string" },
      parser: { type: "string" },
      baseline: { type: "string" },
      rounds: { type: "string", default: "5" },
      "no-pool": { type: "boolean", default: false },
    },
  });
  if (values.parser !== undefined && values.parser !== "fast" && values.parser !== "mailparser") {
    throw new Error(`--parser must be fast or mailparser, not ${values.parser}`);
  }
  const parsers: ParserName[] = values.parser ? [values.parser] : ["fast", "mailparser"];
  const limit = values.limit ? Number(values.limit) : undefined;
  const corpus = loadCorpus([...HAM_GROUPS, ...SPAM_GROUPS], { limit });
  // SharedArrayBuffer-backed, as the milter engine hands them over.
  const messages = corpus.map((m) => {
    const shared = Buffer.from(new SharedArrayBuffer(m.bytes.byteLength));
    m.bytes.copy(shared);
    return shared;
  });
  const bytes = messages.reduce((n, m) => n + m.byteLength, 0);
  const config = defaultConfig().fingerprint;

  console.log("fingerprint benchmark");
  console.log(
    `machine: ${cpus()[0]?.model ?? "unknown cpu"}, ${availableParallelism()} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `node ${process.version} ${process.execArgv.join(" ")}; mailparser ${version("mailparser")}, @zone-eu/mailsplit ${version("@zone-eu/mailsplit")}, ` +
      `libmime ${version("libmime")}, piscina ${version("piscina")}, tldts ${version("tldts")}`,
  );
  console.log(
    `corpus: ${messages.length} messages, ${(bytes / 1024 / 1024).toFixed(1)} MiB, mean ${(bytes / messages.length / 1024).toFixed(1)} KiB`,
  );

  // Both extractors in the same run, alternated twice; each one's best (lowest) total is kept.
  const totals = new Map<ParserName, number>();
  for (let round = 1; round <= 2; round++) {
    for (const parser of ["fast", "mailparser"] as const) {
      const steps = await stepCosts(messages, parser, config.parseKiB * 1024, config.minWords);
      const total = Object.values(steps).reduce((a, b) => a + b, 0);
      totals.set(parser, Math.min(totals.get(parser) ?? Infinity, total));
      console.log(`per-step cost on the main thread, parser ${parser}, round ${round} (µs/message):`);
      for (const [step, us] of Object.entries(steps))
        console.log(`  ${step.padEnd(10)} ${us.toFixed(1).padStart(8)}  (${((100 * us) / total).toFixed(0)} %)`);
      console.log(
        `  ${"total".padEnd(10)} ${total.toFixed(1).padStart(8)}  → ${(1e6 / total).toFixed(0)} msg/s on one core`,
      );
    }
  }
  const fastTotal = totals.get("fast") ?? 0;
  const baseTotal = totals.get("mailparser") ?? 0;
  console.log(
    `best whole task on one core: fast ${fastTotal.toFixed(1)} µs, mailparser ${baseTotal.toFixed(1)} µs; ` +
      `speed-up ${(baseTotal / fastTotal).toFixed(2)}×`,
  );

  if (values.baseline) await versusBaseline(messages, values.baseline, Number(values.rounds));
  if (!values["no-pool"]) await poolRates(messages, parsers);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (a shared machine: treat ±30 % as noise)`,
  );
}

/** Alternate 1 and 2 threads, twice, for each extractor, and keep each one's best warm run: the machine is shared
 * and noisy. */
async function poolRates(messages: Buffer[], parsers: readonly ParserName[]): Promise<void> {
  const bestWarm = new Map<ParserName, Map<number, number>>();
  for (const parser of parsers) {
    const best = new Map<number, number>();
    bestWarm.set(parser, best);
    for (let round = 1; round <= 2; round++) {
      for (const threads of [1, 2]) {
        const { cold, warm, outcomes } = await poolRate(messages, threads, parser);
        best.set(threads, Math.max(best.get(threads) ?? 0, warm));
        console.log(
          `pool, parser ${parser}, ${threads} thread(s), round ${round}: cold ${cold.toFixed(0)}, ` +
            `warm ${warm.toFixed(0)} fingerprints/s  ${JSON.stringify(outcomes)}`,
        );
      }
    }
    const one = best.get(1) ?? 0;
    const two = best.get(2) ?? 0;
    console.log(
      `best warm, parser ${parser}: 1 thread ${one.toFixed(0)} fingerprints/s, 2 threads ${two.toFixed(0)} ` +
        `fingerprints/s; ratio 2 threads / 1 thread: ${(two / one).toFixed(2)}`,
    );
  }
  const fastTwo = bestWarm.get("fast")?.get(2);
  const baseTwo = bestWarm.get("mailparser")?.get(2);
  if (fastTwo && baseTwo) {
    console.log(`pool, 2 threads, warm: fast / mailparser = ${(fastTwo / baseTwo).toFixed(2)}`);
  }
}

await main();
