/**
 * The CPU and I/O priority of the processes `floodgate run` starts for background work (the scan worker processes,
 * the private spamd): on a host where they share the cores with the daemon, the daemon's main thread and its
 * fingerprint threads must always get a CPU first, so that a scan never lengthens an end of message.
 *
 * - "idle": the kernel's SCHED_IDLE class (chrt(1) `--idle 0`): it runs only on a CPU that nothing of normal priority
 *   wants, and a waking thread of the daemon takes its CPU at once; plus the idle I/O class (ionice(1) `-c 3`). The
 *   cost: on a host that is never idle, a scan waits until it is (the bulk hold covers that time).
 * - "low": nice 19 and the idle I/O class: the lowest share among normal threads, never none.
 * - "normal": the daemon's own priority.
 *
 * It is set by the programs placed before the command, so the process runs at it from its first instruction and
 * every process and thread it creates inherits it (a priority set after the spawn misses what started before).
 * Unprivileged users may lower their own priority, so it needs no root.
 */
import { findOnPath } from "./find-on-path.js";

/** `scanWorker.priority`'s values. */
export type BackgroundPriority = "idle" | "low" | "normal";

/** The programs to put before a command, and what they give, for the start log. */
export interface PriorityPrefix {
  argv: string[];
  /** Such as "SCHED_IDLE, idle I/O"; "normal" when none. */
  described: string;
}

/** What runs a command at `priority`, with what this host has (chrt, ionice, nice: util-linux and coreutils). */
export function priorityPrefix(priority: BackgroundPriority, find = findOnPath): PriorityPrefix {
  if (priority === "normal") return { argv: [], described: "normal" };
  const argv: string[] = [];
  const described: string[] = [];
  const chrt = priority === "idle" ? find("chrt") : null;
  const nice = find("nice");
  if (chrt) {
    argv.push(chrt, "--idle", "0");
    described.push("SCHED_IDLE");
  } else if (nice) {
    argv.push(nice, "-n", "19");
    described.push(priority === "idle" ? "nice 19 (no chrt for SCHED_IDLE)" : "nice 19");
  }
  const ionice = find("ionice");
  if (ionice) {
    argv.push(ionice, "-c", "3");
    described.push("idle I/O");
  }
  return { argv, described: described.join(", ") || "normal (neither chrt, nice nor ionice found)" };
}

/** `file` and `args` run at `prefix`'s priority (none: as they are): its first program, the rest and the command its
 * arguments. */
export function atPriority(
  prefix: PriorityPrefix | undefined,
  file: string,
  args: readonly string[],
): { file: string; args: string[] } {
  const [first, ...rest] = prefix?.argv ?? [];
  return first === undefined ? { file, args: [...args] } : { file: first, args: [...rest, file, ...args] };
}
