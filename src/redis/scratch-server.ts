/**
 * A throwaway redis-server child process on a loopback port, for the tests and the benchmarks (the daemon's own
 * is private-server.ts). It persists nothing, has no password, uses `noeviction` (BullMQ needs it), and is stopped
 * with the process that started it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { freePort, waitForPort } from "../util/tcp-port.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";

export interface ScratchRedis {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Stop the server (SIGTERM, then SIGKILL) and remove its folder. */
  stop(): Promise<void>;
  /** Stop it for a while, keeping the port, to simulate an outage; `resume` starts it again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** Start redis-server on a free (or given) port; fails with a clear message when the binary is missing. */
export async function startScratchRedis(
  options: { binary?: string; port?: number; dir?: string } = {},
): Promise<ScratchRedis> {
  const binary = options.binary ?? "redis-server";
  const port = options.port || (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "floodgate-redis-"));
  const ownsDir = options.dir === undefined;
  let child: ChildProcess = await launch(binary, port, dir);

  const stopChild = async (c: ChildProcess) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 3000);
    await once(c, "exit");
    clearTimeout(timer);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get process() {
      return child;
    },
    async stop() {
      await stopChild(child);
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
    async pause() {
      await stopChild(child);
    },
    async resume() {
      child = await launch(binary, port, dir);
    },
  };
}

async function launch(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--maxmemory-policy",
    "noeviction",
    "--protected-mode",
    "yes",
    "--loglevel",
    "warning",
  ];
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (err) =>
      reject(new Error(`cannot start ${binary}: ${err.message} (install it: apt-get install -y redis-server)`)),
    );
    child.once("exit", (code) => reject(new Error(`${binary} exited with ${code} on port ${port}: ${output.trim()}`)));
  });
  await Promise.race([failed, waitForPort(port, { what: binary, intervalMs: 50 })]);
  child.removeAllListeners("exit");
  child.on("error", () => undefined);
  return child;
}
