/**
 * Whether a real scanner's cost stays off the mail path: the flood scenario of `floodgate bench` (the corpus mix at
 * `rate` plus one personalised campaign at 10×, open loop, src/harness/suite.ts's schedule) against `floodgate run`
 * on its defaults (private Redis, private spamd, one scan worker process) and against the same with the built-in
 * rules as its only scanner, in interleaved rounds (odd rounds built-in first, even rounds spamd first), a fresh
 * daemon each time, the same arrivals for both. Each daemon is measured once its scan worker process scans (spamd
 * compiles its rules first) and the warm-up's scans are done, so the run holds the flood's scans and nothing else.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { scanBacklogDrained, scanningWith, startFloodgate, type ConfigOverrides } from "./floodgate.js";
import { runLoad, type LoadResult } from "./load.js";
import { campaignFlood, corpusMix } from "./messages.js";
import { progress } from "./output.js";
import { cmdline, cpuSeconds, descendants, processSchedule } from "./procs.js";
import { scenarioSchedule, warmUp } from "./scenario.js";

/** The two systems compared, and the contrast `--unbudgeted` adds: spamd without the scan budget. */
export const LATENCY_SYSTEMS = ["builtin", "spamd", "spamd-unbudgeted"] as const;
export type LatencySystem = (typeof LATENCY_SYSTEMS)[number];

const OVERRIDES: Record<LatencySystem, ConfigOverrides> = {
  builtin: { scanWorker: { scanners: [{ type: "builtin" }] } },
  spamd: {},
  "spamd-unbudgeted": { queue: { busyRate: 0 } },
};

/** `scanWorker.priority`'s values, for both systems' daemons. */
export const SCANNING_PRIORITIES = ["idle", "low", "normal"] as const;
export type ScanningPriority = (typeof SCANNING_PRIORITIES)[number];

export interface VerdictLatencyOptions {
  rounds: number;
  /** Normal messages per second (the campaign adds 10×). */
  rate: number;
  durationSec: number;
  seed: number;
  /** The scanning side's priority in both systems (the default: idle). */
  priority?: ScanningPriority;
  /** Also run spamd with `queue.busyRate: 0` (every campaign scanned when due, busy or not) in each round. */
  unbudgeted?: boolean;
  /** Where the daemons' configurations and logs go. */
  dir: string;
}

/** One run of one system. */
export interface LatencyRun {
  system: LatencySystem;
  round: number;
  scanners: string;
  /** Its scanning side's `scanWorker.priority`. */
  priority: ScanningPriority;
  load: LoadResult;
  /** Scan jobs queued during the run. */
  scanJobs: number | null;
  /** Scans due but not queued during the run (`floodgate_scan_jobs_shed_total`: the scan budget's "busy", or shed). */
  scanJobsShed: number | null;
  /** CPU seconds used during the run by the daemon's own process, and by its scanning side (the scan worker
   * processes and the private spamd's processes). */
  cpuSeconds: { daemon: number; scanning: number };
  /** Seconds the mail path's threads were runnable but waited for a CPU during the run (/proc schedstat), summed
   * over the daemon's threads and over the private Redis's: what the scanning side may take from the mail path. */
  runQueueSeconds: { daemon: number; redis: number };
  /** The scanning side's processes as the run ended (scan worker processes, spamd and its children). */
  scanningProcesses: number;
  /** The machine's 1-minute load average as the run started: what else wanted the CPUs. */
  loadAverage: number;
}

