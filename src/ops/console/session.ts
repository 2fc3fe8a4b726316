/**
 * The console's logins: the admin token is presented once, to `POST /console/login`, and the browser then holds a
 * random session id in a cookie that is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
 * it) and scoped to /console; an EventSource cannot send an Authorization header, a cookie it does send. Sessions
 * live in this process's memory: at most MAX_SESSIONS, each ending after `sessionSeconds` without a request, all
 * ending with the process.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The cookie's name. */
export const SESSION_COOKIE = "floodgate_console";

/** Open sessions kept at most: the oldest is ended when another logs in. */
const MAX_SESSIONS = 100;

/** A logged-in operator. */
export interface ConsoleSession {
  readonly id: string;
  /** "operator:<name>", the actor of every change made in this session. */
  readonly actor: string;
  expiresAt: number;
}

/** The session id of a request's cookie, if it carries one. */
export function sessionCookie(req: IncomingMessage): string | null {
  const header = req.headers.cookie ?? "";
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The Set-Cookie value that opens (or, with null, ends) a session. */
export function setCookie(session: ConsoleSession | null, maxAgeSeconds: number): string {
  const value = session ? session.id : "";
  const age = session ? maxAgeSeconds : 0;
  return `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${age}`;
}

/** An operator's name as typed at login, reduced to a safe actor name. */
export function operatorName(name: unknown): string {
  const clean = typeof name === "string" ? name.replace(/[^\w.@-]/g, "").slice(0, 40) : "";
  return clean === "" ? "console" : clean;
}

/** The sessions of one ops server. */
export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly ttlSeconds: () => number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Open a session for an operator. */
  open(name: string): ConsoleSession {
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const session = {
      id: randomBytes(32).toString("base64url"),
      actor: `operator:${operatorName(name)}`,
      expiresAt: this.clock() + this.ttlSeconds() * 1000,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session of a request, its idle time renewed; null when it has none or it ended. */
  of(req: IncomingMessage): ConsoleSession | null {
    const id = sessionCookie(req);
    if (id === null) return null;
    const session = this.#sessions.get(id);
    if (!session) return null;
    const now = this.clock();
    if (session.expiresAt <= now) {
      this.#sessions.delete(id);
      return null;
    }
    session.expiresAt = now + this.ttlSeconds() * 1000;
    return session;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }
}
