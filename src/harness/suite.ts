/**
 * The whole benchmark run behind `floodgate bench`: milter-level baselines (C no-op, the TS engine, Floodgate,
 * rspamd's proxy, spamass-milter) in closed loop on the same corpus messages; the Floodgate scenarios in open loop
 * (normal mix, a campaign flood at 10× the normal rate, a scanner outage, a Redis outage); and the SMTP path through a
 * private Postfix (smtp-source alone and with Floodgate; the flood through Floodgate and through spamass-milter).
 * Every process it starts is stopped before it returns, whatever fails.
 */
import { startScratchRedis, type ScratchRedis } from "../redis/scratch-server.js";
import type { BaselineResult, BenchOptions, BenchReport, ScenarioName, ScenarioResult } from "./bench-report.js";
import { daemonAvailable, scanBacklogDrained, withBenchDaemon } from "./floodgate.js";
import { formatProgress, runLoad, type Sampler } from "./load.js";
import { machineInfo } from "./machine.js";
import { campaignFlood, corpusMix, messageSources, warmUpMessages, type BenchMessage } from "./messages.js";
import { errText, progress } from "./output.js";
import { treeCpuSeconds } from "./procs.js";
import { ratiosOf } from "./ratios.js";
import { runRealFlow } from "./real-flow.js";
import { arrivalOffsets, mergeSchedules, seededRandom } from "./schedule.js";
import { runSmtpFloodPaths, runSmtpSourcePaths } from "./smtp-runs.js";
import {
  peerVersions,
  startCNoop,
  startRspamdProxy,
  startSpamassMilter,
  startTsNoop,
  type MilterTarget,
} from "./targets.js";

function withoutDir(options: BenchOptions): Omit<BenchOptions, "dir"> {
  const { dir: _dir, ...rest } = options;
  return rest;
}

