/**
 * `floodgate shadow [on|off]`: read, or switch, shadow mode of a running Floodgate through its ops server, with the
 * admin token (admin-token.ts) the switch requires. Over TCP (`--url`, else `metrics.host:port`) or the ops socket
 * (`--socket`, else `metrics.socket`).
 */
import { request } from "node:http";

/** Where the command writes. */
export interface Output {
  write(text: string): unknown;
}

/** Where the ops server is: a base URL, or a unix socket. */
export type OpsTarget = { url: string; socket?: undefined } | { socket: string; url?: undefined };

export interface ShadowCommandOptions {
  target: OpsTarget;
  /** "on" or "off" to switch; undefined to read. */
  switchTo?: "on" | "off";
  /** The admin token; needed to switch. */
  token: string | null;
  /** @defaultValue 5000 */
  timeoutMs?: number;
}

/** An answer of the ops server. */
export interface OpsAnswer {
  status: number;
  body: unknown;
}

/** One request to the ops server over TCP or its unix socket. */
export function opsRequest(
  target: OpsTarget,
  method: string,
  path: string,
  headers: Record<string, string>,
  timeoutMs = 5000,
  body?: Buffer,
): Promise<OpsAnswer> {
  const where = target.socket !== undefined ? { socketPath: target.socket } : urlParts(target.url);
  return new Promise((resolve, reject) => {
    const req = request({ ...where, method, path, headers, timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("timeout", () => req.destroy(new Error("no answer in time")));
    req.on("error", reject);
    req.end(body);
  });
}

function urlParts(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || 80) };
}

/** Read or switch shadow mode; returns the exit code (0 done, 1 refused or failed). */
export async function shadowCommand(options: ShadowCommandOptions, out: Output): Promise<number> {
  const where = options.target.socket ?? options.target.url;
  if (options.switchTo !== undefined && options.token === null) {
    out.write(
      "floodgate shadow: no admin token: start `floodgate run` first (it writes <state.dir>/admin-token), " +
        "or configure metrics.adminToken or metrics.adminTokenFile\n",
    );
    return 1;
  }
  const method = options.switchTo === undefined ? "GET" : "POST";
  const path = options.switchTo === undefined ? "/shadow" : `/shadow?on=${options.switchTo === "on" ? 1 : 0}`;
  const headers: Record<string, string> =
    method === "POST" && options.token ? { authorization: `Bearer ${options.token}` } : {};
  let answer: OpsAnswer;
  try {
    answer = await opsRequest(options.target, method, path, headers, options.timeoutMs);
  } catch (error) {
    out.write(`floodgate shadow: cannot reach ${where}: ${(error as Error).message}\n`);
    return 1;
  }
  const body = answer.body as { shadow?: boolean; error?: string };
  if (answer.status !== 200 || typeof body.shadow !== "boolean") {
    out.write(`floodgate shadow: ${where} answered ${answer.status}: ${body.error ?? JSON.stringify(answer.body)}\n`);
    return 1;
  }
  out.write(`shadow mode is ${body.shadow ? "on" : "off"}\n`);
  return 0;
}
