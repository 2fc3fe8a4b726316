/**
 * Postfix-style socket specs: `inet:HOST:PORT`, `inet6:[ADDR]:PORT`, `unix:/path` (also `local:/path`), and
 * Sendmail's `inet:PORT@HOST` for convenience.
 */

export type ListenTarget = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

export class ListenSpecError extends Error {
  constructor(spec: string, why: string) {
    super(`listen spec "${spec}": ${why}`);
    this.name = "ListenSpecError";
  }
}

export function parseListenSpec(spec: string): ListenTarget {
  const colon = spec.indexOf(":");
  if (colon < 0) throw new ListenSpecError(spec, "expected inet:HOST:PORT, inet6:[ADDR]:PORT or unix:/path");
  const scheme = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (scheme === "unix" || scheme === "local") {
    if (!rest.startsWith("/")) throw new ListenSpecError(spec, "a unix socket needs an absolute path");
    return { kind: "unix", path: rest };
  }
  if (scheme !== "inet" && scheme !== "inet6") throw new ListenSpecError(spec, `unknown scheme "${scheme}"`);
  let host: string;
  let portText: string;
  const sendmail = /^(\d+)@(.+)$/.exec(rest);
  if (sendmail) {
    portText = sendmail[1]!;
    host = sendmail[2]!;
  } else if (rest.startsWith("[")) {
    const end = rest.indexOf("]");
    if (end < 0 || rest[end + 1] !== ":") throw new ListenSpecError(spec, "expected [ADDR]:PORT");
    host = rest.slice(1, end);
    portText = rest.slice(end + 2);
  } else {
    const last = rest.lastIndexOf(":");
    if (last < 0) throw new ListenSpecError(spec, "missing port");
    host = rest.slice(0, last);
    portText = rest.slice(last + 1);
  }
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new ListenSpecError(spec, `bad port "${portText}"`);
  if (host === "") throw new ListenSpecError(spec, "missing host");
  return { kind: "tcp", host, port: Number(portText) };
}

/** The spec for a bound address, with the real port (for port 0). */
export function formatListenTarget(target: ListenTarget): string {
  if (target.kind === "unix") return `unix:${target.path}`;
  return target.host.includes(":") ? `inet6:[${target.host}]:${target.port}` : `inet:${target.host}:${target.port}`;
}
