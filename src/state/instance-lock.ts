/**
 * One `floodgate run` per state directory: two daemons on one directory would each start the private services in it
 * and fight over their data. The lock is the pidfile `floodgate.pid` in the state directory, created atomically; a
 * lock whose process no longer runs (a daemon killed with SIGKILL) is stale and taken over.
 */
import { linkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { clearRecord, isRunning, readRecord, recordOf, writeRecord, type ProcessRecord } from "./pidfile.js";

/** A held lock. */
export interface InstanceLock {
  readonly path: string;
  /** Give the lock up (only if it is still ours). */
  release(): void;
}

/** What is thrown when another live process holds the lock. */
export class InstanceLockedError extends Error {
  constructor(
    readonly path: string,
    readonly holder: ProcessRecord,
  ) {
    super(`another floodgate (pid ${holder.pid}) uses this state directory (lock ${path}); stop it or give state.dir`);
    this.name = "InstanceLockedError";
  }
}

/** Take the lock of `stateDir` for this process, or throw InstanceLockedError. */
export function acquireInstanceLock(stateDir: string, name = "floodgate"): InstanceLock {
  const path = join(stateDir, `${name}.pid`);
  const mine = recordOf(process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    const temporary = `${path}.${process.pid}.new`;
    writeRecord(temporary, mine);
    try {
      linkSync(temporary, path);
      return { path, release: () => clearRecord(path, mine) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
    const holder = readRecord(path);
    if (holder && holder.pid === mine.pid && holder.startTime === mine.startTime) {
      return { path, release: () => clearRecord(path, mine) };
    }
    if (holder && isRunning(holder)) throw new InstanceLockedError(path, holder);
    // Stale (its process is gone) or unreadable: remove it only if it still holds what was read, then try again.
    if (holder) clearRecord(path, holder);
    else rmSync(path, { force: true });
  }
  throw new Error(`cannot take the lock ${path}: it keeps changing`);
}
