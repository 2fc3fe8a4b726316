/**
 * CPU time per process and per thread, from /proc. A thread's is the scheduler's count in nanoseconds
 * (/proc/PID/task/TID/schedstat), or `utime + stime` of its stat where that is missing. A process's is `utime + stime`
 * of /proc/PID/stat, which keeps the time of its ended threads; for a process tree whose children come and go
 * (Postfix's smtpd, cleanup, smtp…) the CPU of its live members plus what the exited ones left in their parents'
 * `cutime + cstime`, so a child that exits during a run is counted once. Those are clock ticks of 10 ms: a figure per
 * message is only as good as the messages a run has, so where the host allows it the harness counts a process by
 * its control group instead (./cpu-group.ts).
 */
import { readdirSync } from "node:fs";
import { readProcStat } from "../util/proc-stat.js";
import { descendants, threadSchedule } from "./procs.js";

const TICK_MS = 10;

/** utime + stime (fields 14 and 15 of stat), and with `children` also cutime + cstime (16, 17), in ms. */
function cpuMsOf(path: string, children: boolean): number | null {
  const s = readProcStat(path);
  if (!s) return null;
  const n = (i: number) => Number(s.fields[i] ?? 0);
  return (n(11) + n(12) + (children ? n(13) + n(14) : 0)) * TICK_MS;
}

/** One thread's name and CPU so far, in ms. */
export interface ThreadCpu {
  tid: number;
  name: string;
  cpuMs: number;
}

/** Every thread of `pid` now (empty when the process is gone). */
export function threadsOf(pid: number): ThreadCpu[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadCpu[] = [];
  for (const t of tids) {
    const s = readProcStat(`/proc/${pid}/task/${t}/stat`);
    if (!s) continue;
    const scheduled = threadSchedule(pid, Number(t));
    const cpuMs = scheduled ? scheduled.cpuSeconds * 1000 : (Number(s.fields[11]) + Number(s.fields[12])) * TICK_MS;
    out.push({ tid: Number(t), name: s.comm, cpuMs });
  }
  return out;
}

/** CPU of a process tree in ms: its live members and the children they already reaped. */
export function treeCpuMs(root: number): number {
  let sum = 0;
  for (const pid of [root, ...descendants(root)]) sum += cpuMsOf(`/proc/${pid}/stat`, true) ?? 0;
  return sum;
}

/** CPU of one process (all its threads) in ms; 0 when it is gone. */
export function processCpuMs(pid: number): number {
  return cpuMsOf(`/proc/${pid}/stat`, false) ?? 0;
}

/** A daemon's CPU split by thread: the main thread (tid = pid), the threads named `named`, those named in `apart`
 * (by name), the rest together. */
export interface DaemonThreadsCpu {
  main: number;
  named: number;
  namedThreads: number;
  /** CPU of the threads of each name asked for apart, ms (0 when none has that name). */
  apart: Record<string, number>;
  others: number;
  otherThreads: number;
}

/** The CPU of `pid`'s threads: the main thread, those named `name`, those named in `apart`, the others, in ms. */
export function daemonThreadsCpu(pid: number, name: string, apart: readonly string[] = []): DaemonThreadsCpu {
  const out: DaemonThreadsCpu = {
    main: 0,
    named: 0,
    namedThreads: 0,
    apart: Object.fromEntries(apart.map((n) => [n, 0])),
    others: 0,
    otherThreads: 0,
  };
  for (const t of threadsOf(pid)) {
    if (t.tid === pid) out.main += t.cpuMs;
    else if (t.name === name) {
      out.named += t.cpuMs;
      out.namedThreads++;
    } else if (apart.includes(t.name)) out.apart[t.name]! += t.cpuMs;
    else {
      out.others += t.cpuMs;
      out.otherThreads++;
    }
  }
  return out;
}

/**
 * The difference of two readings of named CPU figures (ms), divided by `messages`: CPU per message in ms. A thread
 * that ended between the readings is missing from the second: its CPU is lost, so readings are taken around runs of
 * a process whose threads live as long as it does. A part missing from the first reading (a process that started
 * between them, such as a scanner still starting) has no figure: what it used since its start is not the run's.
 */
export function perMessage(
  before: Record<string, number>,
  after: Record<string, number>,
  messages: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const was = before[k];
    if (was !== undefined) out[k] = messages > 0 ? (v - was) / messages : 0;
  }
  return out;
}
