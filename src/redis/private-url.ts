/**
 * Where a running `floodgate run` leaves the URL of its private Redis, so that `floodgate campaigns`, `block` and
 * `unblock` on the same machine find it without configuration. Only a loopback URL without a password is written.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = process.env["FLOODGATE_RUNTIME_DIR"] ?? process.env["XDG_RUNTIME_DIR"] ?? join(tmpdir(), "floodgate");
const file = join(dir, "private-redis.url");

export function writePrivateRedisUrl(url: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${url}\n`, { mode: 0o600 });
}

export function readPrivateRedisUrl(): string | null {
  try {
    return readFileSync(file, "utf8").trim() || null;
  } catch {
    return null;
  }
}

/** Remove the file if it still names this URL (another instance may have replaced it). */
export function clearPrivateRedisUrl(url: string): void {
  if (readPrivateRedisUrl() === url) rmSync(file, { force: true });
}
