/**
 * Real mail flow through Postfix: the paths of flow-paths.ts asked for (its defaults unless named) driven by the same SMTP client with the same distinct
 * corpus messages (flow-messages.ts), each message once per run, in interleaved rounds (odd rounds in path order, even
 * rounds backwards, so a slow moment of the shared machine lands on different paths), at each session count; the
 * CPU of every process and of the daemon's threads per message; then, when asked, one more run of Floodgate (scan
 * workers off-host) under `--cpu-prof` to say where its main thread's time goes per message. Every process it starts
 * is stopped before it returns.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { answersSince, logOffset } from "./daemon-answers.js";
import { mainThreadProfile, monotonicUs, summarizeProfile, type ProfileSummary } from "./cpu-profile.js";
import { startFloodgate } from "./floodgate.js";
import { flowSets, type FlowKind, type FlowRunSet } from "./flow-messages.js";
import { DEFAULT_FLOW_PATHS, OFF_HOST_PATH, type FlowPathName } from "./flow-path-names.js";
import { postfixDrained, startFlowPath, type FlowPath } from "./flow-paths.js";
import { machineInfo, type MachineInfo } from "./machine.js";
import { errText, progress } from "./output.js";
import { DEFAULT_WARM_UP } from "./real-flow-defaults.js";
import { startBenchPostfix } from "./smtp-path.js";
import { sendEachOnce, type SmtpSendResult } from "./smtp-send.js";
import { peerVersions } from "./targets.js";
import { perMessage } from "./thread-cpu.js";

/** What the comparison is asked for. */
export interface RealFlowOptions {
  /** Messages per run. */
  perRun: number;
  rounds: number;
  sessions: number[];
  /** Where daemon configs, logs and profiles go. */
  dir: string;
  /** Profile the off-host daemon's main thread in a run of its own. */
  profile: boolean;
  /** The paths to run, in FLOW_PATHS's order. @defaultValue DEFAULT_FLOW_PATHS */
  paths?: readonly FlowPathName[];
  /** Messages every path is sent before the first round, in unmeasured runs shaped like the measured ones (through
   * its Postfix, the same client, each session count, distinct and mix), none of them a measured message or a copy
   * of a measured campaign (flow-messages.ts). @defaultValue DEFAULT_WARM_UP */
  warmUp?: number;
  seed?: number;
}

/** One run of one path. */
export interface FlowMeasurement {
  path: FlowPathName;
  round: number;
  kind: FlowKind;
  sessions: number;
  campaignCopies: number;
  result: SmtpSendResult;
  /** CPU per message, ms, by part (milter, main, fingerprint, libmilter, others, scanWorker, redis, postfix, client). */
  cpuMs: Record<string, number>;
  /** Scan jobs queued during the run (Floodgate only). */
  scanJobs: number | null;
  /** The milter's threads found by the fingerprint threads' name (0 for the C and TS no-op milters). */
  fingerprintThreads: number;
  /** Floodgate's answers to the run's messages by kind of status, from its log (daemon-answers.ts); null for the
   * other milters. */
  answers: Record<string, number> | null;
  /** Whether its scans were done within SCANS_SETTLE_MS of its last message (always, without scan workers here). */
  scansSettled: boolean;
}

/** Everything the comparison measured. */
export interface RealFlowReport {
  kind: "floodgate-real-flow";
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  versions: Record<string, string | null>;
  options: Omit<RealFlowOptions, "dir">;
  measurements: FlowMeasurement[];
  /** Paths that could not start, with the reason. */
  failed: Array<{ path: FlowPathName; error: string }>;
  profile: ProfileSummary | null;
  profileError?: string;
  /** Each path's parts whose CPU a control group counted (the others: /proc's clock ticks). */
  groupCounted: Partial<Record<FlowPathName, readonly string[]>>;
}

const clientCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function measure(path: FlowPath, set: FlowRunSet): Promise<FlowMeasurement> {
  const queued = async () => (path.daemon ? await path.daemon.metric("floodgate_scan_jobs_queued_total") : null);
  const jobs0 = await queued();
  const log = path.daemon ? { path: path.daemon.logPath, from: logOffset(path.daemon.logPath) } : null;
  const cpu0 = { ...path.cpu(), client: clientCpuMs() };
  const result = await sendEachOnce(path.postfix.smtpPort, set.messages, set.sessions);
  const scansSettled = await path.settle();
  const cpu1 = { ...path.cpu(), client: clientCpuMs() };
  const jobs1 = await queued();
  const answered = result.sent - result.errors;
  return {
    path: path.name,
    round: set.round,
    kind: set.kind,
    sessions: set.sessions,
    campaignCopies: set.campaignCopies,
    result,
    cpuMs: perMessage(cpu0, cpu1, answered),
    scanJobs: jobs0 === null || jobs1 === null ? null : jobs1 - jobs0,
    fingerprintThreads: path.fingerprintThreads(),
    answers: log ? await answersSince(log.path, log.from, answered) : null,
    scansSettled,
  };
}

