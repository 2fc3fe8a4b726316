/**
 * The actions' buttons and what they send: each asks for confirmation (confirm.ts) and posts to
 * /console/api/campaigns/<id>/action; the answer or the error is shown in `status`.
 */
import { confirmAction } from "./confirm.js";
import { api, h } from "./dom.js";

const DURATIONS: [string, number][] = [
  ["1 hour", 3600],
  ["6 hours", 6 * 3600],
  ["1 day", 86_400],
  ["7 days", 7 * 86_400],
  ["30 days", 30 * 86_400],
];

/** Run one action on a campaign after confirmation; resolves true when it was done. */
export async function act(id: string, action: string, status: HTMLElement): Promise<boolean> {
  let extra: HTMLSelectElement | undefined;
  let words = `${action} campaign ${id}?`;
  if (action === "block") {
    extra = h("select", { id: "block-duration", "aria-label": "Block for" });
    for (const [label, seconds] of DURATIONS) extra.append(h("option", { value: String(seconds) }, label));
    words = `Block campaign ${id}? Every Floodgate rejects its next copies with 550.`;
  } else if (action === "delete") words = `Delete the held copies of campaign ${id}? They cannot be brought back.`;
  const ok = await confirmAction(words, extra);
  if (!ok) return false;
  try {
    const body: Record<string, unknown> = { action, confirmed: true, reason: ok.reason };
    if (action === "block") body["seconds"] = Number(ok.extra);
    const done = await api<Record<string, unknown>>(`/api/campaigns/${id}/action`, body);
    status.textContent = `${action}: done${typeof done["queued"] === "string" ? ` (${done["queued"]})` : ""}`;
    status.className = "ok";
    return true;
  } catch (err) {
    status.textContent = `${action} failed: ${(err as Error).message}`;
    status.className = "error";
    return false;
  }
}

/** The action buttons of a campaign's page. */
export function actionButtons(id: string, holdQueue: boolean, status: HTMLElement, after: () => void): HTMLElement {
  const button = (action: string, label: string, enabled = true) =>
    h(
      "button",
      {
        type: "button",
        "data-action": action,
        disabled: !enabled,
        title: enabled ? "" : "the hold queue is not configured (policy.holdMode)",
        onclick: () => void act(id, action, status).then((done) => done && after()),
      },
      label,
    );
  return h(
    "div",
    { class: "actions" },
    button("block", "Block…"),
    button("unblock", "Unblock"),
    button("pin-ham", "Pin ham"),
    button("rescan", "Re-scan now"),
    button("release", "Release held copies", holdQueue),
    button("delete", "Delete held copies", holdQueue),
  );
}
