/**
 * The system under test: `floodgate run` as its own process (`node dist/src/cli/main.js run`), on a free milter
 * port and a free metrics port, pointed at a Redis the harness controls, with its log in a file. It gives the
 * harness the daemon's pid (peak memory), its scan worker processes (to stop them) and samplers of `/status` and
 * `/metrics` (backlog, scan jobs queued).
 */
import { randomBytes } from "node:crypto";
import { openSync, closeSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../util/tcp-port.js";
import { DAEMON_NODE_FLAGS } from "../util/node-flags.js";
import { distRoot } from "../util/paths.js";
import { cmdline, descendants, parentPid, PeakMemory, spawnListening, type Child } from "./procs.js";

/** Configuration overrides, merged over the bench defaults (same shape as floodgate.yaml). */
export type ConfigOverrides = Record<string, Record<string, unknown>>;

/** A running `floodgate run` and what the harness reads from it. */
export interface FloodgateDaemon {
  spec: string;
  metricsUrl: string;
  /** The daemon's log (its stderr). */
  logPath: string;
  pid: number;
  /** The daemon (its scan worker processes are its descendants). */
  cpuRoots: number[];
  memory: PeakMemory;
  /** The daemon's scan worker processes now. */
  workerPids(): number[];
  /** Its private spamd's processes whose parent is not a spamd (their trees hold its CPU once); none without it. */
  scannerPids(): number[];
  /** Sum of the counters of a metric (all label sets) in /metrics now; null when it cannot be read. */
  metric(name: string): Promise<number | null>;
  /** The whole /metrics text now; null when it cannot be read. */
  metricsText(): Promise<string | null>;
  /** Queue backlog from /status; null when unknown. */
  backlog(): Promise<number | null>;
  stop(): Promise<void>;
}

/** A daemon's private spamd processes whose parent is not a spamd (its children are in their trees). */
function spamdRoots(daemonPid: number): number[] {
  const spamd = descendants(daemonPid).filter((p) => /\bspamd\b/.test(cmdline(p)));
  return spamd.filter((p) => !spamd.includes(parentPid(p) ?? -1));
}

/** Wait until the daemon's scan backlog is empty, so the next run does not pay for earlier scans; false when it
 * is not within `timeoutMs`. */
export async function scanBacklogDrained(d: FloodgateDaemon, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await d.backlog()) === 0) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** The scanners a daemon's scan worker process scans with, from its start log ("scanning with spamd, builtin"). */
export async function scanningWith(logPath: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = existsSync(logPath) ? readFileSync(logPath, "utf8") : "";
    const found = /"msg":"(?:[^"]*: )?scanning with ([^"]+)"/.exec(log)?.[1];
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`the daemon did not start scanning within ${timeoutMs} ms:\n${log}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** How long a scenario waits for the daemon's scanner: a private spamd in the idle class starts in ~3 s on a quiet
 * host and in tens of seconds on a busy one. */
export const SCANNER_START_MS = 180_000;

/** The scanner of `floodgate bench`'s scenarios: the built-in rules. The bench measures the milter's path, and its
 * flood runs for seconds while keeping the cores busy, where an idle-class scan gets a CPU only in the gaps: the
 * built-in rules judge the campaign in milliseconds of CPU, spamd in hundreds. spamd's own cost in a flood is
 * measured by `make verdicts`. */
export const BENCH_SCANNERS: ConfigOverrides = { scanWorker: { scanners: [{ type: "builtin" }] } };

/** Wait until the daemon's scan worker process has started (its log line), so a scan queued from now on runs: the
 * daemon says what it scans with as it starts the process, which in the idle class may take seconds more. */
export async function scanWorkerStarted(d: FloodgateDaemon, timeoutMs: number = SCANNER_START_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = existsSync(d.logPath) ? readFileSync(d.logPath, "utf8") : "";
    if (log.includes('"msg":"scan worker started"')) return;
    if (Date.now() > deadline) throw new Error(`the scan worker did not start within ${timeoutMs} ms:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Whether `floodgate run` is built (the daemon entry exists). */
export function daemonAvailable(): boolean {
  return existsSync(join(distRoot, "src/cli/main.js")) && existsSync(join(distRoot, "src/daemon/daemon.js"));
}

/** Sum every sample of `name` in Prometheus text (`name` or `name{…}` lines), only those carrying `label` (such as
 * `reason="redis-oom"`) when given; null when absent. */
export function sumMetric(text: string, name: string, label?: string): number | null {
  let sum: number | null = null;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    if (label !== undefined && !rest.slice(0, rest.indexOf("}") + 1).includes(label)) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

/** The daemon's config file (its sections over the bench's: state, listen, metrics, log), written; its path. */
function writeDaemonConfig(
  options: { redisUrl: string | null; overrides?: ConfigOverrides; dir: string; name: string },
  port: number,
  metricsPort: number,
): string {
  const config: ConfigOverrides = {
    state: { dir: join(options.dir, `${options.name}.state`) },
    milter: { listen: [`inet:127.0.0.1:${port}`] },
    ...(options.redisUrl === null ? {} : { redis: { url: options.redisUrl } }),
    metrics: { enabled: true, host: "127.0.0.1", port: metricsPort },
    alerts: { enabled: false },
    log: { level: "info" },
  };
  for (const [section, values] of Object.entries(options.overrides ?? {}))
    config[section] = { ...(config[section] ?? {}), ...values };
  const configPath = join(options.dir, `${options.name}.config.yaml`);
  writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n"); // JSON is YAML
  return configPath;
}

/** Start the daemon; `logPath` receives its stderr. */
export async function startFloodgate(options: {
  /** The Redis to use; null: the daemon's private one in its state directory, as `make run` starts it. */
  redisUrl: string | null;
  overrides?: ConfigOverrides;
  dir: string;
  name: string;
  /** Extra node options for the daemon (`--cpu-prof`…), after its own (DAEMON_NODE_FLAGS). */
  nodeArgs?: string[];
}): Promise<FloodgateDaemon> {
  if (!daemonAvailable()) throw new Error("floodgate run is not built (dist/src/daemon/daemon.js missing)");
  const [port, metricsPort] = [await freePort(), await freePort()];
  const configPath = writeDaemonConfig(options, port, metricsPort);
  const logPath = join(options.dir, `${options.name}.daemon.log`);
  const logFd = openSync(logPath, "a");
  let child: Child;
  try {
    child = await spawnListening(
      process.execPath,
      [
        ...DAEMON_NODE_FLAGS,
        ...(options.nodeArgs ?? []),
        join(distRoot, "src/cli/main.js"),
        "run",
        "--config",
        configPath,
        "--listen",
        `inet:127.0.0.1:${port}`,
        ...(options.redisUrl === null ? [] : ["--redis", options.redisUrl]),
      ],
      port,
      { what: "floodgate run", timeoutMs: 60_000, stdio: ["ignore", logFd, logFd] },
    );
  } finally {
    closeSync(logFd);
  }
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const get = async (path: string): Promise<string | null> => {
    try {
      const res = await fetch(`${metricsUrl}${path}`, { signal: AbortSignal.timeout(2000) });
      return await res.text();
    } catch {
      return null;
    }
  };
  return {
    spec: `inet:127.0.0.1:${port}`,
    metricsUrl,
    logPath,
    pid: child.pid,
    cpuRoots: [child.pid],
    memory: new PeakMemory(child.pid),
    workerPids: () => descendants(child.pid).filter((p) => /scan-worker|\bworker\b/.test(cmdline(p))),
    scannerPids: () => spamdRoots(child.pid),
    metric: async (name) => {
      const text = await get("/metrics");
      return text === null ? null : sumMetric(text, name);
    },
    metricsText: () => get("/metrics"),
    backlog: async () => {
      const text = await get("/status");
      if (text === null) return null;
      try {
        const doc = JSON.parse(text) as { queue?: { backlog?: number } | null };
        return doc.queue?.backlog ?? null;
      } catch {
        return null;
      }
    },
    stop: () => child.stop(15_000),
  };
}

/** Overrides for a daemon of its own: a fresh key prefix and queue, queue stats every second. */
function benchOverrides(tag: string, extra: ConfigOverrides = {}): ConfigOverrides {
  const id = `${tag}-${randomBytes(3).toString("hex")}`;
  const base: ConfigOverrides = {
    redis: { prefix: `fgb-${id}` },
    queue: { name: `fgb-${id}` },
    alerts: { enabled: false, evaluateIntervalMs: 1000 },
  };
  for (const [k, v] of Object.entries(extra)) base[k] = { ...(base[k] ?? {}), ...v };
  return base;
}

/** A daemon of the bench's own (fresh keys and queue), named `tag`; the caller stops it. */
export function startBenchDaemon(
  where: { redisUrl: string | null; dir: string },
  tag: string,
  extra: ConfigOverrides,
): Promise<FloodgateDaemon> {
  return startFloodgate({ redisUrl: where.redisUrl, dir: where.dir, name: tag, overrides: benchOverrides(tag, extra) });
}

/** Run `body` against a daemon of its own (fresh keys and queue), stopped afterwards. */
export async function withBenchDaemon<T>(
  where: { redisUrl: string; dir: string },
  tag: string,
  extra: ConfigOverrides,
  body: (d: FloodgateDaemon) => Promise<T>,
): Promise<T> {
  const d = await startBenchDaemon(where, tag, extra);
  try {
    return await body(d);
  } finally {
    await d.stop();
  }
}
