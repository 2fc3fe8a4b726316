/**
 * One line of /proc/PID/stat (or /proc/PID/task/TID/stat) split: the command name, which is in parentheses and may
 * hold spaces or parentheses, and the fields after it (so `fields[0]` is the state, `fields[1]` the parent pid,
 * `fields[11]` and `fields[12]` utime and stime, `fields[19]` the start time; proc(5) numbers them from 3).
 */
import { readFileSync } from "node:fs";

/** The stat file at `path` split; null when it cannot be read (the process or thread has ended). */
export function readProcStat(path: string): { comm: string; fields: string[] } | null {
  let stat: string;
  try {
    stat = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const close = stat.lastIndexOf(")");
  return { comm: stat.slice(stat.indexOf("(") + 1, close), fields: stat.slice(close + 2).split(" ") };
}