/** Run everything the options ask for. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const versions = await peerVersions();
  progress(`loading ${options.ham ? "the messages" : "the corpus"} and building the campaign`);
  const sources = messageSources(options);
  const mix = corpusMix({ ham: 600, spam: 200, seed: options.seed, sources });
  const floodCount = Math.ceil(options.rate * 10 * options.durationSec * 1.1) + 10;
  const flood = await campaignFlood(floodCount, { seed: options.seed, sources });
  const redis = await startScratchRedis();
  const report: BenchReport = {
    kind: "floodgate-bench",
    startedAt,
    finishedAt: startedAt,
    machine,
    versions,
    options: withoutDir(options),
    baselines: [],
    scenarios: [],
    smtpSource: [],
    smtpFlood: [],
    realFlow: null,
    ratios: [],
  };
  try {
    if (options.baselines) report.baselines = await runBaselines(options, mix, redis);
    for (const name of options.scenarios) report.scenarios.push(await runScenario(name, options, mix, flood, redis));
    if (options.e2e) {
      report.smtpSource = await runSmtpSourcePaths({ ...options, redisUrl: redis.url });
      report.smtpFlood = await runSmtpFloodPaths({ ...options, redisUrl: redis.url }, flood);
      report.realFlow = await runRealFlow({
        perRun: options.flowMessages,
        rounds: options.flowRounds,
        sessions: options.flowSessions,
        dir: options.dir,
        profile: options.flowProfile,
      });
    }
  } finally {
    await redis.stop();
  }
  report.ratios = ratiosOf(report);
  report.finishedAt = new Date().toISOString();
  return report;
}

async function runBaselines(
  options: BenchOptions,
  mix: readonly BenchMessage[],
  redis: ScratchRedis,
): Promise<BaselineResult[]> {
  const out: BaselineResult[] = [];
  const closed = async (
    name: string,
    target: { spec: string; cpuRoots: number[] },
    sessions: number,
    sample: () => number | null,
  ) => {
    const cpu0 = treeCpuSeconds(target.cpuRoots);
    const load = await runLoad({
      mode: "closed",
      label: `${name} ×${sessions}`,
      target: target.spec,
      concurrency: sessions,
      messages: mix,
      maxMessages: 1_000_000,
      durationMs: options.baselineSec * 1000,
      onProgress: (p) => progress(formatProgress(p)),
    });
    const answered = load.tally.messages - load.tally.byOutcome.error;
    const cpuMs = (treeCpuSeconds(target.cpuRoots) - cpu0) * 1000;
    out.push({ name, sessions, load, peakRssKb: sample(), cpuMsPerMessage: answered > 0 ? cpuMs / answered : null });
  };
  const starters: Array<[string, () => Promise<MilterTarget>, number]> = [
    ["c-noop", () => startCNoop(), options.sessions],
    ["floodgate-ts-noop", () => startTsNoop(), options.sessions],
  ];
  if (options.peers) {
    starters.push(["rspamd-proxy", () => startRspamdProxy(), options.sessions]);
    starters.push(["spamass-milter", () => startSpamassMilter(), options.spamassSessions]);
  }
  for (const [name, start, sessions] of starters) {
    progress(`baseline: starting ${name}`);
    let t: MilterTarget | null = null;
    try {
      t = await start();
      const target = t;
      await closed(name, target, sessions, () => target.memory.sample().selfKb);
    } catch (e) {
      out.push({ name, sessions, load: null, peakRssKb: null, error: errText(e) });
      progress(`baseline ${name} failed: ${errText(e)}`);
    } finally {
      await t?.stop();
    }
  }
  progress("baseline: starting floodgate run");
  try {
    if (!daemonAvailable()) throw new Error("floodgate run is not built");
    await withBenchDaemon({ redisUrl: redis.url, dir: options.dir }, "baseline", {}, async (d) => {
      // First the mix's messages as new campaigns (each a scan job), then again with their campaigns known: the
      // steady state of a flood, where most messages are copies of a campaign already seen.
      await closed("floodgate", d, options.sessions, () => d.memory.sample().selfKb);
      if (!(await scanBacklogDrained(d, 60_000))) {
        progress("baseline: the scan backlog did not drain within a minute; measuring anyway");
      }
      await closed("floodgate-known", d, options.sessions, () => d.memory.sample().selfKb);
    });
  } catch (e) {
    out.push({ name: "floodgate", sessions: options.sessions, load: null, peakRssKb: null, error: errText(e) });
    progress(`baseline floodgate failed: ${errText(e)}`);
  }
  return out;
}

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

async function runScenario(
  name: ScenarioName,
  options: BenchOptions,
  mix: readonly BenchMessage[],
  flood: readonly BenchMessage[],
  redis: ScratchRedis,
): Promise<ScenarioResult> {
  const schedule = scenarioSchedule(name, options, mix, flood);
  const durationMs = options.durationSec * 1000;
  progress(`scenario ${name}: ${schedule.length} messages over ${options.durationSec}s`);
  const run = async (system: string, spec: string, sampler: Sampler, events: Parameters<typeof runLoad>[0]["events"]) =>
    runLoad({
      mode: "open",
      label: `${name}`,
      target: spec,
      schedule,
      maxSessions: Math.max(options.sessions, 50),
      drainMs: 20_000,
      onProgress: (p) => progress(formatProgress(p)),
      sampler,
      events: events ?? [],
    }).then((load) => ({ system, load }));
  try {
    if (!daemonAvailable()) {
      // The harness still runs end to end on the engine alone; outage events find nothing to stop.
      const t = await startTsNoop();
      try {
        const { load } = await run(
          "floodgate-ts-noop (floodgate run not built)",
          t.spec,
          async () => ({ rssKb: t.memory.sample().selfKb }),
          [],
        );
        return {
          name,
          system: "floodgate-ts-noop (floodgate run not built)",
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
    return await withBenchDaemon({ redisUrl: redis.url, dir: options.dir }, name, {}, async (d) => {
      // A few seconds of other mail first, so the scenario measures a warm process (JIT, threads, connections),
      // not its first second; the warm-up's scan jobs are counted before `queued0` and left out.
      progress(`scenario ${name}: warming up`);
      await runLoad({
        mode: "closed",
        label: `${name} warm-up`,
        target: d.spec,
        concurrency: 10,
        messages: warmUpMessages(),
        maxMessages: 600,
        durationMs: 3000,
        onProgress: () => undefined,
      });
      const queued0 = (await d.metric("floodgate_scan_jobs_queued_total")) ?? 0;
      const stopped: number[] = [];
      const signal = (pids: number[], sig: NodeJS.Signals) => {
        for (const pid of pids) {
          try {
            process.kill(pid, sig);
          } catch {
            // gone
          }
        }
      };
      const events: NonNullable<Parameters<typeof runLoad>[0]["events"]> = [];
      if (name === "scanner-outage") {
        events.push({
          atMs: durationMs / 4,
          name: "scan workers SIGSTOP",
          run: () => {
            const pids = d.workerPids();
            if (pids.length === 0) throw new Error("no scan worker process found");
            stopped.push(...pids);
            signal(pids, "SIGSTOP");
          },
        });
        events.push({
          atMs: (durationMs * 3) / 4,
          name: "scan workers SIGCONT",
          run: () => signal(stopped.splice(0), "SIGCONT"),
        });
      }
      if (name === "redis-outage") {
        const pid = redis.process.pid;
        if (pid === undefined) throw new Error("the private Redis has no pid");
        events.push({
          atMs: durationMs / 3,
          name: "redis SIGSTOP",
          run: () => {
            stopped.push(pid);
            signal([pid], "SIGSTOP");
          },
        });
        events.push({
          atMs: (durationMs * 2) / 3,
          name: "redis SIGCONT",
          run: () => signal(stopped.splice(0), "SIGCONT"),
        });
      }
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
        const { system, load } = await run("floodgate", d.spec, sampler, events);
        signal(stopped.splice(0), "SIGCONT");
        const queued1 = await d.metric("floodgate_scan_jobs_queued_total");
        const mem = d.memory.sample();
        const scanJobsQueued = queued1 === null ? null : queued1 - queued0;
        return {
          name,
          system,
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
    });
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
