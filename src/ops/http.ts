/**
 * The ops HTTP server on the metrics port: `/metrics` (Prometheus text), `/healthz` (the process answers),
 * `/readyz` (200 when every readiness check passes, else 503 with the checks), `/status` (the JSON behind
 * `floodgate status`), `POST /shadow?on=1|0`, the admin switch for shadow mode, and `POST /report`, a person's report
 * on a message (report-route.ts). Every request that is not a GET or a HEAD passes the admin guard first
 * (admin-guard.ts: a local peer, a Host that is not a rebound name, no foreign origin, the admin token); without an
 * admin token configured, none is served. `POST /report` alone also takes the report-only token instead. It listens on `metrics.host`
 * (loopback by default), and also on the unix socket `metrics.socket` when set, and never touches the mail path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { once } from "node:events";
import { chmodSync, lstatSync, rmSync } from "node:fs";
import type { Registry } from "prom-client";
import type { Config } from "../config/schema.js";
import type { LiveConfig } from "../config/live.js";
import type { Logger } from "../util/logger.js";
import { Turns } from "../util/turns.js";
import { adminGuard, type AdminRefusal } from "./admin-guard.js";
import type { ConsoleRoutes } from "./console/router.js";
import type { Readiness } from "./readiness.js";
import { MAX_REPORTS_IN_HAND, reportRoute, type ReportRole, type RouteAnswer } from "./report-route.js";
import { buildStatus, type StatusProviders } from "./status.js";
import { UnreportableMessageError, type ReportAnswer, type ReportRequest } from "../policy/report.js";

export interface OpsServerOptions {
  /** `metrics.host`, `metrics.port` (0: a free port), `metrics.socket` and `metrics.allowedHosts` are used. */
  config: Pick<Config, "metrics">;
  /** The admin token (admin-token.ts); without it every state-changing request is refused. */
  adminToken?: string;
  registry: Registry;
  readiness: () => Promise<Readiness>;
  /** Enables the shadow switch and reports the shadow state. */
  live?: LiveConfig;
  logger?: Logger;
  /** What `/status` reports. */
  status?: StatusProviders;
  /** The operator's console at /console (console/router.ts); none when absent. */
  console?: ConsoleRoutes;
  /** The readiness function's bound. @defaultValue 2000 */
  readinessTimeoutMs?: number;
  /** Enables `POST /report`: applies one report (src/policy/report.ts). */
  report?: (request: ReportRequest) => Promise<ReportAnswer>;
  /** The report-only token, accepted by `POST /report` alone. */
  reporterToken?: string;
  /** The body `POST /report` keeps (the part end of message captures) and the most it reads. */
  reportLimits?: { captureBytes: number; maxBytes: number };
}

/** A running ops server. */
export interface OpsServer {
  readonly port: number;
  readonly host: string;
  /** Stop listening and close every open connection. */
  close(): Promise<void>;
}

export { isLoopback } from "./admin-guard.js";

/** Start the ops server; resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { registry, live, logger } = options;
  const { metrics } = options.config;
  const guard = options.adminToken
    ? adminGuard({ token: options.adminToken, allowedHosts: metrics.allowedHosts })
    : (): AdminRefusal => ({ status: 403, error: "no admin token is configured: state-changing requests are off" });
  const reporterGuard = options.reporterToken
    ? adminGuard({ token: options.reporterToken, allowedHosts: metrics.allowedHosts })
    : null;
  const lastRefusal = { at: 0 };
  const reportTurns = new Turns(MAX_REPORTS_IN_HAND);
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      logger?.error({ err, url: req.url }, "ops endpoint failed");
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const readOnly = method === "GET" || method === "HEAD";
    // The console checks its own requests: a session cookie instead of the token, and the same local-request rules.
    if (options.console && (await options.console.handle(req, res, url))) return;
    let role: ReportRole = "operator";
    if (!readOnly) {
      let refused = guard(req);
      if (refused?.status === 401 && url.pathname === "/report" && reporterGuard && !reporterGuard(req))
        [refused, role] = [null, "reporter"];
      if (refused) return refuse(logger, lastRefusal, { req, res, url }, refused);
    }
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
        return shadow(live, req, res, url, method);
      case "/report":
        return answerReport({ req, res, url, role }, options, reportTurns);
      default:
        return send(res, 404, { error: "not found", endpoints: endpointsOf(options) });
    }
  }

  const servers = await listenAll(listener, metrics);
  const address = servers[0]?.address();
  const port = typeof address === "object" && address ? address.port : metrics.port;
  logger?.info({ host: metrics.host, port, socket: metrics.socket }, "ops server listening");
  return {
    port,
    host: metrics.host,
    async close() {
      options.console?.close();
      await Promise.all(servers.map(closeServer));
      if (metrics.socket !== null) rmSync(metrics.socket, { force: true });
    },
  };
}

async function listen(server: Server, port: number | string, host?: string): Promise<Server> {
  server.on("clientError", (_err, socket) => socket.destroy());
  if (host === undefined) server.listen(port);
  else server.listen(port as number, host);
  const where = host === undefined ? String(port) : `${host}:${port}`;
  await Promise.race([
    once(server, "listening"),
    once(server, "error").then(([err]) => {
      throw new Error(`cannot listen on ${where} for metrics: ${(err as Error).message}`);
    }),
  ]);
  return server;
}

/** Listen on a unix socket of mode 0600, replacing a stale socket file (never another kind of file). */
async function listenOnSocket(server: Server, path: string): Promise<Server> {
  try {
    if (lstatSync(path).isSocket()) rmSync(path);
  } catch {
    // none yet
  }
  await listen(server, path);
  chmodSync(path, 0o600);
  return server;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, "close");
  server.close();
  server.closeAllConnections();
  await closed;
}

