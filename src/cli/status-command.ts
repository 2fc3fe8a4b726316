/**
 * `floodgate status [--url URL] [--json]`: read `/status` of a running Floodgate and print the scan queue, the
 * mail flow, the alerts firing and the top campaigns. The exit code follows the Nagios plugin conventions, and the
 * first line of the text output is a Nagios status line with performance data.
 */
import type { HoldStatus, StatusDocument } from "../ops/status.js";

/** Where the command writes. */
export interface Output {
  write(text: string): unknown;
}

export interface StatusCommandOptions {
  /** The ops server's base URL (`http://127.0.0.1:9464`) or its `/status` URL. */
  url: string;
  /** Print the document as JSON instead of text. */
  json: boolean;
  /** @defaultValue 5000 */
  timeoutMs?: number;
}

/** Exit codes, Nagios style. */
export const STATUS_EXIT = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

/** Print the status; returns 0 ok, 1 warning, 2 critical alert firing, 3 unreachable or not a Floodgate. */
export async function statusCommand(options: StatusCommandOptions, out: Output): Promise<number> {
  const url = statusUrl(options.url);
  let doc: StatusDocument;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as Partial<StatusDocument>;
    if (body.service !== "floodgate" || !Array.isArray(body.alerts))
      throw new Error("the answer is not a Floodgate status");
    doc = body as StatusDocument;
  } catch (err) {
    const reason = (err as Error).name === "TimeoutError" ? "no answer in time" : describe(err);
    if (options.json) out.write(`${JSON.stringify({ error: `cannot read ${url}: ${reason}` })}\n`);
    else out.write(`FLOODGATE UNKNOWN - cannot read ${url}: ${reason}\n`);
    return STATUS_EXIT.unknown;
  }
  const code = exitCodeOf(doc);
  if (options.json) out.write(`${JSON.stringify(doc, null, 2)}\n`);
  else out.write(render(doc, code));
  return code;
}

/** The exit code a status document calls for. */
export function exitCodeOf(doc: StatusDocument): number {
  if (doc.alerts.some((a) => a.severity === "critical")) return STATUS_EXIT.critical;
  if (doc.alerts.length > 0 || Object.keys(doc.errors ?? {}).length > 0) return STATUS_EXIT.warning;
  return STATUS_EXIT.ok;
}

