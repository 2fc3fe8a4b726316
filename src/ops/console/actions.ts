/**
 * The console's actions on a campaign: block (with a duration), unblock, pin ham, re-scan now, release or delete its
 * held copies. Each needs a logged-in session and `confirmed: true` (the page asks first), is made as the session's
 * operator (kept in the campaign's history by the store) and logged. A block, an unblock and a pin are Redis state
 * read by every Floodgate's next observation of the campaign, so they hold fleet-wide from the next copy on.
 */
import type { Actor } from "../../reputation/types.js";
import type { ConsoleDeps } from "./types.js";

export const ACTIONS = ["block", "unblock", "pin-ham", "rescan", "release", "delete"] as const;
export type ConsoleAction = (typeof ACTIONS)[number];

/** The longest block the console sets: 30 days. */
const MAX_BLOCK_SECONDS = 30 * 86_400;

/** A request's body, as parsed. */
export interface ActionRequest {
  action: ConsoleAction;
  /** For a block. */
  seconds?: number;
  reason: string;
}

/** An action's answer: its HTTP status and body. */
export interface ActionResult {
  status: number;
  body: Record<string, unknown>;
}

/** Parse an action's JSON body; a string says what is wrong. */
export function parseAction(body: unknown): ActionRequest | string {
  if (typeof body !== "object" || body === null) return "the body must be a JSON object";
  const b = body as Record<string, unknown>;
  if (b["confirmed"] !== true) return "an action needs confirmed: true (the console asks first)";
  const action = b["action"];
  if (typeof action !== "string" || !(ACTIONS as readonly string[]).includes(action))
    return `action must be one of ${ACTIONS.join(", ")}`;
  const reason = typeof b["reason"] === "string" ? b["reason"].slice(0, 200) : "";
  if (action !== "block") return { action: action as ConsoleAction, reason };
  const seconds = b["seconds"];
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds <= 0 || seconds > MAX_BLOCK_SECONDS)
    return `a block needs seconds: a whole number from 1 to ${MAX_BLOCK_SECONDS}`;
  return { action: "block", seconds, reason };
}

/** Do one action as `actor`. */
export async function runAction(
  deps: ConsoleDeps,
  id: string,
  req: ActionRequest,
  actor: string,
): Promise<ActionResult> {
  const by: Actor = { actor, reason: req.reason || `console: ${req.action}` };
  const done = (detail: Record<string, unknown>): ActionResult => {
    deps.logger?.info({ actor, action: req.action, campaign: id, reason: by.reason, ...detail }, "console action");
    return { status: 200, body: { ok: true, action: req.action, id, ...detail } };
  };
  if (!(await deps.store.get(id))) return { status: 404, body: { error: `no campaign ${id}` } };
  switch (req.action) {
    case "block":
      await deps.store.block(id, req.seconds ?? 3600, by);
      return done({ seconds: req.seconds });
    case "unblock":
      await deps.store.unblock(id, by);
      return done({});
    case "pin-ham":
      await deps.store.decide(id, "ham", "pin", by);
      return done({});
    case "rescan":
      return done({ queued: await rescanNow(deps, id, by) });
    case "release":
    case "delete": {
      if (!deps.held) return { status: 501, body: { error: "the hold queue is not configured (policy.holdMode)" } };
      const copies = await (req.action === "release" ? deps.held.release(id, by) : deps.held.delete(id, by));
      return done({ copies });
    }
  }
}

/** Drop the scan verdict (the next copy queues a scan) and, with a sample at hand, queue a scan of it now. */
async function rescanNow(deps: ConsoleDeps, id: string, by: Actor): Promise<string> {
  await deps.store.rescan(id, by);
  if (!deps.rescanNow) return "the scan queue is off: the verdict is dropped";
  const sample = await deps.samples?.read(id);
  if (!sample?.message) return "no sample message is kept: the next copy queues the scan";
  return deps.rescanNow(id, sample.message);
}