/** A report that failed: a message that cannot be fingerprinted is the caller's (422), anything else ours. */
function reportFailure(err: unknown): RouteAnswer {
  if (err instanceof UnreportableMessageError) return { status: 422, body: { error: err.message } };
  throw err;
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

/** `POST /report`, in its turn (./report-route.ts). */
async function answerReport(
  request: { req: IncomingMessage; res: ServerResponse; url: URL; role: ReportRole },
  options: OpsServerOptions,
  turns: Turns,
): Promise<void> {
  const { req, res, url, role } = request;
  if (req.method !== "POST") return methodNotAllowed(res, "POST");
  const { report } = options;
  if (!report) return send(res, 501, { error: "reports are not available here" });
  const limits = options.reportLimits ?? { captureBytes: 1024 * 1024, maxBytes: 16 * 1024 * 1024 };
  const answer = await reportRoute(req, url, role, limits, report, turns).catch(reportFailure);
  if (answer.status === 503) res.setHeader("retry-after", "1");
  send(res, answer.status, answer.body);
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

/** Answer a refused state-changing request; log refusals at most once every 10 s, without any header's value. */
function refuse(
  logger: OpsServerOptions["logger"],
  lastRefusal: { at: number },
  { req, res, url }: { req: IncomingMessage; res: ServerResponse; url: URL },
  refused: AdminRefusal,
): void {
  const now = Date.now();
  if (now - lastRefusal.at > 10_000) {
    lastRefusal.at = now;
    logger?.warn(
      { peer: req.socket.remoteAddress ?? "unix socket", method: req.method, path: url.pathname, why: refused.error },
      "admin request refused",
    );
  }
  if (refused.status === 401) res.setHeader("www-authenticate", 'Bearer realm="floodgate"');
  return send(res, refused.status, { error: refused.error });
}

/** GET or POST /shadow: read or switch shadow mode at run time. */
function shadow(
  live: OpsServerOptions["live"],
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
): void {
  if (!live) return send(res, 501, { error: "shadow switch not available: no live configuration" });
  if (method === "GET" || method === "HEAD") return send(res, 200, { shadow: live.current().policy.shadow });
  if (method !== "POST") return methodNotAllowed(res, "GET, POST");
  const on = parseSwitch(url.searchParams.get("on"));
  if (on === null) return send(res, 400, { error: "use POST /shadow?on=1 or POST /shadow?on=0" });
  live.setShadow(on, `http ${req.socket.remoteAddress ?? "unix socket"}`);
  return send(res, 200, { shadow: live.current().policy.shadow });
}

/** The endpoints a 404 lists. */
function endpointsOf(options: OpsServerOptions): string[] {
  return [
    "/metrics",
    "/healthz",
    "/readyz",
    "/status",
    "/shadow",
    "/report",
    ...(options.console ? ["/console/"] : []),
  ];
}

/** Listen on the TCP address and, when configured, the unix socket; on failure close what listens. */
async function listenAll(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  metrics: OpsServerOptions["config"]["metrics"],
): Promise<Server[]> {
  const servers: Server[] = [];
  try {
    const tcp = await listen(createServer(listener), metrics.port, metrics.host);
    servers.push(tcp);
    if (metrics.socket !== null) servers.push(await listenOnSocket(createServer(listener), metrics.socket));
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  return servers;
}