/** The rounds, every run in the order it ran. */
export async function runVerdictLatency(options: VerdictLatencyOptions): Promise<LatencyRun[]> {
  const mix = corpusMix({ ham: 600, spam: 200, seed: options.seed });
  const floodCount = Math.ceil(options.rate * 10 * options.durationSec * 1.1) + 10;
  const flood = await campaignFlood(floodCount, { seed: options.seed });
  const schedule = scenarioSchedule(
    "flood",
    { rate: options.rate, durationSec: options.durationSec, arrivals: "poisson", seed: options.seed },
    mix,
    flood,
  );
  const runs: LatencyRun[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const systems = options.unbudgeted ? LATENCY_SYSTEMS : LATENCY_SYSTEMS.slice(0, 2);
    // Each round starts one system later than the one before: every system runs first as often as the others.
    const order = systems.map((_, i) => systems[(i + round - 1) % systems.length]!);
    for (const system of order) {
      progress(`latency: round ${round}, ${system}: ${schedule.length} messages over ${options.durationSec}s`);
      runs.push(await runOnce(system, round, schedule, options.dir, options.priority ?? "idle"));
    }
  }
  return runs;
}

async function runOnce(
  system: LatencySystem,
  round: number,
  schedule: ReturnType<typeof scenarioSchedule>,
  dir: string,
  priority: ScanningPriority,
): Promise<LatencyRun> {
  // The private spamd runs as its own user, who must pass through to its directory in the state directory.
  const parent = mkdtempSync(join(tmpdir(), "fg-latency-"));
  chmodSync(parent, 0o711);
  const name = `latency-${system}-${round}`;
  const base = OVERRIDES[system];
  const d = await startFloodgate({
    redisUrl: null,
    dir,
    name,
    overrides: {
      ...base,
      scanWorker: { ...base.scanWorker, priority },
      state: { dir: join(parent, "state") },
      alerts: { enabled: false },
    },
  });
  try {
    const scanners = await scanningWith(join(dir, `${name}.daemon.log`), 180_000);
    await warmUp(d.spec, name);
    if (!(await scanBacklogDrained(d, 120_000))) progress(`latency: ${name}: the warm-up's scans did not drain`);
    const queued0 = (await d.metric("floodgate_scan_jobs_queued_total")) ?? 0;
    const shed0 = (await d.metric("floodgate_scan_jobs_shed_total")) ?? 0;
    const cpu0 = cpuOf(d.pid);
    const wait0 = mailPathWait(d.pid);
    const loadAverage = loadavg()[0] ?? 0;
    const load = await runLoad({
      mode: "open",
      label: name,
      target: d.spec,
      schedule,
      maxSessions: 100,
      drainMs: 20_000,
    });
    const cpu1 = cpuOf(d.pid);
    const wait1 = mailPathWait(d.pid);
    const queued1 = await d.metric("floodgate_scan_jobs_queued_total");
    const shed1 = (await d.metric("floodgate_scan_jobs_shed_total")) ?? 0;
    return {
      system,
      round,
      scanners,
      priority,
      load,
      scanJobs: queued1 === null ? null : queued1 - queued0,
      scanJobsShed: shed1 - shed0,
      cpuSeconds: { daemon: cpu1.daemon - cpu0.daemon, scanning: cpu1.scanning - cpu0.scanning },
      runQueueSeconds: { daemon: wait1.daemon - wait0.daemon, redis: wait1.redis - wait0.redis },
      scanningProcesses: cpu1.processes,
      loadAverage,
    };
  } finally {
    await d.stop();
    rmSync(parent, { recursive: true, force: true });
  }
}

const SCANNING = /spamd|scan-worker|\bworker\b/;

/** CPU seconds so far of the daemon's own process and of its scanning side (scan worker processes, spamd), and how
 * many processes that side has. */
function cpuOf(pid: number): { daemon: number; scanning: number; processes: number } {
  let scanning = 0;
  let processes = 0;
  for (const p of descendants(pid)) {
    if (!SCANNING.test(cmdline(p))) continue;
    scanning += cpuSeconds(p) ?? 0;
    processes++;
  }
  return { daemon: cpuSeconds(pid) ?? 0, scanning, processes };
}

/** Run-queue seconds so far of the daemon's threads and of its private Redis's. */
function mailPathWait(pid: number): { daemon: number; redis: number } {
  let redis = 0;
  for (const p of descendants(pid)) if (/redis-server/.test(cmdline(p))) redis += processSchedule(p).runQueueSeconds;
  return { daemon: processSchedule(pid).runQueueSeconds, redis };
}
