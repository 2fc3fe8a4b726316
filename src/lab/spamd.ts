/**
 * Test support: a private SpamAssassin spamd on a free loopback port, in the foreground (no daemonizing), local
 * tests only, stopped by the test. A missing or failing spamd fails the test with the reason; it never skips.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pingSpamd as pingSpamdAt } from "../scanners/spamd.js";
import { freePort } from "../util/tcp-port.js";

export interface PrivateSpamd {
  readonly host: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** SIGTERM (spamd stops its children), SIGKILL after 5 s; removes its folder. */
  stop(): Promise<void>;
}

/** Ask spamd PING; true on PONG. */
export function pingSpamd(port: number, host = "127.0.0.1"): Promise<boolean> {
  return pingSpamdAt({ host, port });
}

/** Start spamd (about 2–10 s here); rejects with spamd's output if it exits or does not answer PING in time. */
export async function startSpamd(
  options: { binary?: string; maxChildren?: number; timeoutMs?: number } = {},
): Promise<PrivateSpamd> {
  const binary = options.binary ?? "spamd";
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "floodgate-spamd-"));
  const args = [
    `--listen=127.0.0.1:${port}`,
    `--max-children=${options.maxChildren ?? 2}`,
    "--min-children=1",
    "--local",
    "--nouser-config",
    `--pidfile=${join(dir, "spamd.pid")}`,
    "--syslog=stderr",
  ];
  if (process.getuid?.() === 0) args.push("--username=nobody");
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  let output = "";
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let exitError: Error | null = null;
  child.once(
    "error",
    (err) => (exitError = new Error(`cannot start ${binary}: ${err.message} (apt-get install -y spamd)`)),
  );
  child.once("exit", (code, signal) => (exitError ??= new Error(`spamd exited (${code ?? signal}) before answering`)));
  for (;;) {
    if (exitError) {
      await stop();
      throw new Error(`${(exitError as Error).message}\n${output.trim()}`);
    }
    if (await pingSpamd(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `spamd did not answer PING on port ${port} within ${options.timeoutMs ?? 60_000} ms\n${output.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { host: "127.0.0.1", port, process: child, stop };
}
