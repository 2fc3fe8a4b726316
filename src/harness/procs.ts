/**
 * Processes for the benchmark: start a child and wait for its TCP port, stop it (SIGTERM, then SIGKILL), and read
 * a process tree's peak memory (VmHWM in /proc/PID/status) and its member pids.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readProcStat } from "../util/proc-stat.js";
import { portOpen } from "../util/tcp-port.js";

/** A child process with its output kept (the last 16 KiB) for error messages. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  output(): string;
  exited(): boolean;
  /** SIGTERM, SIGKILL after `graceMs`; resumes a stopped process first. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawn `command` and wait until `port` accepts connections; fails with the child's output when it exits first. */
export async function spawnListening(
  command: string,
  args: readonly string[],
  port: number,
  options: SpawnOptions & { timeoutMs?: number; what?: string } = {},
): Promise<Child> {
  const what = options.what ?? command;
  const proc = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  let out = "";
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-16_384));
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  let failure: Error | null = null;
  proc.once("error", (e) => (failure = new Error(`cannot start ${what}: ${e.message}`)));
  proc.once(
    "exit",
    (code, signal) => (failure ??= new Error(`${what} exited (${code ?? signal}) before listening on ${port}`)),
  );
  const child: Child = {
    process: proc,
    pid: proc.pid ?? -1,
    output: () => out,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    stop: (graceMs = 5000) => stopProcess(proc, graceMs),
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (failure) throw new Error(`${(failure as Error).message}\n${out.trim()}`);
    if (await portOpen(port)) return child;
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${what} did not listen on port ${port} within ${options.timeoutMs ?? 30_000} ms\n${out.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGCONT (in case it was stopped), SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = once(proc, "exit");
  try {
    proc.kill("SIGCONT");
    proc.kill("SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The parent of `pid` (field 4 of its stat), or null when it has ended. */
export function parentPid(pid: number): number | null {
  const stat = readProcStat(`/proc/${pid}/stat`);
  return stat ? Number(stat.fields[1]) : null;
}

/** The pids of `pid`'s descendants (children, grandchildren…), from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // null: the process ended meanwhile.
    const parent = parentPid(Number(entry));
    if (parent !== null) parentOf.set(Number(entry), parent);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** The command line of a pid ("" when gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "";
  }
}

/** A field of /proc/PID/status in kB (VmHWM, VmRSS), or null. */
export function statusKb(pid: number, field: "VmHWM" | "VmRSS"): number | null {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return null;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(path, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Tracks the peak memory of a process and of its whole tree (sum of each member's VmHWM), sampled on demand. */
export class PeakMemory {
  private selfKb: number | null = null;
  private treeKb: number | null = null;

  constructor(private readonly pid: number) {}

  /** Read now; keeps the highest values seen. */
  sample(): { selfKb: number | null; treeKb: number | null } {
    const self = statusKb(this.pid, "VmHWM");
    if (self !== null) {
      this.selfKb = Math.max(this.selfKb ?? 0, self);
      let tree = self;
      for (const p of descendants(this.pid)) tree += statusKb(p, "VmHWM") ?? 0;
      this.treeKb = Math.max(this.treeKb ?? 0, tree);
    }
    return { selfKb: this.selfKb, treeKb: this.treeKb };
  }
}

/**
 * A thread's time since it started, from the scheduler (/proc/PID/task/TID/schedstat, Linux): seconds on a CPU, and
 * seconds runnable but waiting for one. The main thread of a process is the task whose id is the pid. Null when gone.
 */
export function threadSchedule(pid: number, tid = pid): { cpuSeconds: number; runQueueSeconds: number } | null {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
    if (!Number.isFinite(run) || !Number.isFinite(wait)) return null;
    return { cpuSeconds: run! / 1e9, runQueueSeconds: wait! / 1e9 };
  } catch {
    return null;
  }
}

/** The sum of threadSchedule over every thread of `pid` now (0 when it is gone): CPU seconds and run-queue seconds. */
export function processSchedule(pid: number): { cpuSeconds: number; runQueueSeconds: number } {
  const sum = { cpuSeconds: 0, runQueueSeconds: 0 };
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return sum;
  }
  for (const tid of tids) {
    const t = threadSchedule(pid, Number(tid));
    if (t) {
      sum.cpuSeconds += t.cpuSeconds;
      sum.runQueueSeconds += t.runQueueSeconds;
    }
  }
  return sum;
}

/** CPU seconds (user + system, all threads) a process has used; null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  const stat = readProcStat(`/proc/${pid}/stat`);
  // utime and stime, in clock ticks (100 a second on Linux).
  return stat ? (Number(stat.fields[11]) + Number(stat.fields[12])) / 100 : null;
}

/** CPU seconds used by the processes `roots` and their descendants now. */
export function treeCpuSeconds(roots: readonly number[]): number {
  let sum = 0;
  for (const root of roots) for (const pid of [root, ...descendants(root)]) sum += cpuSeconds(pid) ?? 0;
  return sum;
}
