/**
 * One Floodgate scenario of `floodgate bench` in open loop: the normal mix at `rate` with the campaign at 10× the
 * rate (flood) or at the rate (outages), after a warm-up; the scanner outage stops the scan worker processes and
 * the Redis outage the private Redis for a part of the run (SIGSTOP, then SIGCONT). Without a built `floodgate run`
 * it runs on the TypeScript engine alone.
 */
import type { ScratchRedis } from "../redis/scratch-server.js";
import type { BenchOptions, ScenarioName, ScenarioResult } from "./bench-report.js";
import {
  BENCH_SCANNERS,
  daemonAvailable,
  scanningWith,
  scanWorkerStarted,
  SCANNER_START_MS,
  withBenchDaemon,
  type FloodgateDaemon,
} from "./floodgate.js";
import { formatProgress, runLoad, type LoadCommon, type Sampler } from "./load.js";
import { warmUpMessages, type BenchMessage } from "./messages.js";
import { errText, progress } from "./output.js";
import { arrivalOffsets, mergeSchedules, seededRandom } from "./schedule.js";
import { startTsNoop } from "./targets.js";

type Schedule = Array<{ at: number; message: BenchMessage }>;
type Injections = NonNullable<LoadCommon["events"]>;

/** The open-loop schedule of a scenario: normal mix at `rate`, plus the campaign at 10× (flood) or 1× (outages). */
export function scenarioSchedule(
  name: ScenarioName,
  options: Pick<BenchOptions, "rate" | "durationSec" | "arrivals" | "seed">,
  mix: readonly BenchMessage[],
  flood: readonly BenchMessage[],
): Array<{ at: number; message: BenchMessage }> {
  const random = seededRandom(options.seed);
  const durationMs = options.durationSec * 1000;
  const normal = arrivalOffsets({ rate: options.rate, durationMs, arrivals: options.arrivals, random });
  const campaignRate = name === "flood" ? options.rate * 10 : name === "normal" ? 0 : options.rate;
  const campaign =
    campaignRate > 0
      ? arrivalOffsets({ rate: campaignRate, durationMs, arrivals: options.arrivals, random, maxCount: flood.length })
      : [];
  let n = 0;
  let c = 0;
  return mergeSchedules<"n" | "c">([
    { tag: "n", offsets: normal },
    { tag: "c", offsets: campaign },
  ]).map((a) => ({ at: a.at, message: a.tag === "n" ? mix[n++ % mix.length]! : flood[c++ % flood.length]! }));
}

/**
 * A few seconds of other mail first, so that what follows measures a warm process (JIT, threads, connections), not
 * its first second.
 */
export async function warmUp(spec: string, label: string): Promise<void> {
  await runLoad({
    mode: "closed",
    label: `${label} warm-up`,
    target: spec,
    concurrency: 10,
    messages: warmUpMessages(),
    maxMessages: 600,
    durationMs: 3000,
  });
}

/** Run one scenario; a scenario that fails gives its error, not an exception. */
export async function runScenario(
  name: ScenarioName,
  options: BenchOptions,
  mix: readonly BenchMessage[],
  flood: readonly BenchMessage[],
  redis: ScratchRedis,
): Promise<ScenarioResult> {
  const schedule = scenarioSchedule(name, options, mix, flood);
  progress(`scenario ${name}: ${schedule.length} messages over ${options.durationSec}s`);
  try {
    if (!daemonAvailable()) return await onEngineAlone(name, options, schedule);
    return await withBenchDaemon({ redisUrl: redis.url, dir: options.dir }, name, BENCH_SCANNERS, (d) =>
      onDaemon(name, options, schedule, d, redis),
    );
  } catch (e) {
    progress(`scenario ${name} failed: ${errText(e)}`);
    return {
      name,
      system: "floodgate",
      load: null,
      scanJobsQueued: null,
      scanJobsPer1000: null,
      peakRssKb: null,
      peakTreeRssKb: null,
      error: errText(e),
    };
  }
}

/** The scenario's schedule through one milter. */
function runSchedule(
  name: ScenarioName,
  options: BenchOptions,
  schedule: Schedule,
  spec: string,
  sampler: Sampler,
  events: Injections,
) {
  return runLoad({
    mode: "open",
    label: `${name}`,
    target: spec,
    schedule,
    maxSessions: Math.max(options.sessions, 50),
    drainMs: 20_000,
    onProgress: (p) => progress(formatProgress(p)),
    sampler,
    events,
  });
}

