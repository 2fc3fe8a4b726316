/**
 * Free ports (reserved: port-reservation.ts) and waiting for a TCP listener: a child server (redis-server, smtp-sink, a milter) is ready when its port accepts a
 * connection.
 */
import { connect } from "node:net";
import { reservePort } from "./port-reservation.js";

/** True when something accepts TCP connections on host:port. */
export function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Wait until host:port accepts a connection; after `timeoutMs`, throw "<what> did not listen on host:port within …",
 * followed by `detail()` (the server's output) when given.
 */
export async function waitForPort(
  port: number,
  options: { what: string; host?: string; timeoutMs?: number; intervalMs?: number; detail?: () => string },
): Promise<void> {
  const host = options.host ?? "127.0.0.1";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await portOpen(port, host)) return;
    if (Date.now() > deadline) {
      const detail = options.detail?.().trim();
      throw new Error(
        `${options.what} did not listen on ${host}:${port} within ${timeoutMs} ms${detail ? `: ${detail}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

/**
 * A free TCP port for a child server to bind, reserved for this process until it exits (port-reservation.ts): no other
 * process using this function is handed it meanwhile, and the kernel never picks it for a listen on 0 or a connection.
 */
export function freePort(): Promise<number> {
  return reservePort();
}
