/**
 * The ways through Postfix the real-mail-flow comparison measures, each with its own private Postfix started once:
 * Postfix alone; with the C no-op milter reading the whole message (`-r`, the reference); with the C no-op at DATA and
 * end of message (`-d`); with the TypeScript engine and its no-op policy; with Floodgate, its scan worker processes
 * on another host (none started here: `scanWorker.processes: 0`); and with Floodgate on its defaults (scan worker process
 * and built-in scanner on this host). Each path knows how to read the CPU of everything it runs, per process and,
 * for Floodgate, per thread. Each Floodgate runs as `make run` starts it: on its own private Redis (a unix socket in its
 * state directory, a password, the append-only file), so the Redis CPU a path reports is its daemon's alone.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PostfixLab } from "../lab/postfix.js";
import { THREAD_NAMES } from "../util/thread-name.js";
import { scanBacklogDrained, startBenchDaemon, type FloodgateDaemon } from "./floodgate.js";
import { cmdline, descendants } from "./procs.js";
import { startBenchPostfix } from "./smtp-path.js";
import { startCNoop, startTsNoop, type MilterTarget } from "./targets.js";
import { daemonThreadsCpu, processCpuMs, treeCpuMs } from "./thread-cpu.js";

/** The paths, in the order they run in odd rounds (even rounds run them backwards). */
export const FLOW_PATHS = [
  "postfix alone",
  "+ c-noop reading the message",
  "+ c-noop at DATA and end of message",
  "+ ts engine, no-op policy",
  "+ floodgate, scan workers off-host",
  "+ floodgate on defaults",
] as const;
export type FlowPathName = (typeof FLOW_PATHS)[number];

/** The path every other is compared with, and the one the floors are about. */
export const REFERENCE_PATH: FlowPathName = "+ c-noop reading the message";
export const OFF_HOST_PATH: FlowPathName = "+ floodgate, scan workers off-host";

/** A path ready to measure. */
export interface FlowPath {
  name: FlowPathName;
  postfix: PostfixLab;
  /** The milter's listen spec; null for Postfix alone. */
  spec: string | null;
  /** The milter's process, when there is one (its CPU: all threads). */
  milterPid: number | null;
  daemon: FloodgateDaemon | null;
  /** CPU so far, ms, by part: milter, main, fingerprint, other threads, scan worker, redis, postfix. */
  cpu(): Record<string, number>;
  /** The milter's threads named as fingerprint threads now (0 for a milter without them). */
  fingerprintThreads(): number;
  /** Wait until Postfix has delivered what it accepted and, with scan workers here, the scans are done. */
  settle(): Promise<void>;
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

/** The daemon's private redis-server (a child of the daemon), or null when it has none. */
function privateRedisPid(daemon: FloodgateDaemon): number | null {
  return descendants(daemon.pid).find((pid) => /redis-server/.test(cmdline(pid))) ?? null;
}

/** Start one path: its milter (if any) and its own Postfix. */
export async function startFlowPath(name: FlowPathName, deps: FlowPathDeps): Promise<FlowPath> {
  let target: MilterTarget | null = null;
  let daemon: FloodgateDaemon | null = null;
  if (name === REFERENCE_PATH) target = await startCNoop({ mode: "read" });
  else if (name === "+ c-noop at DATA and end of message") target = await startCNoop({ mode: "data-eom" });
  else if (name === "+ ts engine, no-op policy") target = await startTsNoop();
  else if (name === OFF_HOST_PATH)
    daemon = await startBenchDaemon({ redisUrl: null, dir: deps.dir }, "flow-offhost", {
      scanWorker: { processes: 0 },
    });
  else if (name === "+ floodgate on defaults")
    daemon = await startBenchDaemon({ redisUrl: null, dir: deps.dir }, "flow-defaults", {});
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
  const redisPid = daemon ? privateRedisPid(daemon) : null;
  return {
    name,
    postfix,
    spec,
    milterPid,
    daemon,
    cpu: () => {
      const out: Record<string, number> = {};
      // A Postfix whose master cannot be found has no figure, rather than a zero that reads as "free".
      const master = masterPid(postfix);
      if (master !== null) out.postfix = treeCpuMs(master);
      if (milterPid !== null) out.milter = processCpuMs(milterPid);
      if (daemon || target?.name === "floodgate-ts-noop") {
        const t = daemonThreadsCpu(milterPid!, THREAD_NAMES.fingerprint);
        out.main = t.main;
        out.fingerprint = t.named;
        out.others = t.others;
      }
      if (daemon) {
        out.scanWorker = daemon.workerPids().reduce((sum, p) => sum + treeCpuMs(p), 0);
        // A Redis that cannot be found has no figure, rather than a zero that reads as "free".
        if (redisPid !== null) out.redis = processCpuMs(redisPid);
      }
      return out;
    },
    fingerprintThreads: () =>
      milterPid === null ? 0 : daemonThreadsCpu(milterPid, THREAD_NAMES.fingerprint).namedThreads,
    settle: async () => {
      await postfixDrained(postfix);
      if (daemon && name !== OFF_HOST_PATH) await scanBacklogDrained(daemon, 30_000);
    },
    stop: async () => {
      await postfix.stop();
      await target?.stop();
      await daemon?.stop();
    },
  };
}
