/**
 * Test support: a real Redis Cluster (three masters, no replicas) and a real Sentinel watching a private Redis, on
 * free ports in a temp dir, from Debian's redis-server and redis-cli. A part that cannot start fails with the reason.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findOnPath } from "../../src/state/find-on-path.js";
import { freePort } from "../../src/util/tcp-port.js";

const run = promisify(execFile);

/** Debian's package of each program used here. */
const PACKAGES = { "redis-server": "redis-server", "redis-cli": "redis-tools" } as const;

/**
 * Both programs on PATH, or an error saying which to install: without the check a missing redis-cli reads as a
 * server that "did not answer PING", and a missing redis-server as a bare spawn ENOENT.
 */
function requirePrograms(): void {
  const missing = Object.entries(PACKAGES).filter(([program]) => findOnPath(program) === null);
  if (missing.length === 0) return;
  const programs = missing.map(([program]) => program).join(" and ");
  const hint = `apt-get install -y ${missing.map(([, pkg]) => pkg).join(" ")}`;
  throw new Error(`${programs} not on PATH, needed for the Redis topologies (install: ${hint})`);
}

export interface RedisTopology {
  /** host:port of every node (Cluster) or of the Sentinel. */
  readonly nodes: readonly string[];
  stop(): Promise<void>;
}

async function startServer(args: string[], dir: string, name: string): Promise<ChildProcess> {
  requirePrograms();
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  let spawnError: Error | null = null;
  child.once("error", (e) => (spawnError = e));
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const port = args[args.indexOf("--port") + 1] ?? "";
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (spawnError) throw new Error(`${name} on port ${port} could not start: ${(spawnError as Error).message}`);
    if (child.exitCode !== null) throw new Error(`${name} on port ${port} exited: ${output.trim()}`);
    try {
      const { stdout } = await run("redis-cli", ["-p", port, "ping"]);
      if (stdout.trim() === "PONG") return child;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${name} on port ${port} did not answer PING: ${output.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopAll(children: ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      c.kill("SIGTERM");
      await once(c, "exit");
    }),
  );
  rmSync(dir, { recursive: true, force: true });
}

/** Three cluster-enabled masters joined with `redis-cli --cluster create`, each with `replicas` replicas. */
export async function startRedisCluster(options: { replicas?: number } = {}): Promise<RedisTopology> {
  const dir = mkdtempSync(join(tmpdir(), "fg-cluster-"));
  const children: ChildProcess[] = [];
  const replicas = options.replicas ?? 0;
  try {
    const ports: number[] = [];
    for (let i = 0; i < 3 * (1 + replicas); i++) ports.push(await freePort());
    for (const port of ports) {
      const common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"];
      // The cluster bus port is reserved too: by default Redis takes port + 10000, which lies in the kernel's
      // ephemeral range, where another process's outgoing connection may hold it.
      const busPort = String(await freePort());
      const cluster = [
        "--cluster-enabled",
        "yes",
        "--cluster-port",
        busPort,
        "--cluster-config-file",
        `nodes-${port}.conf`,
      ];
      children.push(await startServer(["--port", String(port), ...common, ...cluster], dir, "cluster node"));
    }
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await run("redis-cli", ["--cluster", "create", ...nodes, "--cluster-replicas", String(replicas), "--cluster-yes"]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { stdout } = await run("redis-cli", ["-p", String(ports[0]), "cluster", "info"]);
      const synced = await Promise.all(
        ports.map(async (p) => (await run("redis-cli", ["-p", String(p), "info", "replication"])).stdout),
      );
      const replicasUp = synced.every((info) => info.includes("role:master") || info.includes("master_link_status:up"));
      // The first node learns the other shards' replicas by gossip, after their links are up: a test reading the
      // topology from it (CLUSTER NODES) must find every replica with its master.
      const known = (await run("redis-cli", ["-p", String(ports[0]), "cluster", "nodes"])).stdout.trim().split("\n");
      const replicasKnown = known.filter((line) => /[ ,](slave|replica) [0-9a-f]{40} /.test(line)).length;
      const everyNodeKnown = known.length === ports.length && replicasKnown === 3 * replicas;
      if (stdout.includes("cluster_state:ok") && replicasUp && everyNodeKnown) break;
      if (Date.now() > deadline) throw new Error(`the cluster did not become ok:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { nodes, stop: () => stopAll(children, dir) };
  } catch (error) {
    await stopAll(children, dir);
    throw error;
  }
}

/** A Sentinel (quorum 1) watching the Redis on `masterPort` under the name `masterName`. */
export async function startSentinel(masterPort: number, masterName = "mymaster"): Promise<RedisTopology> {
  const dir = mkdtempSync(join(tmpdir(), "fg-sentinel-"));
  const port = await freePort();
  const conf = join(dir, "sentinel.conf");
  writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1\n`);
  const children: ChildProcess[] = [];
  try {
    children.push(await startServer([conf, "--sentinel", "--port", String(port)], dir, "sentinel"));
    return { nodes: [`127.0.0.1:${port}`], stop: () => stopAll(children, dir) };
  } catch (error) {
    await stopAll(children, dir);
    throw error;
  }
}
