/**
 * From the records of a run to its figures: verdict counts (from the responses and from the status header),
 * fail-mode activations, deadline misses, ham held or rejected, campaign copies let through before the first
 * refusal, and a per-second timeline. Pure functions: every rule here is a unit test.
 */
import type { TransactionResult } from "../client/milter-client.js";
import type { Modification } from "../vocabulary/modification.js";
import type { MessageKind } from "./messages.js";
import { summarize, type LatencySummary } from "./stats.js";

/** What the MTA would do with the message. */
export type Outcome = "pass" | "reject" | "tempfail" | "discard" | "error";

/** One message's record. Times in ms from the start of the run. */
export interface TransactionRecord {
  kind: MessageKind;
  /** Where the message came from (BenchMessage.source), to name the ham a run held. */
  source?: string;
  /** When it was due (open loop) or started (closed loop). */
  scheduledAt: number;
  finishedAt: number;
  outcome: Outcome;
  /** The status header's value, if the milter set one. */
  status: string | null;
  /** End of message to final reply, ms; null when the transaction ended earlier or failed. */
  eomMs: number | null;
  /** The error, when outcome is "error". */
  error?: string;
}

/** The outcome of a milter transaction: a replyCode counts by its SMTP class (4xx tempfail, 5xx reject). */
export function outcomeOf(result: TransactionResult): Outcome {
  const action = result.eom ? result.eom.action : (result.earlyExit ?? "continue");
  switch (action) {
    case "continue":
    case "accept":
    case "skip":
      return "pass";
    case "reject":
      return "reject";
    case "tempfail":
      return "tempfail";
    case "discard":
      return "discard";
    case "replyCode": {
      const text = result.eom?.reply ?? "";
      return text.startsWith("4") ? "tempfail" : text.startsWith("5") ? "reject" : "error";
    }
    default:
      return "error";
  }
}

/** The value the milter gave header `name` (added or changed; the last one wins), or null. */
export function statusHeaderOf(modifications: readonly Modification[], name: string): string | null {
  const lower = name.toLowerCase();
  let value: string | null = null;
  for (const m of modifications) {
    if (
      (m.kind === "addHeader" || m.kind === "insertHeader" || m.kind === "changeHeader") &&
      m.name.toLowerCase() === lower
    ) {
      if (m.value.trim() !== "") value = m.value.trim();
    }
  }
  return value;
}

/** The first word of a status value: `skipped; reason=pool-full` → `skipped`, `continue; new` → `continue`. */
export function statusWord(status: string): string {
  return status.trim().split(/[;\s]/, 1)[0]!.trim() || "unknown";
}

/** The status without its parameters, for counting: `continue; bulk`, `tempfail; bulk-hold`, `skipped`. */
export function statusKey(status: string): string {
  const parts = status.split(";").map((p) => p.trim());
  const second = parts[1];
  return second && !second.includes("=") ? `${parts[0]}; ${second}` : statusWord(status);
}

/** The fail-mode reasons of a `skipped; reason=a,b` status; none for any other status. */
export function skipReasons(status: string | null): string[] {
  if (!status || statusWord(status) !== "skipped") return [];
  const m = /reason=([^;\s]+)/.exec(status);
  return m ? m[1]!.split(",").filter(Boolean) : ["unknown"];
}

/** Counts over a run's records. */
export interface Tally {
  messages: number;
  byOutcome: Record<Outcome, number>;
  /** The status header without parameters (`continue; new`, `skipped`) → count ("none" when absent). */
  byStatus: Record<string, number>;
  failModeActivations: number;
  failReasons: Record<string, number>;
  /** EOM replies later than the deadline + 10 ms. */
  deadlineMisses: number;
  byKind: Record<MessageKind, { messages: number } & Record<Outcome, number>>;
  /** Ham tempfailed or rejected. */
  hamHeldOrRejected: number;
  /** The first ten of them: the message's source and the status header it got. */
  hamHeldSamples: Array<{ source: string; status: string | null }>;
  /** Campaign copies passed (in completion order) before the first campaign copy refused or held; all when none was. */
  campaignPassedBeforeFirstRefusal: number;
  /** Campaign copies passed in all. */
  campaignPassed: number;
  /** Campaign copies passed without a scan verdict behind them (status not `…; ham`): let through before the verdict. */
  campaignPassedBeforeVerdict: number;
  /** The first errors seen, for the report. */
  errorSamples: string[];
}

