/**
 * `POST /console/login` `{token, name}`: the admin token, checked in constant time, opens a session for the named
 * operator (session.ts); failed logins are limited to MAX_FAILED_LOGINS_PER_MINUTE over all peers, and logged
 * without what was typed.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { tokenMatcher } from "../admin-guard.js";
import { HttpError, readJson, send } from "./respond.js";
import { setCookie, type ConsoleSessions } from "./session.js";
import type { ConsoleDeps } from "./types.js";

/** Failed logins allowed per minute, over all peers. */
const MAX_FAILED_LOGINS_PER_MINUTE = 10;

/** The login handler of one console. */
export function loginHandler(
  deps: ConsoleDeps,
  sessions: ConsoleSessions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const tokenMatches = tokenMatcher(deps.adminToken);
  const failedLogins = { minute: 0, count: 0 };
  return async (req: IncomingMessage, res: ServerResponse) => {
    const minute = Math.floor(Date.now() / 60_000);
    if (failedLogins.minute !== minute) Object.assign(failedLogins, { minute, count: 0 });
    if (failedLogins.count >= MAX_FAILED_LOGINS_PER_MINUTE)
      throw new HttpError(429, "too many failed logins: wait a minute");
    const body = (await readJson(req)) as { token?: unknown; name?: unknown };
    if (typeof body.token !== "string" || !tokenMatches(body.token)) {
      failedLogins.count++;
      deps.logger?.warn(
        { peer: req.socket.remoteAddress ?? "unix socket" },
        "console login refused: wrong admin token",
      );
      throw new HttpError(401, "wrong admin token");
    }
    const session = sessions.open(typeof body.name === "string" ? body.name : "");
    deps.logger?.info({ actor: session.actor }, "console login");
    res.setHeader("set-cookie", setCookie(session, deps.config().console.sessionSeconds));
    send(res, 200, { actor: session.actor });
  };
}
