/**
 * The daemon's private redis-server, for `floodgate run` with no Redis configured: a private service
 * (src/state/private-service.ts) in the state directory's `redis` subdirectory (mode 0700), which holds
 *
 * - `redis.sock`, the only way in (no TCP port), mode 0700 like its directory;
 * - `password`, a random secret (0600) that the server requires and that `floodgate campaigns`, `block` and
 *   `unblock` read to reach it (privateRedisUrl);
 * - `redis.conf` (0600, written at each start: the password must not be on the command line, where `ps` shows it);
 * - `appendonlydir/`, the append-only file, fsynced every second: a restart, even after SIGKILL of the daemon and of
 *   the server, keeps every block and verdict but at most the last second's writes;
 * - `redis-server.pid`, by which the next start stops a server a killed daemon left behind.
 *
 * Redis defers SIGTERM while a script runs (until the script ends, which a runaway one never does), so a stop
 * escalates to SIGKILL after `stopGraceMs`, and the kernel sends SIGKILL, not SIGTERM, when the daemon dies without
 * stopping it: a SIGKILL costs at most the last second of writes (the append-only file's fsync), an orphan costs a
 * CPU and the next start's wait.
 *
 * `maxmemory` with `noeviction` (BullMQ needs it): past it Redis refuses writes, which the mail path treats as a
 * Redis that refuses writes (known verdicts and blocks still apply), and the memory signal alerts well before.
 */
import { connect } from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../util/logger.js";
import { ensureSecret, readPrivateFile, writePrivateFile } from "../state/secret-file.js";
import { startPrivateService, type PrivateService } from "../state/private-service.js";
import type { StateDir } from "../state/state-dir.js";

/** The private server's settings (`redis.private`). */
export interface PrivateRedisSettings {
  /** The redis-server program. */
  binary: string;
  /** Its `maxmemory`, MiB. */
  maxMemoryMb: number;
  /**
   * How long a stop waits for it after SIGTERM before SIGKILL. A clean shutdown takes well under a second; this
   * bounds one in a long script, and with `milter.shutdownGraceSeconds` (30) stays within the shipped unit's
   * TimeoutStopSec (45). @defaultValue 10000
   */
  stopGraceMs?: number;
}

/** A running private Redis. */
export interface PrivateRedis {
  /** `unix:///…/redis.sock?password=…`: a secret; log it only through redactUrl. */
  readonly url: string;
  readonly socket: string;
  readonly service: PrivateService;
  stop(): Promise<void>;
}

/** The name of its subdirectory of the state directory, and of its pidfile there. */
export const PRIVATE_REDIS_SUBDIR = "redis";
const SERVICE_NAME = "redis-server";

/** The longest path a unix socket may have (sun_path, with its terminating NUL). */
const MAX_SOCKET_PATH = 107;

/** The URL of a private Redis on `socket` with `password`. */
export function unixRedisUrl(socket: string, password: string): string {
  return `unix://${socket}?password=${encodeURIComponent(password)}`;
}

/** The configuration file's text. */
export function privateRedisConf(dir: string, password: string, settings: PrivateRedisSettings): string {
  const quote = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return [
    "# Written by floodgate run at each start; changes here are lost.",
    "port 0",
    `unixsocket ${quote(join(dir, "redis.sock"))}`,
    "unixsocketperm 700",
    `dir ${quote(dir)}`,
    "appendonly yes",
    "appendfsync everysec",
    'save ""',
    `maxmemory ${settings.maxMemoryMb}mb`,
    "maxmemory-policy noeviction",
    // A key that expires is freed off the main thread: a generation of MinHash values is one large hash.
    "lazyfree-lazy-expire yes",
    `requirepass ${quote(password)}`,
    "protected-mode yes",
    "daemonize no",
    "loglevel warning",
    'logfile ""',
    "",
  ].join("\n");
}

/** Start (or, after a killed daemon, restart on the same data) the private Redis of `state`. */
export async function startPrivateRedis(
  state: StateDir,
  settings: PrivateRedisSettings,
  logger?: Logger,
): Promise<PrivateRedis> {
  const dir = state.subdir(PRIVATE_REDIS_SUBDIR);
  const socket = join(dir, "redis.sock");
  if (socket.length > MAX_SOCKET_PATH) {
    throw new Error(
      `the private Redis socket path ${socket} is longer than ${MAX_SOCKET_PATH} bytes: choose a shorter state.dir`,
    );
  }
  const password = ensureSecret(join(dir, "password"));
  const conf = join(dir, "redis.conf");
  writePrivateFile(conf, privateRedisConf(dir, password, settings));
  const service = await startPrivateService({
    name: SERVICE_NAME,
    dir,
    command: settings.binary,
    args: [conf],
    installHint: "apt-get install -y redis-server",
    ready: () => waitUntilServing(socket, password),
    ...(logger ? { logger } : {}),
    stopGraceMs: settings.stopGraceMs ?? 10_000,
    parentDeathSignal: "SIGKILL",
  });
  return { url: unixRedisUrl(socket, password), socket, service, stop: () => service.stop() };
}

/**
 * The URL of the private Redis a `floodgate run` on this state directory serves, for the one-shot commands; null
 * when there is none (no socket, or no password yet).
 */
export function privateRedisUrl(state: StateDir): string | null {
  const dir = state.subdir(PRIVATE_REDIS_SUBDIR);
  const socket = join(dir, "redis.sock");
  const password = readPrivateFile(join(dir, "password"));
  return password && existsSync(socket) ? unixRedisUrl(socket, password) : null;
}

/** Resolve once the server on `socket` answers PING after AUTH (not while it loads its append-only file). */
async function waitUntilServing(socket: string, password: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    last = await authPing(socket, password).catch((err: Error) => err.message);
    if (last === "PONG") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the private Redis on ${socket} did not serve within ${timeoutMs} ms: ${last}`);
}

/** AUTH and PING over the socket, in RESP; the PING's reply ("PONG", or the error, such as LOADING). */
function authPing(socket: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let reply = "";
    const timer = setTimeout(() => conn.destroy(new Error("no reply within 2 s")), 2000);
    conn.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    conn.on("data", (d: Buffer) => {
      reply += d.toString();
      const lines = reply.split("\r\n");
      if (lines.length < 3) return;
      clearTimeout(timer);
      conn.destroy();
      if (!lines[0]?.startsWith("+OK")) reject(new Error(`AUTH: ${lines[0]}`));
      else resolve((lines[1] ?? "").replace(/^[+-]/, ""));
    });
    const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
    conn.write(`*2\r\n${bulk("AUTH")}${bulk(password)}*1\r\n${bulk("PING")}`);
  });
}