const zeroOutcomes = (): Record<Outcome, number> => ({ pass: 0, reject: 0, tempfail: 0, discard: 0, error: 0 });

/** Count a run's records; a deadline miss is an EOM reply slower than `eomDeadlineMs + 10`. */
export function tally(records: readonly TransactionRecord[], eomDeadlineMs: number): Tally {
  const t: Tally = {
    messages: records.length,
    byOutcome: zeroOutcomes(),
    byStatus: {},
    failModeActivations: 0,
    failReasons: {},
    deadlineMisses: 0,
    byKind: {
      ham: { messages: 0, ...zeroOutcomes() },
      spam: { messages: 0, ...zeroOutcomes() },
      campaign: { messages: 0, ...zeroOutcomes() },
    },
    hamHeldOrRejected: 0,
    hamHeldSamples: [],
    campaignPassedBeforeFirstRefusal: 0,
    campaignPassed: 0,
    campaignPassedBeforeVerdict: 0,
    errorSamples: [],
  };
  for (const r of records) {
    t.byOutcome[r.outcome]++;
    const word = r.status ? statusKey(r.status) : "none";
    t.byStatus[word] = (t.byStatus[word] ?? 0) + 1;
    const reasons = skipReasons(r.status);
    if (reasons.length > 0) t.failModeActivations++;
    for (const reason of reasons) t.failReasons[reason] = (t.failReasons[reason] ?? 0) + 1;
    if (r.eomMs !== null && r.eomMs > eomDeadlineMs + 10) t.deadlineMisses++;
    const k = t.byKind[r.kind];
    k.messages++;
    k[r.outcome]++;
    if (r.kind === "ham" && (r.outcome === "tempfail" || r.outcome === "reject")) {
      t.hamHeldOrRejected++;
      if (t.hamHeldSamples.length < 10) t.hamHeldSamples.push({ source: r.source ?? "?", status: r.status });
    }
    if (r.error && t.errorSamples.length < 5 && !t.errorSamples.includes(r.error)) t.errorSamples.push(r.error);
  }
  const campaign = records.filter((r) => r.kind === "campaign").sort((a, b) => a.finishedAt - b.finishedAt);
  t.campaignPassed = campaign.filter((r) => r.outcome === "pass").length;
  t.campaignPassedBeforeVerdict = campaign.filter(
    (r) => r.outcome === "pass" && !/;\s*ham\b/.test(r.status ?? ""),
  ).length;
  const firstRefusal = campaign.findIndex(
    (r) => r.outcome === "reject" || r.outcome === "tempfail" || r.outcome === "discard",
  );
  const before = firstRefusal < 0 ? campaign : campaign.slice(0, firstRefusal);
  t.campaignPassedBeforeFirstRefusal = before.filter((r) => r.outcome === "pass").length;
  return t;
}

/** One second of a run, by completion time. */
export interface TimelinePoint {
  /** Seconds from the start (the bucket's start). */
  t: number;
  completed: number;
  /** Latency from the scheduled time to the final reply, of the messages completed in this second. */
  p50: number;
  p99: number;
  max: number;
  refused: number;
  errors: number;
}

/** Per-second buckets of completions, from 0 to the last completion. */
export function timeline(records: readonly TransactionRecord[], bucketMs = 1000): TimelinePoint[] {
  if (records.length === 0) return [];
  const last = Math.max(...records.map((r) => r.finishedAt));
  const n = Math.floor(last / bucketMs) + 1;
  const buckets: TransactionRecord[][] = Array.from({ length: n }, () => []);
  for (const r of records) buckets[Math.max(0, Math.floor(r.finishedAt / bucketMs))]!.push(r);
  return buckets.map((b, i) => {
    const s: LatencySummary = summarize(b.map((r) => r.finishedAt - r.scheduledAt));
    return {
      t: (i * bucketMs) / 1000,
      completed: b.length,
      p50: s.p50,
      p99: s.p99,
      max: s.max,
      refused: b.filter((r) => r.outcome === "reject" || r.outcome === "tempfail").length,
      errors: b.filter((r) => r.outcome === "error").length,
    };
  });
}
