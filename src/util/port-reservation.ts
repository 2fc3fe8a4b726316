/**
 * Ports reserved across processes. A test or benchmark picks a port for a child server (redis-server, smtp-sink,
 * Sendmail, a milter) that binds it later; a port the kernel hands out and then takes back (listen on 0, close) can be
 * handed to anyone else in between: another process's child, a listen on 0, an outgoing connection. So a port is
 * reserved by a file `<port>` created with O_EXCL in a directory every checkout on the machine shares, holding the
 * pid of the process that reserved it, and is taken only from below the kernel's ephemeral range, where the kernel
 * never picks one by itself. A reservation lasts until its process ends: removed at exit, and a file whose process is
 * gone (killed) is taken over by the next one to try that port.
 */
import { once } from "node:events";
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where every process on the machine keeps its reservations. */
export const RESERVATION_DIR = join(tmpdir(), "floodgate-ports");

/** Where to reserve and from which ports; the defaults are the machine's (tests give a private dir and range). */
export interface ReservationOptions {
  dir?: string;
  /** Lowest and highest candidate port, both included. */
  range?: readonly [number, number];
}

/** This process's reservations, removed when it exits. */
const held = new Set<string>();
let cleanupRegistered = false;

/** A reservation file may be empty for a moment (created, not yet written); after this it is left over, not new. */
const EMPTY_GRACE_MS = 10_000;
/** Above the fixed ports Floodgate and its peers listen on (Redis 6379, make run's milter 10030, rspamd 11333). */
const LOWEST = 20_000;

/** Candidates: from 20000 up to just below the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range). */
export function defaultRange(): [number, number] {
  let ephemeralLow = 32_768;
  try {
    ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  } catch {
    // not Linux: the usual default
  }
  if (!(ephemeralLow > LOWEST + 1000)) throw new Error(`the ephemeral port range starts at ${ephemeralLow}: too low`);
  return [LOWEST, ephemeralLow - 1];
}

/**
 * Reserve a port nothing listens on, that no other live process reserved; it stays reserved until this process
 * exits. Fails after trying every candidate once.
 */
export async function reservePort(options: ReservationOptions = {}): Promise<number> {
  const dir = options.dir ?? RESERVATION_DIR;
  const [low, high] = options.range ?? defaultRange();
  mkdirSync(dir, { recursive: true, mode: 0o1777 });
  registerCleanup();
  const count = high - low + 1;
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const port = low + ((start + i) % count);
    const file = join(dir, String(port));
    if (!claim(file)) continue;
    if (await bindable(port)) return port;
    release(file); // something outside the reservations listens there
  }
  throw new Error(`no free port to reserve in ${low}-${high} (${dir})`);
}

/** Create `file` for this process, or take it over from a process that is gone; false when another holds it. */
function claim(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx", mode: 0o644 });
      held.add(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (!leftOver(file)) return false;
    try {
      unlinkSync(file);
    } catch {
      // another process took it over first; the next create decides
    }
  }
  return false;
}

/** Whether the reservation in `file` belongs to no live process. */
function leftOver(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch {
    return true; // removed meanwhile
  }
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) {
    try {
      return Date.now() - statSync(file).mtimeMs > EMPTY_GRACE_MS;
    } catch {
      return true;
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Nothing listens on the port, on any address (a listener on 127.0.0.2 or 0.0.0.0 makes this bind fail). */
export async function bindable(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen({ port, host: "0.0.0.0", exclusive: true });
    await once(server, "listening");
  } catch {
    return false;
  }
  server.close();
  await once(server, "close");
  return true;
}

function release(file: string): void {
  held.delete(file);
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function registerCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  process.once("exit", () => {
    for (const file of held) release(file);
  });
}
