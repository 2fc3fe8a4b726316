/**
 * Who may change state through the ops server. Every request other than GET and HEAD, on any path, passes all of:
 *
 * - a local peer: loopback TCP, or the ops server's unix socket;
 * - a Host that cannot be a rebound DNS name: an IP literal, `localhost`, or a name listed in
 *   `metrics.allowedHosts` (DNS rebinding always arrives with the attacker's name in Host);
 * - no foreign origin: a browser's cross-site request carries `Origin` (or `Sec-Fetch-Site`); one that is not this
 *   very server's origin is refused, and so is `Origin: null`;
 * - `Authorization: Bearer <admin token>`, compared in constant time.
 *
 * A refusal says which rule refused, never what the token is.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/** A refusal: the HTTP status and why. */
export interface AdminRefusal {
  status: 401 | 403;
  error: string;
}

/** What the guard needs. */
export interface AdminGuardOptions {
  /** The admin token. */
  token: string;
  /** Host names accepted beside IP literals and `localhost` (`metrics.allowedHosts`). */
  allowedHosts: readonly string[];
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return plain === "::1" || /^127\.\d+\.\d+\.\d+$/.test(plain);
}

/** The host name of a Host header or an origin's authority, lowercased, without port or IPv6 brackets. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith("[")) return a.slice(1, a.indexOf("]") === -1 ? undefined : a.indexOf("]"));
  const colon = a.lastIndexOf(":");
  return colon === -1 ? a : a.slice(0, colon);
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * The checks of a state-changing request other than the token: a local peer, a trusted Host, no foreign origin.
 * The console uses them with its session cookie in place of the token.
 */
export function localRequestGuard(allowedHosts: readonly string[]): (req: IncomingMessage) => AdminRefusal | null {
  const allowed = new Set(["localhost", ...allowedHosts.map((h) => h.toLowerCase())]);
  const trustedHost = (authority: string) => {
    const name = hostName(authority);
    return name !== "" && (isIP(name) !== 0 || allowed.has(name));
  };
  return (req) => {
    const unixSocket = req.socket.remoteAddress === undefined && req.socket.localPort === undefined;
    if (!unixSocket && !isLoopback(req.socket.remoteAddress)) {
      return { status: 403, error: "the admin endpoints answer local peers only (loopback or the ops socket)" };
    }
    const host = req.headers.host ?? "";
    if (!trustedHost(host)) {
      return {
        status: 403,
        error: "refused: Host is not an address of this server (list the name in metrics.allowedHosts)",
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let same = false;
      try {
        const o = new URL(origin);
        same = (o.protocol === "http:" || o.protocol === "https:") && o.host === new URL(`http://${host}`).host;
      } catch {
        same = false;
      }
      if (!same) return { status: 403, error: "refused: a cross-origin request" };
    }
    const site = req.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin" && site !== "none") {
      return { status: 403, error: "refused: a cross-site request" };
    }
    return null;
  };
}

/** True when `presented` is the admin token (compared in constant time over digests). */
export function tokenMatcher(token: string): (presented: string) => boolean {
  const expected = digest(token);
  return (presented) => timingSafeEqual(digest(presented), expected);
}

/** A guard for state-changing requests; `check` returns null when the request may go on. */
export function adminGuard(options: AdminGuardOptions): (req: IncomingMessage) => AdminRefusal | null {
  const local = localRequestGuard(options.allowedHosts);
  const matches = tokenMatcher(options.token);
  return (req) => {
    const refused = local(req);
    if (refused) return refused;
    const auth = req.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) return { status: 401, error: "the admin token is required: Authorization: Bearer <token>" };
    if (!matches(m[1] as string)) return { status: 401, error: "wrong admin token" };
    return null;
  };
}
