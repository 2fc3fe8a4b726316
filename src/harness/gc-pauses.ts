/**
 * The daemon's main-thread garbage collection between two /metrics scrapes, read from prom-client's default
 * `floodgate_nodejs_gc_duration_seconds{kind}` histogram (its bounds: 1 ms, 10 ms, 100 ms, 1 s, 2 s, 5 s): the
 * pauses by kind, their time, and how many lasted over 10 ms. A latency benchmark prints it beside its p99: every
 * reply waits out a pause of the thread that writes it, so a round's tail is read with its pauses.
 */

/** prom-client's default GC histogram, as the daemon exports it. */
export const DAEMON_GC_HISTOGRAM = "floodgate_nodejs_gc_duration_seconds";

/** The pauses between two scrapes. */
export interface GcPauses {
  /** Pauses by kind (minor, major, incremental, weakcb), only the kinds that paused. */
  byKind: Map<string, number>;
  pauses: number;
  totalMs: number;
  /** Pauses over 10 ms (the histogram's bound nearest the p99 floors' scale). */
  over10Ms: number;
}

/** One scrape's count, sum (s) and count at or under 10 ms, per kind. */
type Scrape = Map<string, { count: number; sum: number; upTo10Ms: number }>;

const SAMPLE = /^([a-z_]+)_(bucket|sum|count)\{([^}]*)\} (\S+)$/;

/** `le="0.01",kind="minor"` → its labels (prom-client's values here hold no comma or quote). */
function labelsOf(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) labels.set(pair.slice(0, eq), pair.slice(eq + 1).replaceAll('"', ""));
  }
  return labels;
}

function scrape(text: string, name: string): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = labelsOf(m[3]!);
    const kind = labels.get("kind") ?? "";
    const entry = out.get(kind) ?? { count: 0, sum: 0, upTo10Ms: 0 };
    const value = Number(m[4]);
    if (m[2] === "count") entry.count = value;
    else if (m[2] === "sum") entry.sum = value;
    else if (labels.get("le") !== undefined && Number(labels.get("le")) === 0.01) entry.upTo10Ms = value;
    out.set(kind, entry);
  }
  return out;
}

/** The pauses made between the scrapes `before` and `after` (Prometheus text of the daemon's /metrics). */
export function gcPauses(before: string, after: string, name = DAEMON_GC_HISTOGRAM): GcPauses {
  const b = scrape(before, name);
  const a = scrape(after, name);
  const result: GcPauses = { byKind: new Map(), pauses: 0, totalMs: 0, over10Ms: 0 };
  for (const [kind, now] of a) {
    const was = b.get(kind) ?? { count: 0, sum: 0, upTo10Ms: 0 };
    const pauses = now.count - was.count;
    if (pauses <= 0) continue;
    result.byKind.set(kind, pauses);
    result.pauses += pauses;
    result.totalMs += (now.sum - was.sum) * 1000;
    result.over10Ms += pauses - (now.upTo10Ms - was.upTo10Ms);
  }
  return result;
}

/** The pauses as a report line: `45 pauses (minor 40, major 5), 180.2 ms in all, 6 over 10 ms`. */
export function gcPausesText(p: GcPauses): string {
  const kinds = [...p.byKind].map(([kind, n]) => `${kind} ${n}`).join(", ");
  return `${p.pauses} pauses${kinds ? ` (${kinds})` : ""}, ${p.totalMs.toFixed(1)} ms in all, ${p.over10Ms} over 10 ms`;
}
