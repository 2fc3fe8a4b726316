/**
 * The whole benchmark run behind `floodgate bench`: milter-level baselines (C no-op, the TS engine, Floodgate,
 * rspamd's proxy, spamass-milter) in closed loop on the same corpus messages; the Floodgate scenarios in open loop
 * (normal mix, a campaign flood at 10× the normal rate, a scanner outage, a Redis outage); and the SMTP path through a
 * private Postfix (smtp-source alone and with Floodgate; the flood through Floodgate and through spamass-milter).
 * Every process it starts is stopped before it returns, whatever fails.
 */
import { startScratchRedis, type ScratchRedis } from "../redis/scratch-server.js";
import type { BaselineResult, BenchOptions, BenchReport } from "./bench-report.js";
import { daemonAvailable, scanBacklogDrained, withBenchDaemon } from "./floodgate.js";
import { formatProgress, runLoad } from "./load.js";
import { machineInfo } from "./machine.js";
import { campaignFlood, corpusMix, messageSources, type BenchMessage } from "./messages.js";
import { errText, progress } from "./output.js";
import { treeCpuSeconds } from "./procs.js";
import { ratiosOf } from "./ratios.js";
import { runRealFlow } from "./real-flow.js";
import { runScenario } from "./scenario.js";
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
        warmUp: options.flowWarmUp,
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