/** Where the off-host daemon's main thread spends a message: one distinct run at one session under --cpu-prof. */
async function profileRun(dir: string, set: FlowRunSet, warm: readonly FlowRunSet[]): Promise<ProfileSummary> {
  const profDir = join(dir, "cpu-profile");
  mkdirSync(profDir, { recursive: true });
  const daemon = await startFloodgate({
    redisUrl: null,
    dir,
    name: "flow-profile",
    overrides: { scanWorker: { processes: 0 } },
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`],
  });
  let stopped = false;
  try {
    const pf = await startBenchPostfix(daemon.spec);
    let window: { fromUs: number; toUs: number };
    let answered: number;
    try {
      for (const w of warm) {
        await sendEachOnce(pf.smtpPort, w.messages, w.sessions);
        await postfixDrained(pf);
      }
      const fromUs = monotonicUs();
      const r = await sendEachOnce(pf.smtpPort, set.messages, 1);
      window = { fromUs, toUs: monotonicUs() };
      answered = r.sent - r.errors;
    } finally {
      await pf.stop();
    }
    await daemon.stop();
    stopped = true;
    const profile = mainThreadProfile(profDir, daemon.pid);
    if (!profile) throw new Error(`no main-thread profile of pid ${daemon.pid} in ${profDir}`);
    return summarizeProfile(profile, window, answered);
  } finally {
    if (!stopped) await daemon.stop();
  }
}

/** Run the comparison. */
export async function runRealFlow(options: RealFlowOptions): Promise<RealFlowReport> {
  const startedAt = new Date().toISOString();
  const { dir, ...rest } = options;
  progress(`real flow: cutting the corpus (${options.perRun} messages a run)`);
  const sets = await flowSets({
    perRun: options.perRun,
    rounds: options.rounds,
    sessions: options.sessions,
    seed: options.seed ?? 11,
    warmUp: 0,
    warmUpRuns: options.warmUp ?? DEFAULT_WARM_UP,
  });
  const report: RealFlowReport = {
    kind: "floodgate-real-flow",
    startedAt,
    finishedAt: startedAt,
    machine: machineInfo(),
    versions: await peerVersions(),
    options: rest,
    measurements: [],
    failed: [],
    profile: null,
    groupCounted: {},
  };
  const deps = { dir };
  const paths: FlowPath[] = [];
  try {
    for (const name of options.paths ?? DEFAULT_FLOW_PATHS) {
      progress(`real flow: starting ${name}`);
      try {
        const path = await startFlowPath(name, deps);
        paths.push(path);
        report.groupCounted[name] = path.groupCounted;
      } catch (e) {
        report.failed.push({ path: name, error: errText(e) });
        progress(`real flow: ${name} failed to start: ${errText(e)}`);
      }
    }
    // Warm-up rounds as the measured ones run, unmeasured: what V8 compiles for Postfix's sessions, each session
    // count and each kind of mail is compiled before round 1, on every path alike.
    for (const set of sets.warmUpRuns) {
      for (const p of set.round % 2 === 1 ? paths : [...paths].reverse()) {
        const r = await sendEachOnce(p.postfix.smtpPort, set.messages, set.sessions);
        const settled = await p.settle();
        progress(
          `warm-up ${set.round} ${set.kind} ×${set.sessions} ${p.name}: ${r.messagesPerSecond.toFixed(1)} msg/s, ` +
            `${r.sent} sent, errors ${r.errors}${settled ? "" : ", scans still running after it"}`,
        );
      }
    }
    for (const set of sets.runs) {
      const order = set.round % 2 === 1 ? paths : [...paths].reverse();
      for (const p of order) {
        const m = await measure(p, set);
        report.measurements.push(m);
        progress(
          `round ${set.round} ${set.kind} ×${set.sessions} ${p.name}: ${m.result.messagesPerSecond.toFixed(1)} msg/s, ` +
            `p50 ${m.result.latency.p50.toFixed(2)} ms, errors ${m.result.errors}` +
            (m.scansSettled ? "" : ", scans still running after it"),
        );
      }
    }
  } finally {
    // Each path its own Postfix, daemon and milter: stopped side by side, once every run is measured.
    await Promise.all(paths.map((p) => p.stop().catch(() => undefined)));
  }
  try {
    if (options.profile) {
      const set = sets.runs.find((s) => s.kind === "distinct" && s.sessions === Math.min(...options.sessions))!;
      progress(`real flow: profiling ${OFF_HOST_PATH} (one session, ${set.messages.length} distinct messages)`);
      report.profile = await profileRun(dir, set, sets.warmUpRuns);
    }
  } catch (e) {
    report.profileError = errText(e);
    progress(`real flow: the profile failed: ${errText(e)}`);
  }
  report.finishedAt = new Date().toISOString();
  return report;
}
