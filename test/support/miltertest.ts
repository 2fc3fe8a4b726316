/**
 * Test support: run OpenDKIM's miltertest (a third-party MTA-side milter client driven by Lua scripts) against a
 * milter, and collect its exit code and output. Scripts live in test/e2e/miltertest/ and get `dir` (that folder) and
 * the caller's variables with `-D name=value`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../src/util/paths.js";

/** Where the Lua scripts are (the sources: they are not compiled). */
export const MILTERTEST_SCRIPTS = join(projectRoot, "test/e2e/miltertest");

export interface MiltertestResult {
  /** The exit code; 0 when every check passed. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `miltertest -s SCRIPT -D dir=… -D name=value…`; never throws for a failing script (look at `code`). */
export function runMiltertest(
  script: string,
  vars: Record<string, string | number>,
  options: { verbose?: boolean; timeoutMs?: number } = {},
): Promise<MiltertestResult> {
  if (!existsSync("/usr/bin/miltertest")) {
    return Promise.reject(
      new Error("miltertest is missing: run scripts/install-deps.sh test (apt-get install miltertest)"),
    );
  }
  const path = join(MILTERTEST_SCRIPTS, script);
  const args = ["-s", path, "-D", `dir=${MILTERTEST_SCRIPTS}`];
  for (const [k, v] of Object.entries(vars)) args.push("-D", `${k}=${v}`);
  if (options.verbose) args.push("-v");
  return new Promise((resolve) => {
    execFile("/usr/bin/miltertest", args, { timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({
        code,
        stdout,
        stderr: error && typeof error.code !== "number" ? `${stderr}\n${error.message}` : stderr,
      });
    });
  });
}
