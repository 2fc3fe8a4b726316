/**
 * `floodgate allow <id>` pins a campaign ham (legitimate bulk: a newsletter, login notices): it is never held or
 * refused, and no scan overrides it, until `floodgate unpin <id>`. `floodgate history <id>` prints who relabelled a
 * campaign, when and why (the store keeps its last lines).
 */
import type { Actor, CampaignStore, DecidingReporters, HistoryEntry } from "../reputation/types.js";
import { printable, type Output } from "./campaigns-command.js";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const clean = (id: string) => id.trim().toLowerCase();

/** Pin a campaign ham. Returns the exit code: 1 when the campaign does not exist. */
export async function allowCommand(store: CampaignStore, id: string, by: Actor, out: Output): Promise<number> {
  const campaign = await store.get(clean(id));
  if (!campaign) {
    out.write(`no campaign ${clean(id)}\n`);
    return 1;
  }
  const view = await store.decide(campaign.id, "ham", "pin", { ...by, reason: by.reason || "pinned ham" });
  out.write(`campaign ${view.id} pinned ham (state ${view.state}): never held or refused until floodgate unpin\n`);
  return 0;
}

/** Take a pin back. Returns the exit code: 1 when the campaign does not exist or was not pinned. */
export async function unpinCommand(
  store: CampaignStore,
  id: string,
  by: Actor,
  reporters: DecidingReporters,
  out: Output,
): Promise<number> {
  const done = await store.undecide(clean(id), "pin", { ...by, reason: by.reason || "unpinned" }, reporters);
  if (!done) {
    out.write(`campaign ${clean(id)} is not pinned\n`);
    return 1;
  }
  const view = await store.get(clean(id));
  out.write(`campaign ${clean(id)} unpinned (state ${view?.state ?? "-"})\n`);
  return 0;
}

/** Print a campaign's history, newest first. */
export async function historyCommand(
  store: CampaignStore,
  id: string,
  out: Output,
  options: { json: boolean },
): Promise<number> {
  const entries = await store.history(clean(id));
  if (options.json) {
    out.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    out.write(`no history for campaign ${clean(id)}\n`);
    return 0;
  }
  for (const entry of entries) out.write(`${formatHistoryLine(entry)}\n`);
  return 0;
}

/** One history line: when, who, what, the state it left, why. */
export function formatHistoryLine(entry: HistoryEntry): string {
  const what = entry.label ? `${entry.action} ${entry.label}` : entry.action;
  return `${iso(entry.at)}  ${printable(entry.actor)}  ${what}${entry.state ? ` -> ${entry.state}` : ""}  ${printable(entry.why)}`;
}
