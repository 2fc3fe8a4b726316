/**
 * One request/reply exchange over TCP or a unix socket for the line protocols of spamd and clamd: connect, write,
 * half-close, read until the scanner closes. Every failure becomes a `ScannerError`.
 */
import { connect } from "node:net";
import { ScannerError, scanDeadline } from "./types.js";

/** The largest reply read before the exchange fails as a protocol error. */
export const MAX_REPLY_BYTES = 64 * 1024;

export interface TcpExchange {
  scanner: string;
  host: string;
  port: number;
  /** A unix socket to connect to instead of host and port. */
  socket?: string | null;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Send `request` (in order) and return everything the peer sent before closing. */
export function tcpExchange(options: TcpExchange, request: readonly Buffer[]): Promise<Buffer> {
  const { scanner, host, port } = options;
  const where = options.socket ? options.socket : `${host}:${port}`;
  const deadline = scanDeadline(scanner, options.timeoutMs, options.signal);
  return new Promise<Buffer>((resolve, reject) => {
    if (deadline.signal.aborted) {
      reject(deadline.failure());
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const socket = options.socket ? connect({ path: options.socket }) : connect({ host, port });
    if (!options.socket) socket.setNoDelay(true);
    const finish = (error: ScannerError | null) => {
      if (settled) return;
      settled = true;
      deadline.signal.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, length));
    };
    const onAbort = () => finish(deadline.failure());
    deadline.signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      for (const part of request) socket.write(part);
      socket.end();
    });
    socket.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_REPLY_BYTES) {
        finish(new ScannerError(scanner, "protocol", `reply longer than ${MAX_REPLY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    socket.once("end", () => finish(null));
    socket.once("error", (err: NodeJS.ErrnoException) => {
      const code = err.code === "ECONNRESET" && length > 0 ? "protocol" : "unavailable";
      finish(new ScannerError(scanner, code, `${where}: ${err.message}`, { cause: err }));
    });
  });
}
