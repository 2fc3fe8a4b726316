/**
 * The scanning unit of `floodgate run`: the private spamd (src/scanners/private-spamd.ts) when a scanner entry asks
 * for it and this host runs scan worker processes (or the entry says `start: always`), then the scan worker
 * processes. spamd compiles its rules for seconds (a minute on a loaded machine): the milter does not wait for it,
 * the scan jobs do (they queue until the worker processes start). When spamd cannot start, the start log says why
 * and the worker processes go on with the next scanners, the built-in rules at the least. Both run at
 * `scanWorker.priority` (the idle class by default): the mail path gets the CPU first.
 */
import { isPrivateSpamd } from "../config/scanner-schema.js";
import type { Config } from "../config/schema.js";
import { PRIVATE_SPAMD_ENV } from "../queue/scan-processor.js";
import { spawnScanWorkers, type ScanWorkerProcesses } from "../queue/worker-processes.js";
import { createScanners } from "../scanners/index.js";
import { startPrivateSpamd, type PrivateSpamd } from "../scanners/private-spamd.js";
import { priorityPrefix, type PriorityPrefix } from "../state/background-priority.js";
import type { StateDir } from "../state/state-dir.js";
import type { Logger } from "../util/logger.js";

export interface ScanningDeps {
  config: Config;
  state: StateDir;
  logger: Logger;
  redisUrl: string;
  configPath: string | null;
}

export interface ScanningUnit {
  /** Resolves once the worker processes started (with the scanners they run), or the unit stopped first. */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

/** Start the private spamd when it is wanted, then the scan worker processes; in the background, never throws. */
export function startScanning(deps: ScanningDeps): ScanningUnit {
  const { config: c, logger } = deps;
  const workersHere = c.queue.enabled && c.scanWorker.processes > 0;
  let stopping = false;
  let spamd: PrivateSpamd | null = null;
  let workers: ScanWorkerProcesses | null = null;
  const priority = priorityPrefix(c.scanWorker.priority);
  const started = (async () => {
    spamd = await startWantedSpamd(deps, priority, workersHere, () => stopping);
    if (stopping || !workersHere) return;
    const socket = spamd?.socket ?? null;
    workers = spawnScanWorkers(c.scanWorker.processes, {
      ...(deps.configPath ? { configPath: deps.configPath } : {}),
      redisUrl: deps.redisUrl,
      logger,
      env: { FLOODGATE_LOG_LEVEL: c.log.level, [PRIVATE_SPAMD_ENV]: socket ?? "" },
      priority,
    });
    const scanners = createScanners(c.scanWorker.scanners, socket).map((s) => s.name);
    logger.info(
      { processes: c.scanWorker.processes, scanners, priority: priority.described },
      `scanning with ${scanners.join(", ")}`,
    );
  })();
  return {
    started,
    async stop() {
      stopping = true;
      await started;
      await workers?.stop(10_000);
      await spamd?.stop();
    },
  };
}

/** The private spamd, when a scanner entry wants it here and it starts; null otherwise (logged). */
async function startWantedSpamd(
  deps: ScanningDeps,
  priority: PriorityPrefix,
  workersHere: boolean,
  stopping: () => boolean,
): Promise<PrivateSpamd | null> {
  const { config: c, logger } = deps;
  const entry = c.scanWorker.scanners.find(isPrivateSpamd);
  if (!entry) return null;
  if (!workersHere && entry.private.start !== "always") {
    logger.info("no scan worker processes on this host: the private spamd is not started");
    return null;
  }
  try {
    const t0 = Date.now();
    const spamd = await startPrivateSpamd(deps.state, entry.private, { logger, priority });
    logger.info(
      {
        socket: spamd.socket,
        ms: Date.now() - t0,
        networkTests: entry.private.networkTests,
        priority: priority.described,
      },
      "started the private spamd",
    );
    if (stopping()) {
      await spamd.stop();
      return null;
    }
    return spamd;
  } catch (error) {
    const fallback = createScanners(c.scanWorker.scanners, null).map((s) => s.name);
    logger.warn(
      { err: (error as Error).message, scanners: fallback },
      `the private spamd cannot start: scanning with ${fallback.join(", ")} instead`,
    );
    return null;
  }
}
