/**
 * The ways through Postfix the real-mail-flow comparison measures, each with its own private Postfix started once:
 * Postfix alone; with the C no-op milter reading the whole message (`-r`, the reference); with the C no-op at DATA and
 * end of message (`-d`); with the C milter that does the design's least work (./least-work-target.ts, its own
 * Redis); with the TypeScript engine and its no-op policy; with the TypeScript engine paying only the
 * design's two crossings (src/harness/crossings-policy.ts: the pool's hand-off with a task that does not read the
 * message, one GET on a private Redis of its own), what any build of the design pays first; with the TypeScript engine
 * whose policy only fingerprints the message with Floodgate's pool (src/harness/fingerprint-only-policy.ts: no Redis,
 * no store), so that the fingerprint's share of Floodgate's cost shows; with Floodgate, its scan worker processes
 * on another host (none started here: `scanWorker.processes: 0`); and with Floodgate on its defaults (scan worker process
 * and built-in scanner on this host). Asked for by name only (`--paths`): the libmilter engine with the no-op
 * policy, and Floodgate on the libmilter engine with its scan workers off-host. Each path knows how to read the CPU
 * of everything it runs, per process and, for a Node milter, per thread (the libmilter engine's C threads apart).
 * Each Floodgate runs as `make run` starts it: on its own private Redis (a unix socket in its state directory, a
 * password, the append-only file), so the Redis CPU a path reports is its daemon's alone.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PostfixLab } from "../lab/postfix.js";
import { THREAD_NAMES } from "../util/thread-name.js";
import { scanBacklogDrained, scanWorkerStarted, startBenchDaemon, type FloodgateDaemon } from "./floodgate.js";
import {
  CROSSINGS_PATH,
  LEAST_WORK_PATH,
  LIBMILTER_NOOP_PATH,
  LIBMILTER_OFF_HOST_PATH,
  OFF_HOST_PATH,
  REFERENCE_PATH,
  SCANS_SETTLE_MS,
  type FlowPathName,
} from "./flow-path-names.js";
import { CpuGroup } from "./cpu-group.js";
import { cmdline, descendants } from "./procs.js";
import { ScanCpuGroups } from "./scan-cpu-groups.js";
import { startCLeastWork } from "./least-work-target.js";
import { startBenchPostfix } from "./smtp-path.js";
import { startCNoop, startTsCrossings, startTsFingerprintOnly, startTsNoop, type MilterTarget } from "./targets.js";
import { daemonThreadsCpu, processCpuMs, treeCpuMs } from "./thread-cpu.js";

/** Paths on the libmilter engine. */
const LIBMILTER_PATHS: readonly FlowPathName[] = [LIBMILTER_NOOP_PATH, LIBMILTER_OFF_HOST_PATH];

/** Paths whose scan workers are on another host: nothing to wait for after a run but Postfix. */
const OFF_HOST_PATHS: readonly FlowPathName[] = [OFF_HOST_PATH, LIBMILTER_OFF_HOST_PATH];

/** A path ready to measure. */
export interface FlowPath {
  name: FlowPathName;
  postfix: PostfixLab;
  /** The milter's listen spec; null for Postfix alone. */
  spec: string | null;
  /** The milter's process, when there is one (its CPU: all threads). */
  milterPid: number | null;
  daemon: FloodgateDaemon | null;
  /** CPU so far, ms, by part: milter, main, fingerprint, other threads, scan worker, scanner, redis, postfix. */
  cpu(): Record<string, number>;
  /** The parts whose CPU a control group counts (µs; ./cpu-group.ts); the others are /proc's clock ticks. */
  groupCounted: readonly string[];
  /** The milter's threads named as fingerprint threads now (0 for a milter without them). */
  fingerprintThreads(): number;
  /** Wait until Postfix has delivered what it accepted and, with scan workers here, the scans are done: false when
   * scans still waited after SCANS_SETTLE_MS (they go on beside the next path's round, which they disturb). */
  settle(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Postfix's master pid (its tree holds every Postfix process of the instance). */
function masterPid(pf: PostfixLab): number | null {
  const file = join(pf.dir, "spool/pid/master.pid");
  return existsSync(file) ? Number(readFileSync(file, "utf8").trim()) || null : null;
}

/** Files in Postfix's queues (incoming, active, deferred…): 0 once everything accepted is delivered. */
function queuedFiles(pf: PostfixLab): number {
  let n = 0;
  // Postfix moves and deletes queue files meanwhile: a folder that is gone is empty.
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else n++;
    }
  };
  for (const q of ["maildrop", "incoming", "active", "deferred", "hold"]) walk(join(pf.dir, "spool", q));
  return n;
}

