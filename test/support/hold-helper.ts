/**
 * Test support: the real hold-queue helper (dist/workers/hold-helper.js) as a child process on a socket in a temp
 * dir, for a private Postfix (its configuration directory) or Sendmail (its command and queue directory). Its
 * records live in `recordDir`, which outlives a restart of the helper.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distRoot } from "../../src/util/paths.js";
import { pollUntil } from "./poll.js";

export const HOLD_HELPER = join(distRoot, "workers/hold-helper.js");

export interface HoldHelperProcess {
  readonly socket: string;
  readonly recordDir: string;
  logs(): string;
  stop(): Promise<void>;
}

export type HoldHelperTarget = { postfixConfig: string } | { sendmailCommand: string[]; queueDir: string };

/** Start the helper; fails with its output when it exits or its socket does not appear within 20 s. */
export async function startHoldHelper(target: HoldHelperTarget): Promise<HoldHelperProcess> {
  const dir = mkdtempSync(join(tmpdir(), "fg-hold-helper-"));
  const socket = join(dir, "helper.sock");
  const recordDir = join(dir, "recorded");
  const mta =
    "postfixConfig" in target
      ? ["--mta", "postfix", "--postfix-config", target.postfixConfig]
      : [
          "--mta",
          "sendmail",
          "--queue-dir",
          target.queueDir,
          ...target.sendmailCommand.map((w) => `--sendmail-command=${w}`),
        ];
  const child: ChildProcess = spawn(
    process.execPath,
    [HOLD_HELPER, "--socket", socket, "--records", recordDir, ...mta],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await pollUntil(
    "the hold helper's socket",
    () => {
      if (child.exitCode !== null) throw new Error(`the hold helper exited with ${child.exitCode}:\n${output}`);
      return existsSync(socket);
    },
    20_000,
  );
  return {
    socket,
    recordDir,
    logs: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
