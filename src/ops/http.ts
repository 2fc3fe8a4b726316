/**
 * The ops HTTP server on the metrics port: `/metrics` (Prometheus text), `/healthz` (the process answers),
 * `/readyz` (200 when every readiness check passes, else 503 with the checks), `/status` (the JSON behind
 * `floodgate status`) and `POST /shadow?on=1|0`, the admin switch for shadow mode, answered to loopback peers only.
 * It listens on `metrics.host` (loopback by default) and never touches the mail path.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { once } from "node:events";
import type { Registry } from "prom-client";
import type { Config } from "../config/schema.js";
import type { LiveConfig } from "../config/live.js";
import type { Logger } from "../util/logger.js";
import type { Readiness } from "./readiness.js";
import { buildStatus, type StatusProviders } from "./status.js";

export interface OpsServerOptions {
  /** `metrics.host` and `metrics.port` are used (port 0: a free port). */
  config: Pick<Config, "metrics">;
  registry: Registry;
  readiness: () => Promise<Readiness>;
  /** Enables the shadow switch and reports the shadow state. */
  live?: LiveConfig;
  logger?: Logger;
  /** What `/status` reports. */
  status?: StatusProviders;
  /** The readiness function's bound. @defaultValue 2000 */
  readinessTimeoutMs?: number;
}

/** A running ops server. */
export interface OpsServer {
  readonly port: number;
  readonly host: string;
  /** Stop listening and close every open connection. */
  close(): Promise<void>;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return plain === "::1" || /^127\.\d+\.\d+\.\d+$/.test(plain);
}

/** Start the ops server; resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { registry, live, logger } = options;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger?.error({ err, url: req.url }, "ops endpoint failed");
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const readOnly = method === "GET" || method === "HEAD";
    switch (url.pathname) {
      case "/metrics":
        if (!readOnly) return methodNotAllowed(res, "GET");
        res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
        res.end(await registry.metrics());
        return;
      case "/healthz":
        if (!readOnly) return methodNotAllowed(res, "GET");
        return send(res, 200, { alive: true });
      case "/readyz": {
        if (!readOnly) return methodNotAllowed(res, "GET");
        const r = await boundedReadiness(options.readiness, options.readinessTimeoutMs ?? 2000);
        return send(res, r.ready ? 200 : 503, r);
      }
      case "/status": {
        if (!readOnly) return methodNotAllowed(res, "GET");
        const doc = await buildStatus(options.status ?? {}, { shadow: live ? live.current().policy.shadow : null });
        return send(res, 200, doc);
      }
      case "/shadow":
        return shadow(req, res, url, method);
      default:
        return send(res, 404, {
          error: "not found",
          endpoints: ["/metrics", "/healthz", "/readyz", "/status", "/shadow"],
        });
    }
  }

  function shadow(req: IncomingMessage, res: ServerResponse, url: URL, method: string): void {
    if (!live) return send(res, 501, { error: "shadow switch not available: no live configuration" });
    if (method === "GET" || method === "HEAD") return send(res, 200, { shadow: live.current().policy.shadow });
    if (method !== "POST") return methodNotAllowed(res, "GET, POST");
    if (!isLoopback(req.socket.remoteAddress)) {
      logger?.warn({ peer: req.socket.remoteAddress }, "shadow switch refused: not a loopback peer");
      return send(res, 403, { error: "the admin endpoint answers loopback peers only" });
    }
    const on = parseSwitch(url.searchParams.get("on"));
    if (on === null) return send(res, 400, { error: "use POST /shadow?on=1 or POST /shadow?on=0" });
    live.setShadow(on, `http ${req.socket.remoteAddress ?? ""}`);
    return send(res, 200, { shadow: live.current().policy.shadow });
  }

  server.on("clientError", (_err, socket) => socket.destroy());
  server.listen(options.config.metrics.port, options.config.metrics.host);
  await Promise.race([
    once(server, "listening"),
    once(server, "error").then(([err]) => {
      throw new Error(
        `cannot listen on ${options.config.metrics.host}:${options.config.metrics.port} for metrics: ${(err as Error).message}`,
      );
    }),
  ]);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.config.metrics.port;
  logger?.info({ host: options.config.metrics.host, port }, "ops server listening");
  return {
    port,
    host: options.config.metrics.host,
    async close() {
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

function parseSwitch(value: string | null): boolean | null {
  if (value === null) return null;
  const v = value.toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  return null;
}

async function boundedReadiness(readiness: () => Promise<Readiness>, timeoutMs: number): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<Readiness>((resolve) => {
      timer = setTimeout(
        () => resolve({ ready: false, checks: { readiness: `no answer within ${timeoutMs} ms` } }),
        timeoutMs,
      );
    });
    return await Promise.race([readiness(), timeout]);
  } catch (err) {
    return { ready: false, checks: { readiness: (err as Error).message || "failed" } };
  } finally {
    clearTimeout(timer);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader("allow", allow);
  send(res, 405, { error: "method not allowed" });
}
