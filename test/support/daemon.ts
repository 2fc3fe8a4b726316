/**
 * Test support: the real `floodgate run` as a child process on free ports, with a YAML configuration written for
 * the test. Its JSON logs are kept for assertions and printed when a start fails.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { MilterClient, type TestMessage, type TransactionResult } from "../../src/client/milter-client.js";
import { DAEMON_NODE_FLAGS } from "../../src/util/node-flags.js";
import { freePort } from "../../src/util/tcp-port.js";
import { distRoot } from "../../src/util/paths.js";

export const CLI = join(distRoot, "src/cli/main.js");

export interface DaemonProcess {
  readonly milter: string;
  readonly metricsUrl: string;
  readonly process: ChildProcess;
  readonly configPath: string;
  logs(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Deep-merge plain objects (test config overrides into the base). */
function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface StartOptions {
  /** Resolve once `/readyz` answers 200 ("ready", the default), or once `/healthz` does ("alive": a dependency may be down). */
  waitFor?: "ready" | "alive";
  /** The state directory (the alert spool); a fresh one in the daemon's temp dir by default. */
  stateDir?: string;
  /** Fixed ports, for a daemon restarted in place. */
  milterPort?: number;
  metricsPort?: number;
  /** Extra environment for the daemon. */
  env?: NodeJS.ProcessEnv;
  /** Between two probes, ms (100 by default; 0 probes again as soon as one is answered). */
  probeIntervalMs?: number;
}

/** Start `floodgate run`; resolves once the milter answers and the metrics port is up. */
export async function startDaemonProcess(
  config: Record<string, unknown> = {},
  options: StartOptions = {},
): Promise<DaemonProcess> {
  const dir = mkdtempSync(join(tmpdir(), "fg-daemon-"));
  // The private spamd runs as its own user, who must pass through to its directory in the state directory.
  chmodSync(dir, 0o711);
  const milterPort = options.milterPort ?? (await freePort());
  const metricsPort = options.metricsPort ?? (await freePort());
  const full = merge(
    {
      state: { dir: options.stateDir ?? join(dir, "state") },
      milter: { listen: [`inet:127.0.0.1:${milterPort}`] },
      metrics: { port: metricsPort },
      log: { level: "info" },
    },
    config,
  );
  const configPath = join(dir, "floodgate.yaml");
  writeFileSync(configPath, stringify(full));
  // With the node flags the command's shebang gives it in production.
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, "run", "--config", configPath], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = once(child, "exit");
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const deadline = Date.now() + 30_000;
  const probe = options.waitFor === "alive" ? "/healthz" : "/readyz";
  for (;;) {
    if (child.exitCode !== null) throw new Error(`floodgate run exited with ${child.exitCode}:\n${output}`);
    try {
      const r = await fetch(`${metricsUrl}${probe}`);
      if (r.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`floodgate run did not answer ${probe} with 200 within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, options.probeIntervalMs ?? 100));
  }
  return {
    milter: `inet:127.0.0.1:${milterPort}`,
    metricsUrl,
    process: child,
    configPath,
    logs: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Run a `floodgate` subcommand to completion. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** A metric's value from the Prometheus text of `/metrics` (sum over label sets matching `labels`). */
export async function metricValue(
  metricsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const kv of (m[2] ?? "").split(",").filter(Boolean)) {
      const [k = "", v = ""] = kv.split("=");
      got[k] = v.replace(/"/g, "");
    }
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** `floodgate run` on a test Redis with scan workers off-host, no scan queue and no bulk holds, so that every message
 * it fingerprints gets a campaign; `extra` adds sections (milter limits, fingerprint threads). */
export function startCountingDaemon(redisUrl: string, extra: Record<string, unknown> = {}): Promise<DaemonProcess> {
  return startDaemonProcess({
    redis: { url: redisUrl },
    policy: { holdBulk: false },
    queue: { enabled: false },
    scanWorker: { processes: 0 },
    ...extra,
  });
}

/** One transaction in a milter session of its own (as Postfix opens one per SMTP session), closed after. */
export async function transactionInOwnSession(milter: string, message: TestMessage): Promise<TransactionResult> {
  const client = await MilterClient.connect(milter);
  try {
    await client.open();
    return await client.transaction(message);
  } finally {
    client.destroy();
  }
}
