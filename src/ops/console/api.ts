/**
 * The console's JSON API, behind a session: `GET /console/api/me`, `/overview`, `/campaigns`, `/campaigns/<id>`,
 * `/search?q=`; `POST /console/api/campaigns/<id>/action` (actions.ts) and `POST /console/api/shadow`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseAction, runAction } from "./actions.js";
import { campaignDetail } from "./campaign-detail.js";
import { campaignRows } from "./campaign-rows.js";
import type { ConsoleFeed } from "./feed.js";
import { overview } from "./overview.js";
import { HttpError, readJson, send } from "./respond.js";
import type { ConsoleSession } from "./session.js";
import type { ConsoleDeps } from "./types.js";

/** Results a search returns at most. */
const SEARCH_RESULTS = 50;

/** The API handler of one console. */
export function apiHandler(
  deps: ConsoleDeps,
  feed: ConsoleFeed,
): (req: IncomingMessage, res: ServerResponse, url: URL, session: ConsoleSession) => Promise<void> {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, session: ConsoleSession) => {
    const path = url.pathname.slice("/console/api".length);
    const post = req.method === "POST";
    const now = Date.now();
    if (path === "/me" && !post) return send(res, 200, { actor: session.actor });
    if (path === "/overview" && !post) return send(res, 200, await overview(deps, feed.history, now));
    if (path === "/campaigns" && !post) {
      const views = await deps.store.top(deps.config().console.campaigns);
      return send(res, 200, { at: now, rows: campaignRows(views, feed.spark, now) });
    }
    if (path === "/search" && !post) {
      const found = await deps.search(url.searchParams.get("q") ?? "", SEARCH_RESULTS);
      const views = await Promise.all(found.ids.map((id) => deps.store.get(id)));
      const rows = campaignRows(
        views.filter((v) => v !== null),
        feed.spark,
        now,
      );
      return send(res, 200, { rows, searched: found.searched });
    }
    if (path === "/shadow" && post) {
      const body = (await readJson(req)) as { on?: unknown; confirmed?: unknown };
      if (body.confirmed !== true || typeof body.on !== "boolean")
        throw new HttpError(400, "use {on: true|false, confirmed: true}");
      deps.setShadow(body.on, session.actor);
      deps.logger?.info({ actor: session.actor, shadow: body.on }, "console action");
      return send(res, 200, { shadow: deps.shadow() });
    }
    const m = /^\/campaigns\/([0-9a-f]{12})(\/action)?$/.exec(path);
    if (m && !post && !m[2]) {
      const detail = await campaignDetail(deps, feed.spark, m[1] as string, now);
      return detail ? send(res, 200, detail) : send(res, 404, { error: `no campaign ${m[1]}` });
    }
    if (m && post && m[2]) {
      const action = parseAction(await readJson(req));
      if (typeof action === "string") throw new HttpError(400, action);
      const result = await runAction(deps, m[1] as string, action, session.actor);
      return send(res, result.status, result.body);
    }
    throw new HttpError(404, "not found");
  };
}