/** The harness still runs end to end on the engine alone; outage events find nothing to stop. */
async function onEngineAlone(name: ScenarioName, options: BenchOptions, schedule: Schedule): Promise<ScenarioResult> {
  const system = "floodgate-ts-noop (floodgate run not built)";
  const t = await startTsNoop();
  try {
    const sampler = async () => ({ rssKb: t.memory.sample().selfKb });
    const load = await runSchedule(name, options, schedule, t.spec, sampler, []);
    return {
      name,
      system,
      load,
      scanJobsQueued: null,
      scanJobsPer1000: null,
      peakRssKb: t.memory.sample().selfKb,
      peakTreeRssKb: null,
    };
  } finally {
    await t.stop();
  }
}

/** The scenario through `floodgate run`, its warm-up's scan jobs counted before the run and left out. */
async function onDaemon(
  name: ScenarioName,
  options: BenchOptions,
  schedule: Schedule,
  d: FloodgateDaemon,
  redis: ScratchRedis,
): Promise<ScenarioResult> {
  // A flood is judged by the scanner: a run that starts before it does measures the scanner's start, not the flood.
  progress(`scenario ${name}: scanning with ${await scanningWith(d.logPath, SCANNER_START_MS)}`);
  await scanWorkerStarted(d);
  progress(`scenario ${name}: warming up`);
  await warmUp(d.spec, name);
  const queued0 = (await d.metric("floodgate_scan_jobs_queued_total")) ?? 0;
  const stopped: number[] = [];
  const events = outageEvents(name, options.durationSec * 1000, d, redis, stopped);
  try {
    const sampler: Sampler = async () => {
      const m = d.memory.sample();
      const [backlog, queued] = await Promise.all([d.backlog(), d.metric("floodgate_scan_jobs_queued_total")]);
      return {
        backlog,
        scanJobsQueued: queued === null ? null : queued - queued0,
        rssKb: m.selfKb,
        treeRssKb: m.treeKb,
      };
    };
    const load = await runSchedule(name, options, schedule, d.spec, sampler, events);
    signal(stopped.splice(0), "SIGCONT");
    const queued1 = await d.metric("floodgate_scan_jobs_queued_total");
    const mem = d.memory.sample();
    const scanJobsQueued = queued1 === null ? null : queued1 - queued0;
    return {
      name,
      system: "floodgate",
      load,
      scanJobsQueued,
      scanJobsPer1000:
        scanJobsQueued === null || load.tally.messages === 0 ? null : (scanJobsQueued / load.tally.messages) * 1000,
      peakRssKb: mem.selfKb,
      peakTreeRssKb: mem.treeKb,
    };
  } finally {
    signal(stopped.splice(0), "SIGCONT");
  }
}

/** The outage of a scenario: the processes stopped and continued, each pid stopped recorded in `stopped`. */
function outageEvents(
  name: ScenarioName,
  durationMs: number,
  d: FloodgateDaemon,
  redis: ScratchRedis,
  stopped: number[],
): Injections {
  if (name === "scanner-outage") {
    return [
      {
        atMs: durationMs / 4,
        name: "scan workers SIGSTOP",
        run: () => {
          const pids = d.workerPids();
          if (pids.length === 0) throw new Error("no scan worker process found");
          stopped.push(...pids);
          signal(pids, "SIGSTOP");
        },
      },
      { atMs: (durationMs * 3) / 4, name: "scan workers SIGCONT", run: () => signal(stopped.splice(0), "SIGCONT") },
    ];
  }
  if (name === "redis-outage") {
    const pid = redis.process.pid;
    if (pid === undefined) throw new Error("the private Redis has no pid");
    return [
      {
        atMs: durationMs / 3,
        name: "redis SIGSTOP",
        run: () => {
          stopped.push(pid);
          signal([pid], "SIGSTOP");
        },
      },
      { atMs: (durationMs * 2) / 3, name: "redis SIGCONT", run: () => signal(stopped.splice(0), "SIGCONT") },
    ];
  }
  return [];
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}
