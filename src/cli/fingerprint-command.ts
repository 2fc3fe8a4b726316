/**
 * `floodgate fingerprint FILE…`: fingerprint message files through the same thread pool the milter uses and
 * print one JSON line per file: `{file, status, fingerprint}` or `{file, status, reason}`.
 */
import { readFile } from "node:fs/promises";
import type { Config } from "../config/schema.js";
import { FingerprintPool } from "../fingerprint/pool.js";

/** One output line. `status` is "ok", "skipped" (with the pool's reason) or "error" (the file was not read). */
export type FingerprintLine =
  { file: string; status: "ok"; fingerprint: unknown } | { file: string; status: "skipped" | "error"; reason: string };

/** Fingerprint each file, in order; exit code 0, or 1 when any file could not be read. */
export async function fingerprintCommand(files: string[], config: Config, out: NodeJS.WritableStream): Promise<number> {
  // Files are fingerprinted one by one: no caller waits on a mail path here, so no deadline applies.
  const pool = new FingerprintPool({
    ...config.fingerprint,
    taskTimeoutMs: Math.max(config.fingerprint.taskTimeoutMs, 60_000),
  });
  let exitCode = 0;
  try {
    for (const file of files) {
      let line: FingerprintLine;
      try {
        const message = await readFile(file);
        const outcome = await pool.fingerprint(message);
        line =
          outcome.status === "ok"
            ? { file, status: "ok", fingerprint: outcome.fingerprint }
            : { file, status: "skipped", reason: outcome.reason };
      } catch (err) {
        exitCode = 1;
        line = { file, status: "error", reason: err instanceof Error ? err.message : String(err) };
      }
      await write(out, JSON.stringify(line) + "\n");
    }
  } finally {
    await pool.close();
  }
  return exitCode;
}

function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