/** Wait (at most `timeoutMs`) until Postfix has delivered everything it accepted. */
export async function postfixDrained(pf: PostfixLab, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (queuedFiles(pf) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}

/** What the paths share: where daemons keep their files. */
export interface FlowPathDeps {
  dir: string;
}

/** The private redis-server of a milter process (its child), or null when it has none. */
function privateRedisPid(milterPid: number): number | null {
  return descendants(milterPid).find((pid) => /redis-server/.test(cmdline(pid))) ?? null;
}

/** Whether the log at `path` comes to hold `text` within `timeoutMs`. */
async function logSays(path: string, text: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(path) && readFileSync(path, "utf8").includes(text)) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The milter of a path: a no-op target or a Floodgate daemon (neither for Postfix alone). */
async function startMilter(
  name: FlowPathName,
  deps: FlowPathDeps,
): Promise<{ target: MilterTarget | null; daemon: FloodgateDaemon | null }> {
  const where = { redisUrl: null, dir: deps.dir };
  if (name === REFERENCE_PATH) return { target: await startCNoop({ mode: "read" }), daemon: null };
  if (name === "+ c-noop at DATA and end of message")
    return { target: await startCNoop({ mode: "data-eom" }), daemon: null };
  if (name === LEAST_WORK_PATH) return { target: await startCLeastWork(), daemon: null };
  if (name === "+ ts engine, no-op policy") return { target: await startTsNoop(), daemon: null };
  if (name === CROSSINGS_PATH) return { target: await startTsCrossings(), daemon: null };
  if (name === "+ ts engine, fingerprint only") return { target: await startTsFingerprintOnly(), daemon: null };
  if (name === LIBMILTER_NOOP_PATH) return { target: await startTsNoop("warn", "libmilter"), daemon: null };
  if (name === OFF_HOST_PATH)
    return { target: null, daemon: await startBenchDaemon(where, "flow-offhost", { scanWorker: { processes: 0 } }) };
  if (name === LIBMILTER_OFF_HOST_PATH) {
    const daemon = await startBenchDaemon(where, "flow-libmilter-offhost", {
      scanWorker: { processes: 0 },
      milter: { engine: "libmilter" },
    });
    // floodgate run falls back to the TypeScript engine, with a log line, when libmilter cannot load: not this path.
    if (!(await logSays(daemon.logPath, '"engine":"libmilter"', 10_000))) {
      await daemon.stop();
      throw new Error(`the daemon did not start the libmilter engine (see ${daemon.logPath})`);
    }
    return { target: null, daemon };
  }
  if (name === "+ floodgate on defaults") {
    const daemon = await startBenchDaemon(where, "flow-defaults", {});
    // Its scanner (the private spamd) in every run, the first one too: the worker processes start once it answers.
    await scanWorkerStarted(daemon).catch(async (e: unknown) => {
      await daemon.stop();
      throw e;
    });
    return { target: null, daemon };
  }
  return { target: null, daemon: null };
}

/**
 * A control group counting the CPU of `pid` (all its threads, and what it forks from now on) and, with `tree`, of its
 * descendants now; null when the host cannot make one or the process cannot be moved.
 */
function countedGroup(part: string, pid: number | null, tree: boolean): CpuGroup | null {
  if (pid === null) return null;
  const group = CpuGroup.create(part);
  if (group && !group.adopt(pid)) {
    void group.remove();
    return null;
  }
  // Listed after the root moved, so a child it forks meanwhile is born in the group or listed here; one that ended
  // meanwhile cannot move and needs not.
  if (group && tree) for (const child of descendants(pid)) group.adopt(child);
  return group;
}

/** Start one path: its milter (if any) and its own Postfix. */
export async function startFlowPath(name: FlowPathName, deps: FlowPathDeps): Promise<FlowPath> {
  const { target, daemon } = await startMilter(name, deps);
  const spec = target?.postfixSpec ?? daemon?.spec ?? null;
  let postfix: PostfixLab;
  try {
    postfix = await startBenchPostfix(spec);
  } catch (e) {
    await target?.stop();
    await daemon?.stop();
    throw e;
  }
  const milterPid = target?.pid ?? daemon?.pid ?? null;
  const redisPid = target?.redisPid ?? (milterPid === null ? null : privateRedisPid(milterPid));
  // The milter alone: a daemon's private Redis, scan workers and scanner started before it moved, and stay apart (the
  // scan processes on defaults in groups of their own: ./scan-cpu-groups.ts).
  const groups = {
    milter: countedGroup("milter", milterPid, false),
    redis: countedGroup("redis", redisPid, false),
    postfix: countedGroup("postfix", masterPid(postfix), true),
  };
  const scan = daemon && !OFF_HOST_PATHS.includes(name) ? ScanCpuGroups.start(daemon, groups.milter) : null;
  /** A part's CPU from its group, when it has one: no figure when the group cannot be read, never /proc's instead. */
  const counted = (out: Record<string, number>, part: keyof typeof groups, fromProc: () => number | null) => {
    const group = groups[part];
    const ms = group ? group.usageMs() : fromProc();
    if (ms !== null) out[part] = ms;
  };
  return {
    name,
    postfix,
    spec,
    milterPid,
    daemon,
    groupCounted: [...Object.entries(groups).flatMap(([part, group]) => (group ? [part] : [])), ...(scan?.parts ?? [])],
    cpu: () => {
      const out: Record<string, number> = {};
      // Before the milter's group is read: a scan worker the daemon forked again moves out of it, with its CPU.
      const movedMs = scan?.claim() ?? 0;
      // A Postfix whose master cannot be found has no figure, rather than a zero that reads as "free".
      counted(out, "postfix", () => {
        const master = masterPid(postfix);
        return master === null ? null : treeCpuMs(master);
      });
      if (milterPid !== null) counted(out, "milter", () => processCpuMs(milterPid));
      if (out.milter !== undefined) out.milter -= movedMs;
      if (daemon || target?.name.startsWith("floodgate-")) {
        const t = daemonThreadsCpu(milterPid!, THREAD_NAMES.fingerprint, [THREAD_NAMES.libmilter]);
        out.main = t.main;
        out.fingerprint = t.named;
        out.others = t.others;
        // libmilter's worker pool ends idle threads, whose CPU stays in the process's but leaves the threads' sum:
        // on its engine, what Node's threads do not account for is libmilter's (its live threads and ended ones).
        if (LIBMILTER_PATHS.includes(name) && out.milter !== undefined)
          out.libmilter = out.milter - t.main - t.named - t.others;
      }
      if (daemon) {
        // With scan workers on another host there is no scan worker's figure here, rather than a zero.
        if (!OFF_HOST_PATHS.includes(name)) {
          const ms = scan ? scan.workersMs() : daemon.workerPids().reduce((sum, p) => sum + treeCpuMs(p), 0);
          if (ms !== null) out.scanWorker = ms;
        }
        // The private spamd (on defaults) is the scanner's own cost, apart from the worker processes that ask it.
        const spamd = daemon.scannerPids();
        const fromProc = () => (spamd.length > 0 ? spamd.reduce((sum, p) => sum + treeCpuMs(p), 0) : null);
        const ms = scan?.countsScanner ? scan.scannerMs() : fromProc();
        if (ms !== null) out.scanner = ms;
      }
      // A Redis that cannot be found has no figure, rather than a zero that reads as "free".
      if (redisPid !== null) counted(out, "redis", () => processCpuMs(redisPid));
      return out;
    },
    fingerprintThreads: () =>
      milterPid === null ? 0 : daemonThreadsCpu(milterPid, THREAD_NAMES.fingerprint).namedThreads,
    settle: async () => {
      await postfixDrained(postfix);
      return !daemon || OFF_HOST_PATHS.includes(name) || (await scanBacklogDrained(daemon, SCANS_SETTLE_MS));
    },
    stop: async () => {
      await postfix.stop();
      await target?.stop();
      await daemon?.stop();
      await Promise.all([...Object.values(groups).flatMap((g) => (g ? [g.remove()] : [])), scan?.remove()]);
    },
  };
}
