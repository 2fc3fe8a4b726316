/**
 * `floodgate campaigns`, `floodgate block` and `floodgate unblock`: list the busiest campaigns, and block or
 * unblock one on every Floodgate sharing the Redis (the store's state is read at every observation).
 */
import { readFile } from "node:fs/promises";
import type { FingerprintOutcome } from "../fingerprint/types.js";
import type { CampaignStore, CampaignView } from "../reputation/types.js";
import { judgedBy } from "../policy/decide.js";
import { formatDuration } from "./duration.js";

/** Where a command writes. */
export interface Output {
  write(text: string): unknown;
}

/** The fingerprint pool as `block --like` uses it. */
export interface FingerprintSource {
  fingerprint(message: Buffer, options?: { signal?: AbortSignal }): Promise<FingerprintOutcome>;
}

/** Options of `floodgate campaigns`. */
export interface CampaignsOptions {
  /** Campaigns to list. @defaultValue 20 */
  limit: number;
  /** JSON (an array of campaign views) instead of a table. @defaultValue false */
  json: boolean;
}

/** What to block: a campaign id, or the campaign a message file matches (created from it when none does). */
export type BlockTarget = ({ id: string; likeFile?: undefined } | { likeFile: string; id?: undefined }) & {
  ttlSeconds: number;
};

/** Control characters (a subject may carry CR, LF or escapes) become spaces in the table. */
export const printable = (text: string) =>
  [...text]
    .map((ch) => (ch < " " || ch === "\x7f" ? " " : ch))
    .join("")
    .replace(/ {2,}/g, " ");

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z") : "-");

/** The scanner's last score over its threshold ("14.2/5"), or "-" when none scanned it. */
function scoreOf(c: CampaignView): string {
  if (!c.verdict) return "-";
  const score = Math.round(c.verdict.score * 10) / 10;
  return c.verdict.threshold === null ? String(score) : `${score}/${c.verdict.threshold}`;
}

/** The table `floodgate campaigns` prints: BY is who judged the campaign (a scanner, operator, pin, reporters, none). */
export function formatCampaignTable(campaigns: readonly CampaignView[]): string {
  const header = [
    "ID",
    "STATE",
    "BY",
    "SCORE",
    "COPIES",
    "RCPTS",
    "SENDERS",
    "IPS",
    "TOTAL",
    "MERGED",
    "FIRST SEEN",
    "LAST SEEN",
    "SUBJECT",
  ];
  const rows = campaigns.map((c) => [
    c.id,
    c.state,
    judgedBy(c),
    scoreOf(c),
    String(c.copies),
    String(c.recipients),
    String(c.senders),
    String(c.clientIps),
    String(c.totalCopies),
    String(c.merged),
    iso(c.firstSeen),
    iso(c.lastSeen),
    printable(c.subject).slice(0, 60),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** List the busiest campaigns now. Returns the exit code. */
export async function campaignsCommand(store: CampaignStore, out: Output, options: CampaignsOptions): Promise<number> {
  const limit = Number.isInteger(options.limit) && options.limit > 0 ? options.limit : NaN;
  if (Number.isNaN(limit)) throw new Error(`--limit must be a positive whole number, got ${options.limit}`);
  const campaigns = await store.top(limit);
  if (options.json) out.write(`${JSON.stringify(campaigns, null, 2)}\n`);
  else if (campaigns.length === 0) out.write("no campaigns\n");
  else out.write(formatCampaignTable(campaigns));
  return 0;
}

/**
 * Block a campaign for `ttlSeconds`: by id, or with `likeFile` the campaign the message matches (one is started
 * from the message, counted as one copy, when none matches). Returns the exit code; a missing id is an error.
 */
export async function blockCommand(
  store: CampaignStore,
  pool: FingerprintSource | null,
  target: BlockTarget,
  out: Output,
): Promise<number> {
  let id: string;
  let created = false;
  if (target.likeFile !== undefined) {
    if (!pool) throw new Error("block --like needs the fingerprint pool");
    const message = await readFile(target.likeFile);
    const outcome = await pool.fingerprint(message);
    if (outcome.status !== "ok") throw new Error(`cannot fingerprint ${target.likeFile}: ${outcome.reason}`);
    const matched = await store.match(outcome.fingerprint);
    if (matched) {
      id = matched.id;
    } else {
      const view = await store.observe({
        fingerprint: outcome.fingerprint,
        sender: "",
        recipients: [],
        clientIp: null,
      });
      id = view.id;
      created = view.created;
    }
  } else {
    id = target.id.trim().toLowerCase();
  }
  const blocked = await store.block(id, target.ttlSeconds);
  const until = new Date(Date.now() + target.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const note = created ? " (new)" : blocked !== id ? ` (${id} was merged into it)` : "";
  out.write(`blocked campaign ${blocked}${note} for ${formatDuration(target.ttlSeconds)}, until ${until}\n`);
  return 0;
}

/** Lift a block. Returns the exit code: 1 when the campaign does not exist. */
export async function unblockCommand(store: CampaignStore, id: string, out: Output): Promise<number> {
  const clean = id.trim().toLowerCase();
  const campaign = await store.get(clean);
  if (!campaign) {
    out.write(`no campaign ${clean}\n`);
    return 1;
  }
  const unblocked = await store.unblock(clean);
  const note = unblocked !== clean ? ` (${clean} was merged into it)` : "";
  out.write(
    campaign.blockedUntil === null
      ? `campaign ${unblocked} was not blocked${note}\n`
      : `unblocked campaign ${unblocked}${note}\n`,
  );
  return 0;
}
