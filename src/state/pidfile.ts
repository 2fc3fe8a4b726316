/**
 * Which process a pidfile names, exactly: a record is the pid and the process's start time (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot), so a pid the kernel has since given to another process is never
 * taken for the one recorded. Records are private files (secret-file.ts): written atomically, read without
 * following links.
 *
 * Two uses: the instance lock (one `floodgate run` per state directory) and the pidfile of each private service the
 * daemon starts (private-service.ts), which the next start stops when a killed daemon left it behind.
 */
import { rmSync } from "node:fs";
import { readProcStat } from "../util/proc-stat.js";
import { readPrivateFile, writePrivateFile } from "./secret-file.js";

/** A process, identified beyond its pid. */
export interface ProcessRecord {
  pid: number;
  startTime: string;
}

/** The start time of process `pid`, or null when no such process runs (a zombie counts as gone). */
export function processStartTime(pid: number): string | null {
  const stat = readProcStat(`/proc/${pid}/stat`);
  if (!stat || stat.fields[0] === "Z" || stat.fields[0] === "X") return null;
  return stat.fields[19] ?? null;
}

/** The record of a running process. */
export function recordOf(pid: number): ProcessRecord {
  const startTime = processStartTime(pid);
  if (startTime === null) throw new Error(`process ${pid} is not running`);
  return { pid, startTime };
}

/** True while the recorded process runs (the same pid and the same start time). */
export function isRunning(record: ProcessRecord): boolean {
  return processStartTime(record.pid) === record.startTime;
}

/** Read a pidfile; null when there is none or it does not hold a record. */
export function readRecord(path: string): ProcessRecord | null {
  const text = readPrivateFile(path);
  const m = text ? /^(\d+) (\d+)$/.exec(text) : null;
  return m ? { pid: Number(m[1]), startTime: m[2] as string } : null;
}

/** Write a pidfile atomically, mode 0600. */
export function writeRecord(path: string, record: ProcessRecord): void {
  writePrivateFile(path, `${record.pid} ${record.startTime}\n`);
}

/** Remove a pidfile if it still names `record` (a newer process may have replaced it). */
export function clearRecord(path: string, record: ProcessRecord): void {
  const current = readRecord(path);
  if (current && current.pid === record.pid && current.startTime === record.startTime) rmSync(path, { force: true });
}

/** Stop the recorded process: SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopRecorded(record: ProcessRecord, graceMs: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (isRunning(record)) process.kill(record.pid, name);
    } catch {
      // gone between the check and the signal
    }
  };
  signal("SIGTERM");
  const killAt = Date.now() + graceMs;
  let killed = false;
  while (isRunning(record)) {
    if (!killed && Date.now() >= killAt) {
      signal("SIGKILL");
      killed = true;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
