/**
 * How the kernel schedules a real process: each of its threads' scheduling policy and nice value (fields 41 and 19
 * of /proc/PID/task/TID/stat) and I/O class (ionice(1) -p), for the tests of the scanning side's priority.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** sched_setscheduler(2)'s policies, by number. */
const POLICIES: Record<number, string> = {
  0: "SCHED_OTHER",
  1: "SCHED_FIFO",
  2: "SCHED_RR",
  3: "SCHED_BATCH",
  5: "SCHED_IDLE",
};

export interface ThreadScheduling {
  tid: number;
  /** Such as "SCHED_IDLE". */
  policy: string;
  nice: number;
  /** ionice's word for its I/O class: "idle", "none: prio 0", "best-effort: prio 4"… */
  io: string;
}

/** Every thread of `pid` as the kernel schedules it now. */
export function threadsScheduling(pid: number): ThreadScheduling[] {
  const tids = readdirSync(`/proc/${pid}/task`).map(Number);
  return tids.flatMap((tid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      return []; // the thread ended meanwhile
    }
    // The fields after the command name's last ")" start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const policy = Number(fields[41 - 3]);
    const io = spawnSync("ionice", ["-p", String(tid)], { encoding: "utf8" });
    if (io.status !== 0) throw new Error(`ionice -p ${tid} failed: ${io.stderr}`);
    return [
      { tid, policy: POLICIES[policy] ?? `policy ${policy}`, nice: Number(fields[19 - 3]), io: io.stdout.trim() },
    ];
  });
}

/** The threads of `pid` not in the idle class for both the CPU (SCHED_IDLE) and I/O, described; empty when all are. */
export function notIdle(pid: number): string[] {
  return threadsScheduling(pid)
    .filter((t) => t.policy !== "SCHED_IDLE" || t.io !== "idle")
    .map((t) => `pid ${pid} thread ${t.tid}: ${t.policy}, nice ${t.nice}, I/O ${t.io}`);
}
