/**
 * The campaign store's scripts' replies, parsed (./store.ts): the campaign view (includes/campaignView.lua), an
 * observation's (the view, how its campaign was found, the campaigns merged), a relabel's. A reply of another shape
 * is refused with an error naming it, never read as a campaign.
 */
import type {
  CampaignState,
  CampaignView,
  DecisionHow,
  FoundBy,
  ObservedCampaign,
  PersonDecision,
  ScanVerdict,
} from "./types.js";

const STATES: ReadonlySet<string> = new Set<CampaignState>(["new", "bulk", "spam", "ham", "blocked"]);

/** The view array's length (includes/campaignView.lua). */
const VIEW_LENGTH = 31;

const VERDICTS: ReadonlySet<string> = new Set(["spam", "ham", "unsure"]);
const HOWS: ReadonlySet<string> = new Set<DecisionHow>(["report", "pin", "reporters"]);

/** Turn the script's flat view array (includes/campaignView.lua) into a CampaignView. */
export function parseView(raw: unknown): CampaignView {
  if (!Array.isArray(raw) || raw.length < VIEW_LENGTH)
    throw new Error(`unexpected campaign view from Redis: ${JSON.stringify(raw)}`);
  const a = raw as unknown[];
  const num = (i: number) => Number(a[i]);
  const str = (i: number) => {
    const v = a[i];
    return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
  };
  const state = str(2);
  if (!STATES.has(state)) throw new Error(`unexpected campaign state from Redis: ${state}`);
  return {
    id: str(0),
    created: num(1) === 1,
    state: state as CampaignState,
    copies: num(3),
    recipients: num(4),
    senders: num(5),
    clientIps: num(6),
    totalCopies: num(7),
    firstSeen: num(8),
    lastSeen: num(9),
    subject: str(10),
    verdict: parseVerdict(str(11), str(12), str(13), num(14), str(19), str(20)),
    decision: parseDecision(str(21), str(22), str(23), str(24), num(25)),
    reports: { spam: num(26), ham: num(27) },
    blockedUntil: state === "blocked" ? num(15) : null,
    copiesSinceScan: num(16),
    lastScanQueuedAt: num(17),
    bulkSince: num(18) > 0 ? num(18) : null,
    merged: num(28),
    links: { ham: typeof a[29] === "string" ? words(a[29]) : null, spam: words(str(30)) },
  };
}

/** A list the store keeps as space-separated words. */
function words(text: string): string[] {
  return text === "" ? [] : text.split(" ");
}

function parseVerdict(
  verdict: string,
  score: string,
  scanner: string,
  at: number,
  threshold: string,
  rules: string,
): ScanVerdict | null {
  if (!VERDICTS.has(verdict)) return null;
  return {
    verdict: verdict as ScanVerdict["verdict"],
    score: Number(score),
    scanner,
    threshold: threshold === "" ? null : Number(threshold),
    rules: rules === "" ? [] : rules.split(","),
    at,
  };
}

function parseDecision(label: string, how: string, by: string, why: string, at: number): PersonDecision | null {
  if ((label !== "spam" && label !== "ham") || !HOWS.has(how)) return null;
  return { label, how: how as DecisionHow, by, why, at };
}

/** The relabel script's reply. */
export interface Relabelled {
  status: "ok" | "missing" | "absent" | "duplicate" | "rate-limited";
  state: string;
  spam: number;
  ham: number;
  decided: "spam" | "ham" | null;
  /** The campaign relabelled: the one named, or the one it was merged into. */
  id: string;
}

export function parseRelabelled(raw: unknown): Relabelled {
  if (!Array.isArray(raw) || raw.length !== 6) throw new Error(`unexpected relabel reply: ${JSON.stringify(raw)}`);
  const [status, state, spam, ham, decided, id] = raw as [string, string, number, number, string, string];
  return {
    status: status as Relabelled["status"],
    state,
    spam: Number(spam),
    ham: Number(ham),
    decided: decided === "spam" || decided === "ham" ? decided : null,
    id,
  };
}

const FOUND_BY: ReadonlySet<string> = new Set<FoundBy>(["minhash", "direct", "previous", "new"]);

/** The observe script's reply: the view, then how the campaign was found and how many were merged into it. */
export function parseObserved(raw: unknown): ObservedCampaign {
  const view = parseView(raw);
  const a = raw as unknown[];
  const foundBy = String(a[VIEW_LENGTH]);
  if (!FOUND_BY.has(foundBy)) throw new Error(`unexpected match from Redis: ${foundBy}`);
  return { ...view, foundBy: foundBy as FoundBy, mergedNow: Number(a[VIEW_LENGTH + 1]) };
}
