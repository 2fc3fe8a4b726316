/**
 * Heavy-scan worker processes: run the BullMQ scan worker in this process until SIGTERM or SIGINT (`floodgate worker`
 * and the forked entry workers/scan-worker.ts); and, for `floodgate run`, start N such processes, restarting one that
 * dies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import { startScanWorker } from "./scan-processor.js";
import { atPriority, type PriorityPrefix } from "../state/background-priority.js";
import { distRoot } from "../util/paths.js";
import type { Logger } from "../util/logger.js";

/** The compiled entry of a worker process. */
export const SCAN_WORKER_ENTRY = join(distRoot, "workers", "scan-worker.js");

/** How long a worker process whose daemon died waits for its jobs in flight before it exits anyway. */
const ORPHAN_CLOSE_MS = 5000;

/** Run the scan worker in this process until a signal; resolves with the exit code (0 after a graceful stop, 1 when it cannot start). */
export async function runScanWorkerProcess(config: Config, redisUrl: string, logger: Logger): Promise<number> {
  // Listened for from the start: a daemon killed while this process still connects to its (dead) Redis would
  // otherwise leave it waiting forever.
  const stopped = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
    // A forked worker process stops with its parent (spawnScanWorkers): the IPC channel closes when it dies.
    // Its "disconnect" is emitted once: a parent that died while this process was still loading has gone already.
    if (process.send && !process.connected) resolve("parent-gone");
    else if (process.send) process.once("disconnect", () => resolve("parent-gone"));
  });
  let handle;
  try {
    const starting = startScanWorker({ config, redisUrl, logger });
    handle = await Promise.race([starting, stopped.then(() => null)]);
    if (handle === null) {
      logger.warn("scan worker stopped while it was starting");
      void starting.then((h) => h.close()).catch(() => undefined);
      return 0;
    }
  } catch (err) {
    logger.error({ err: (err as Error).message }, "scan worker cannot start");
    return 1;
  }
  const signal = await stopped;
  logger.info({ signal }, "scan worker stopping: waiting for jobs in flight");
  if (signal === "parent-gone") {
    // The daemon died (killed, perhaps with its Redis): a close that waits on Redis could wait forever and leave an
    // orphan. Jobs still in flight lose their lock and are taken up again by the next daemon's worker processes.
    const closed = await Promise.race([
      handle.close().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), ORPHAN_CLOSE_MS).unref()),
    ]);
    if (!closed) logger.warn({ waitedMs: ORPHAN_CLOSE_MS }, "scan worker stopped without its jobs in flight");
    return 0;
  }
  await handle.close();
  logger.info("scan worker stopped");
  return 0;
}

export interface SpawnOptions {
  /** The configuration file the processes read (FLOODGATE_CONFIG); none: defaults and environment. */
  configPath?: string;
  /** The shared Redis (FLOODGATE_REDIS_URL). */
  redisUrl: string;
  logger: Logger;
  /** Extra environment for the processes. */
  env?: NodeJS.ProcessEnv;
  /** First restart delay after a process dies, doubled on each quick death up to 30 s. @defaultValue 1000 */
  restartDelayMs?: number;
  /** Run them at this priority (background-priority.ts). @defaultValue the daemon's */
  priority?: PriorityPrefix;
}

export interface ScanWorkerProcesses {
  /** The processes running now (a restarted one replaces its slot). */
  readonly processes: readonly ChildProcess[];
  /** SIGTERM every process and wait for each to exit (SIGKILL after `graceMs`, default 70 s). */
  stop(graceMs?: number): Promise<void>;
}

/** Start `n` worker processes; one that exits unasked is started again after a delay. */
export function spawnScanWorkers(n: number, options: SpawnOptions): ScanWorkerProcesses {
  const { logger } = options;
  const baseDelay = options.restartDelayMs ?? 1000;
  const slots: ChildProcess[] = [];
  const delays: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;

  const start = (slot: number) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, FLOODGATE_REDIS_URL: options.redisUrl };
    if (options.configPath !== undefined) env["FLOODGATE_CONFIG"] = options.configPath;
    // fork() with the priority's programs before node: the IPC channel's descriptor passes through their exec.
    const { file, args } = atPriority(options.priority, process.execPath, [...process.execArgv, SCAN_WORKER_ENTRY]);
    const child = spawn(file, args, { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const startedAt = Date.now();
    slots[slot] = child;
    child.once("exit", (code, signal) => {
      if (stopping) return;
      const lived = Date.now() - startedAt;
      const delay = lived > 60_000 ? baseDelay : Math.min((delays[slot] ?? baseDelay / 2) * 2, 30_000);
      delays[slot] = delay;
      logger.warn({ slot, pid: child.pid, code, signal, restartInMs: delay }, "scan worker process died: restarting");
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopping) start(slot);
      }, delay);
      timers.add(timer);
    });
    logger.info({ slot, pid: child.pid }, "scan worker process started");
  };
  for (let i = 0; i < n; i++) start(i);

  return {
    get processes() {
      return slots;
    },
    async stop(graceMs = 70_000) {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(
        slots.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, "exit");
          child.kill("SIGTERM");
          const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
          await exited;
          clearTimeout(kill);
        }),
      );
    },
  };
}
