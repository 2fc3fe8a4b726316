/**
 * The console's routes on the ops server, all under /console:
 *
 * - `GET /console/` and `/console/assets/…`: the page and its built assets (no login needed to load the page);
 * - `POST /console/login` `{token, name}`: the admin token, once; answers with the session cookie (session.ts);
 *   `POST /console/logout`;
 * - with a session: `GET /console/events` (the live feed), `GET /console/api/overview`, `/api/campaigns`,
 *   `/api/campaigns/<id>`, `/api/search?q=`, and `POST /console/api/campaigns/<id>/action`, `POST /console/api/shadow`.
 *
 * Every console request, reads included, passes the local-request checks of the admin endpoints (a local peer, a
 * trusted Host, no foreign Origin or Sec-Fetch-Site), so another site's page can neither read nor act.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { localRequestGuard } from "../admin-guard.js";
import { apiHandler } from "./api.js";
import { ConsoleAssets } from "./assets.js";
import { ConsoleFeed } from "./feed.js";
import { loginHandler } from "./login.js";
import { HttpError, send } from "./respond.js";
import { ConsoleSessions, setCookie } from "./session.js";
import type { ConsoleDeps } from "./types.js";

/** The console's request handler; `handle` resolves with false for a path that is not the console's. */
export interface ConsoleRoutes {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  close(): void;
}

/** The built assets, or why they cannot be served (the console then answers 503; the rest of the ops server runs). */
function loadAssets(deps: ConsoleDeps): ConsoleAssets | string {
  try {
    return new ConsoleAssets();
  } catch (err) {
    deps.logger?.error({ err: (err as Error).message }, "the console's page cannot be served");
    return (err as Error).message;
  }
}

/** The console's routes over its sources. */
export function consoleRoutes(deps: ConsoleDeps, assets: ConsoleAssets | string = loadAssets(deps)): ConsoleRoutes {
  const sessions = new ConsoleSessions(() => deps.config().console.sessionSeconds);
  const feed = new ConsoleFeed(deps);
  const local = localRequestGuard(deps.config().metrics.allowedHosts);
  const login = loginHandler(deps, sessions);
  const api = apiHandler(deps, feed);

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const refused = local(req);
    if (refused) throw new HttpError(refused.status, refused.error);
    const method = req.method ?? "GET";
    const read = method === "GET" || method === "HEAD";
    const path = url.pathname;
    if (typeof assets === "string") throw new HttpError(503, assets);
    if (read && (path === "/console" || path === "/console/")) {
      assets.serve(res, "index.html", method === "HEAD");
      return;
    }
    if (read && path.startsWith("/console/assets/")) {
      if (!assets.serve(res, path.slice("/console/assets/".length), method === "HEAD"))
        throw new HttpError(404, "not found");
      return;
    }
    if (path === "/console/login" && method === "POST") return login(req, res);
    const session = sessions.of(req);
    if (!session) throw new HttpError(401, "log in to the console first (POST /console/login with the admin token)");
    if (path === "/console/logout" && method === "POST") {
      sessions.close(session.id);
      res.setHeader("set-cookie", setCookie(null, 0));
      return send(res, 200, { loggedOut: true });
    }
    if (path === "/console/events" && read) return feed.listen(req, res);
    if (path.startsWith("/console/api/") && (read || method === "POST")) return api(req, res, url, session);
    throw new HttpError(404, "not found");
  };

  return {
    async handle(req, res, url) {
      if (url.pathname !== "/console" && !url.pathname.startsWith("/console/")) return false;
      try {
        await route(req, res, url);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        if (err.status === 401) res.setHeader("www-authenticate", 'Cookie realm="floodgate console"');
        send(res, err.status, { error: err.message });
      }
      return true;
    },
    close: () => feed.close(),
  };
}
