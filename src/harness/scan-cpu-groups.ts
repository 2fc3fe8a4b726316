/**
 * The CPU of a daemon's scan side on its defaults, by control group (./cpu-group.ts): its scan worker processes in one
 * group, its private spamd in another (with the children spamd forks from then on), each apart from the milter's.
 *
 * The daemon forks a scan worker again when one dies, and the new one is born in the daemon's group, the milter's,
 * where it would be counted as the milter's work. So each reading first moves any scan process it finds outside its
 * group into it; one that was in the milter's group takes with it what it had used there (its own /proc figure, in
 * clock ticks), which the caller takes off the milter's figure (`movedMs`).
 */
import { CpuGroup } from "./cpu-group.js";
import type { FloodgateDaemon } from "./floodgate.js";
import { descendants } from "./procs.js";
import { processCpuMs } from "./thread-cpu.js";

/** What the groups need of a daemon: its scan processes now. */
export type ScanSide = Pick<FloodgateDaemon, "workerPids" | "scannerPids">;

export class ScanCpuGroups {
  /** What the processes moved from the milter's group had used there, ms, by the group they went to. */
  private readonly moved = new Map<CpuGroup, number>();

  private constructor(
    private readonly daemon: ScanSide,
    private readonly milter: CpuGroup,
    private readonly workers: CpuGroup,
    private readonly scanner: CpuGroup | null,
  ) {}

  /** Groups for the daemon's scan processes, which are moved into them now; null without a milter's group (the
   * host makes none) or when a group cannot be made. */
  static start(daemon: ScanSide, milter: CpuGroup | null): ScanCpuGroups | null {
    if (!milter) return null;
    const workers = CpuGroup.create("scan-worker");
    if (!workers) return null;
    const scanner = daemon.scannerPids().length > 0 ? CpuGroup.create("scanner") : null;
    const groups = new ScanCpuGroups(daemon, milter, workers, scanner);
    groups.claim();
    return groups;
  }

  /** Whether a group counts the private spamd (the daemon has one). */
  get countsScanner(): boolean {
    return this.scanner !== null;
  }

  /** The parts the groups count, as the report names them. */
  get parts(): string[] {
    return this.countsScanner ? ["scan worker", "scanner"] : ["scan worker"];
  }

  /**
   * Move every scan process not in its group yet into it. Call before reading the milter's group: returns what the
   * processes moved so far had used in the milter's group, ms, to be taken off its figure.
   */
  claim(): number {
    this.claimInto(this.workers, this.daemon.workerPids());
    if (this.scanner) this.claimInto(this.scanner, this.daemon.scannerPids());
    return this.movedTo(this.workers) + (this.scanner ? this.movedTo(this.scanner) : 0);
  }

  private movedTo(group: CpuGroup): number {
    return this.moved.get(group) ?? 0;
  }

  private claimInto(group: CpuGroup, roots: readonly number[]): void {
    for (const pid of roots.flatMap((root) => [root, ...descendants(root)])) {
      if (group.holds(pid)) continue;
      const fromMilter = this.milter.holds(pid) ? processCpuMs(pid) : 0;
      if (group.adopt(pid)) this.moved.set(group, this.movedTo(group) + fromMilter);
    }
  }

  /** The scan workers' CPU so far, ms: their group's count and what those moved from the milter's had used there. */
  workersMs(): number | null {
    return this.counted(this.workers);
  }

  /** The private spamd's CPU so far, ms, likewise; null without one. */
  scannerMs(): number | null {
    return this.scanner ? this.counted(this.scanner) : null;
  }

  private counted(group: CpuGroup): number | null {
    const ms = group.usageMs();
    return ms === null ? null : ms + this.movedTo(group);
  }

  async remove(): Promise<void> {
    await Promise.all([this.workers.remove(), this.scanner?.remove()]);
  }
}
