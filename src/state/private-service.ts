/**
 * A private service: a child process the daemon starts for itself (a redis-server, a scanner) that keeps its data in
 * its own subdirectory of the state directory. One rule for all of them: never two, never an orphan.
 *
 * - Its pidfile (`<name>.pid` in its directory, pid and start time) is written as soon as it is spawned; at the next
 *   start, a process the pidfile still names (its daemon was killed with SIGKILL) is stopped, SIGTERM then SIGKILL,
 *   before a new one starts on the same data.
 * - It is tied to the daemon's life: started through setpriv(1) `--pdeathsig`, so the kernel signals it when the
 *   daemon dies however it dies (SIGTERM, or SIGKILL for a service that may defer SIGTERM: nobody is left to
 *   escalate). Without setpriv the pidfile rule alone applies.
 * - A stop sends SIGTERM and, past the grace period, SIGKILL: a service that defers SIGTERM (a redis-server in a long
 *   script) ends all the same.
 * - It may run at a background priority (background-priority.ts), set before its program starts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import type { Logger } from "../util/logger.js";
import { atPriority, type PriorityPrefix } from "./background-priority.js";
import { findOnPath } from "./find-on-path.js";
import { clearRecord, isRunning, readRecord, recordOf, stopRecorded, writeRecord } from "./pidfile.js";

/** How to start one private service. */
export interface PrivateServiceOptions {
  /** A short name for logs and errors, and the pidfile's (`<name>.pid`). */
  name: string;
  /** Its private subdirectory of the state directory (`StateDir.subdir`); also its working directory. */
  dir: string;
  /** The program (a name looked up on PATH, or a path) and its arguments. Never put a secret in them: `ps` shows them. */
  command: string;
  args: readonly string[];
  /** What to tell the operator when `command` cannot be found, such as "apt-get install -y redis-server". */
  installHint?: string;
  /** Resolves once the service answers. It is raced against the process exiting. */
  ready: () => Promise<void>;
  logger?: Logger;
  /** How long a stop waits after SIGTERM before SIGKILL. @defaultValue 10000 */
  stopGraceMs?: number;
  /**
   * The signal the kernel sends it when the daemon dies without stopping it. SIGKILL for a service that may defer
   * SIGTERM indefinitely, since no one is left to escalate: it would outlive its daemon. @defaultValue "SIGTERM"
   */
  parentDeathSignal?: "SIGTERM" | "SIGKILL";
  /** Run it as this user and group (setpriv drops to them before it starts; needs root and setpriv). */
  runAs?: { uid: number; gid: number };
  /** Run it (and every process it forks) at this priority (background-priority.ts), so that background work yields
   * the CPU to the mail path. @defaultValue the daemon's */
  priority?: PriorityPrefix;
}

/** A running private service. */
export interface PrivateService {
  readonly process: ChildProcess;
  /** The last few KiB the service wrote to its standard output and error. */
  output(): string;
  /** SIGTERM, SIGKILL after the grace period; resolves once it exited and its pidfile is gone. */
  stop(): Promise<void>;
}

const OUTPUT_TAIL = 4096;

/** Stop a process that a previous run left behind in `dir` under `name`; resolves with its pid, or null if none. */
export async function stopLeftover(
  dir: string,
  name: string,
  options: { logger?: Logger; graceMs?: number } = {},
): Promise<number | null> {
  const pidfile = join(dir, `${name}.pid`);
  const leftover = readRecord(pidfile);
  if (!leftover) return null;
  if (!isRunning(leftover)) {
    clearRecord(pidfile, leftover);
    return null;
  }
  options.logger?.warn({ service: name, pid: leftover.pid }, "stopping the private service a previous run left");
  await stopRecorded(leftover, options.graceMs ?? 10_000);
  clearRecord(pidfile, leftover);
  return leftover.pid;
}

/** Stop a leftover, start the service tied to this process, record it, and wait until it is ready. */
export async function startPrivateService(options: PrivateServiceOptions): Promise<PrivateService> {
  const { name, dir, logger } = options;
  const graceMs = options.stopGraceMs ?? 10_000;
  const program = findOnPath(options.command);
  if (!program) {
    const hint = options.installHint ? ` (install it: ${options.installHint})` : "";
    throw new Error(`cannot start ${name}: ${options.command} is not on PATH${hint}`);
  }
  await stopLeftover(dir, name, { ...(logger ? { logger } : {}), graceMs });

  const setpriv = findOnPath("setpriv");
  const runAs = options.runAs;
  if (runAs && !setpriv) throw new Error(`cannot start ${name} as uid ${runAs.uid}: setpriv(1) is not on PATH`);
  // The parent-death signal is set after the change of user, so it holds for the service's whole life.
  const drop = runAs ? [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups"] : [];
  const [tied, tiedArgs] = setpriv
    ? [setpriv, [...drop, "--pdeathsig", options.parentDeathSignal ?? "SIGTERM", "--", program, ...options.args]]
    : [program, [...options.args]];
  const { file, args } = atPriority(options.priority, tied, tiedArgs);
  const child = spawn(file, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let tail = "";
  const keep = (data: Buffer) => {
    tail = (tail + data.toString()).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = once(child, "exit");
  const pidfile = join(dir, `${name}.pid`);
  const record = child.pid === undefined ? null : recordOf(child.pid);
  if (record) writeRecord(pidfile, record);

  let stopping = false;
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    if (record) clearRecord(pidfile, record);
  };

  let starting = true;
  const failed = new Promise<never>((_, reject) => {
    child.on("error", (err) => {
      if (starting) reject(new Error(`cannot start ${name}: ${err.message}`));
      else logger?.warn({ service: name, err: err.message }, "private service error");
    });
    child.once("exit", (code, signal) => {
      if (starting) reject(new Error(`${name} exited (${signal ?? `code ${code}`}) while starting: ${tail.trim()}`));
      else if (!stopping) {
        if (record) clearRecord(pidfile, record);
        logger?.error({ service: name, pid: child.pid, code, signal, output: tail.trim() }, "private service exited");
      }
    });
  });
  failed.catch(() => undefined);
  try {
    await Promise.race([failed, options.ready()]);
  } catch (error) {
    await stop();
    throw error;
  }
  starting = false;
  return { process: child, output: () => tail, stop };
}