function statusUrl(base: string): string {
  const u = new URL(base);
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/status";
  return u.toString();
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

const WORD = ["OK", "WARNING", "CRITICAL", "UNKNOWN"];

function age(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "unknown";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const rate = (r: number | null | undefined) => (r === null || r === undefined ? "unknown" : `${r.toFixed(2)}/s`);

function render(doc: StatusDocument, code: number): string {
  const q = doc.queue;
  const lines: string[] = [];
  const headline = [
    q ? `backlog ${q.backlog}` : "queue unknown",
    q ? `oldest job ${age(q.oldestJobAgeSeconds)}` : null,
    `${doc.alerts.length} alert${doc.alerts.length === 1 ? "" : "s"} firing`,
  ].filter((x) => x !== null);
  const perf = [
    q ? `backlog=${q.backlog}` : null,
    q && q.oldestJobAgeSeconds !== null ? `oldest_job_age=${q.oldestJobAgeSeconds}s` : null,
    q && q.arrivalRate !== null ? `arrival_rate=${q.arrivalRate}` : null,
    q && q.completionRate !== null ? `completion_rate=${q.completionRate}` : null,
    `alerts=${doc.alerts.length}`,
  ].filter((x) => x !== null);
  lines.push(`FLOODGATE ${WORD[code]} - ${headline.join(", ")} | ${perf.join(" ")}`);
  lines.push(
    `instance ${doc.instance}, version ${doc.version}, up ${age(doc.uptimeSeconds)}, shadow ${doc.shadow === null ? "unknown" : doc.shadow ? "on" : "off"}`,
  );
  if (q) {
    const counts = Object.entries(q.counts)
      .map(([state, n]) => `${state} ${n}`)
      .join(", ");
    lines.push(
      `queue: backlog ${q.backlog}${counts ? ` (${counts})` : ""}, oldest waiting ${age(q.oldestJobAgeSeconds)}`,
    );
    lines.push(`rates: arrivals ${rate(q.arrivalRate)}, completions ${rate(q.completionRate)}`);
  }
  const f = doc.mailFlow;
  if (f) {
    const w = f.window;
    lines.push(
      `mail flow (last ${w.seconds} s): ${w.sessions} sessions, ${w.decided} messages: accept ${w.verdicts.accept}, ` +
        `continue ${w.verdicts.continue}, reject ${w.verdicts.reject}, tempfail ${w.verdicts.tempfail}, discard ${w.verdicts.discard}`,
    );
    lines.push(
      `last session ${age(f.secondsSinceSession)} ago, last accepted message ${age(f.secondsSinceAccepted)} ago`,
    );
  }
  lines.push(...healthLines(doc));
  if (doc.alerts.length > 0) {
    lines.push("alerts firing:");
    for (const a of doc.alerts) {
      const labels = Object.entries(a.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      const name = labels ? `${a.alertname}{${labels}}` : a.alertname;
      lines.push(`  ${a.severity.toUpperCase()} ${name} since ${new Date(a.since).toISOString()}: ${a.summary}`);
    }
  } else lines.push("alerts firing: none");
  if (doc.campaigns.length > 0) {
    lines.push("top campaigns:");
    for (const c of doc.campaigns.slice(0, 10)) {
      const extra = [
        c.recipients !== undefined ? `${c.recipients} recipients` : null,
        c.senders !== undefined ? `${c.senders} senders` : null,
        c.verdict ? `verdict ${c.verdict}` : null,
      ].filter((x) => x !== null);
      lines.push(`  ${c.id}: ${c.copies} copies${extra.length ? `, ${extra.join(", ")}` : ""}`);
    }
  }
  for (const [part, reason] of Object.entries(doc.errors ?? {})) lines.push(`unavailable: ${part}: ${reason}`);
  return `${lines.join("\n")}\n`;
}

const percentOf = (ratio: number) => `${Math.round(ratio * 100)}%`;
const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;

/** Redis, the fail modes, the MTA's queue and undelivered alerts, one line each (older daemons send none). */
function healthLines(doc: StatusDocument): string[] {
  const lines: string[] = [];
  const h = doc.health;
  if (h) {
    const r = h.redis;
    lines.push(
      r.reachable ? "redis: answers" : `redis: NOT ANSWERING for ${age(r.unreachableSeconds)} (${r.lastError ?? "?"})`,
    );
    const w = h.redisWrites;
    if (w?.refusing) lines.push(`redis: REFUSES WRITES for ${age(w.refusingSeconds)} (${w.lastError ?? w.reason})`);
    const m = h.redisMemory;
    if (m && m.ratio !== null)
      lines.push(`redis memory: ${percentOf(m.ratio)} of maxmemory (${mib(m.usedBytes)} of ${mib(m.maxBytes)})`);
    const f = h.failModes;
    if (f && f.total > 0) {
      const failed = Object.values(f.byKey).reduce((a, b) => a + b, 0);
      const reasons = Object.entries(f.byKey)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      lines.push(
        `fail modes (last ${age(f.seconds)}): ${failed} of ${f.total} messages${reasons ? ` (${reasons})` : ""}`,
      );
    }
    const q = h.mtaQueue;
    if (q) {
      const c = q.counts;
      lines.push(
        c
          ? `${q.mta} queue: deferred ${c.deferred}, active ${c.active}, hold ${c.hold}, incoming ${c.incoming}, oldest ${age(c.oldestAgeSeconds)}`
          : `${q.mta} queue: cannot be sampled (${q.lastError ?? "?"})`,
      );
    }
    if (h.lastReload && !h.lastReload.ok)
      lines.push(`last reload REFUSED: ${h.lastReload.errors.slice(0, 3).join("; ")}`);
  }
  if (doc.hold) lines.push(holdLine(doc.hold));
  const d = doc.delivery;
  if (d && d.pending > 0) {
    lines.push(`alert notifications undelivered: ${d.pending}, the oldest waiting ${age(d.oldestAgeSeconds)}`);
  }
  return lines;
}

/** The hold queue in one line: held now on this host, what became of held copies since the start, the helper. */
function holdLine(h: HoldStatus): string {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  const helper = h.helperError === null ? "helper answers" : `helper NOT ANSWERING (${h.helperError})`;
  return (
    `hold queue (${h.mode}) on ${h.host}: ${h.held} copies held; since start: held ${h.heldTotal}, ` +
    `acted on: ${list(h.outcomes)}; tempfailed instead: ${list(h.fallbacks)}; ${helper}`
  );
}
