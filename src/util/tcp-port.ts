/**
 * Free ports and waiting for a TCP listener: a child server (redis-server, smtp-sink, a milter) is ready when its port accepts a
 * connection.
 */
import { once } from "node:events";
import { connect, createServer } from "node:net";

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

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.close();
  await once(server, "close");
  return port;
}
