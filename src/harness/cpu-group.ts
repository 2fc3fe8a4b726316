/**
 * The CPU of whole processes from the kernel's accounting by control group (cgroup v2 `cpu.stat`, `usage_usec`):
 * every thread, those that ended too, and every child forked after the process joined, in microseconds. /proc's
 * figures (./thread-cpu.ts) are clock ticks of 10 ms: the C no-op milter's 0.3 ms a message over a round of 400 is
 * 12 ticks, each reading rounded, so a ratio against it moved by about a tenth on rounding alone.
 *
 * Needs root and a cgroup v2 hierarchy (a pure one, or the `unified` mount of a hybrid one). Without either, `create`
 * gives null and the caller reads /proc. A group the harness could not remove (a process still in it) stays behind;
 * it sets no limit on anything, it only counts.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where the cgroup v2 hierarchy is mounted, from /proc/self/mounts; null when there is none. */
function hierarchy(): string | null {
  let mounts: string;
  try {
    mounts = readFileSync("/proc/self/mounts", "utf8");
  } catch {
    return null;
  }
  for (const line of mounts.split("\n")) {
    const [, where, type] = line.split(" ");
    if (type === "cgroup2" && where) return where;
  }
  return null;
}

let made = 0;

/** A control group of the harness's own that counts the CPU of the processes moved into it. */
export class CpuGroup {
  private constructor(
    private readonly root: string,
    /** The group's folder in the hierarchy. */
    readonly dir: string,
  ) {}

  /** A new, empty group named after `name`; null when this host cannot make one (no cgroup v2, not root). */
  static create(name: string): CpuGroup | null {
    const root = hierarchy();
    if (root === null) return null;
    const dir = join(root, `floodgate-bench-${process.pid}-${++made}-${name.replace(/[^\w-]+/g, "_")}`);
    try {
      mkdirSync(dir);
      readFileSync(join(dir, "cpu.stat"), "utf8");
    } catch {
      return null;
    }
    return new CpuGroup(root, dir);
  }

  /** Move `pid` with all its threads into the group (its later children are born in it); false when refused. */
  adopt(pid: number): boolean {
    try {
      writeFileSync(join(this.dir, "cgroup.procs"), `${pid}\n`);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether `pid` is in the group now (its v2 line in /proc/PID/cgroup); false when it is gone. */
  holds(pid: number): boolean {
    try {
      const path = /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, "utf8"))?.[1];
      return path !== undefined && join(this.root, path) === this.dir;
    } catch {
      return false;
    }
  }

  /** CPU used by everything in the group since it was made, ms; null when it cannot be read. */
  usageMs(): number | null {
    try {
      const line = /^usage_usec (\d+)$/m.exec(readFileSync(join(this.dir, "cpu.stat"), "utf8"));
      return line ? Number(line[1]) / 1000 : null;
    } catch {
      return null;
    }
  }

  /** Move any process still in the group back to the root, and remove the group. */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EBUSY") return;
      }
      for (const pid of readFileSync(join(this.dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
        try {
          writeFileSync(join(this.root, "cgroup.procs"), `${pid}\n`);
        } catch {
          // Ended meanwhile: it leaves the group once it is reaped.
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
