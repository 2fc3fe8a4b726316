/**
 * The machine and the versions a benchmark ran on, printed with every result: CPU model, cores, memory, Node,
 * Postfix, Redis and the peers, so a figure is never read without its context.
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem, release } from "node:os";
import { floodgateVersion } from "../ops/status.js";

/** The machine and versions printed with every result. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryMiB: number;
  kernel: string;
  node: string;
  floodgate: string;
  postfix: string | null;
  redis: string | null;
  loadAverage: string | null;
}

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

/** Read the machine description once (a few small subprocesses). */
export function machineInfo(): MachineInfo {
  const list = cpus();
  const redis = tryRun("redis-server", ["--version"]);
  return {
    cpuModel: list[0]?.model ?? "unknown",
    cores: list.length,
    memoryMiB: Math.round(totalmem() / 1048576),
    kernel: release(),
    node: process.version,
    floodgate: floodgateVersion(),
    postfix: tryRun("/usr/sbin/postconf", ["-dh", "mail_version"]),
    redis: redis ? (/v=(\S+)/.exec(redis)?.[1] ?? redis) : null,
    loadAverage: tryRun("cat", ["/proc/loadavg"]),
  };
}

/** One line for the terminal. */
export function formatMachine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryMiB} MiB; Node ${m.node}; Postfix ${m.postfix ?? "absent"}; Redis ${m.redis ?? "absent"}; Linux ${m.kernel}`;
}
