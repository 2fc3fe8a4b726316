/**
 * What `floodgate bench` runs and what it measured: the options, each part's result, and the report written as JSON.
 */
import type { LoadResult } from "./load.js";
import type { MachineInfo } from "./machine.js";
import type { RatioRow } from "./report.js";
import type { Arrivals } from "./schedule.js";
import type { PathResult } from "./smtp-runs.js";
import type { SmtpFloodResult, SmtpSourceResult } from "./smtp-path.js";
import type { RealFlowReport } from "./real-flow.js";

export type { PathResult } from "./smtp-runs.js";

/** The scenarios `--scenario all` runs, in order. */
export const SCENARIOS = ["normal", "flood", "scanner-outage", "redis-outage"] as const;
/** One scenario. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** What `floodgate bench` runs, from its options. */
export interface BenchOptions {
  scenarios: readonly ScenarioName[];
  /** Seconds of arrivals per scenario. */
  durationSec: number;
  /** Normal traffic, messages/s (the flood adds 10× this). */
  rate: number;
  arrivals: Arrivals;
  /** Seconds of each closed-loop baseline. */
  baselineSec: number;
  /** Concurrent sessions of the milter baselines. */
  sessions: number;
  /** Sessions for spamass-milter (it takes ~0.1–0.5 s a message). */
  spamassSessions: number;
  /** smtp-source -m. */
  e2eMessages: number;
  /** The real-mail-flow comparison (real-flow.ts): distinct messages per run, rounds, warm-up messages, session counts,
   * profile. */
  flowMessages: number;
  flowRounds: number;
  flowWarmUp: number;
  flowSessions: number[];
  flowProfile: boolean;
  /** Run the peers (rspamd, spamass-milter). */
  peers: boolean;
  /** Run the Postfix parts. */
  e2e: boolean;
  /** Run the closed-loop milter baselines. */
  baselines: boolean;
  /** Where daemon logs and configs go. */
  dir: string;
  seed: number;
  /** A folder of ham messages or an mbox; with `spam`, instead of the SpamAssassin corpus. */
  ham?: string;
  /** A folder of spam messages or an mbox; the flood campaign is made from one of them. */
  spam?: string;
}

/** A closed-loop milter baseline. */
export interface BaselineResult {
  name: string;
  sessions: number;
  load: LoadResult | null;
  peakRssKb: number | null;
  /** CPU time of the milter's process tree per message answered, ms. */
  cpuMsPerMessage?: number | null;
  error?: string;
}

/** A Floodgate scenario. */
export interface ScenarioResult {
  name: ScenarioName;
  /** "floodgate" or, when `floodgate run` is not built, the TS engine with the no-op policy. */
  system: string;
  load: LoadResult | null;
  scanJobsQueued: number | null;
  scanJobsPer1000: number | null;
  peakRssKb: number | null;
  peakTreeRssKb: number | null;
  error?: string;
}

/** Everything a `floodgate bench` run measured: the JSON result. */
export interface BenchReport {
  kind: "floodgate-bench";
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  versions: Record<string, string | null>;
  options: Omit<BenchOptions, "dir">;
  baselines: BaselineResult[];
  scenarios: ScenarioResult[];
  smtpSource: Array<PathResult<SmtpSourceResult>>;
  smtpFlood: Array<PathResult<SmtpFloodResult>>;
  /** Distinct real messages through Postfix on every path (null when the SMTP path was not run). */
  realFlow: RealFlowReport | null;
  ratios: RatioRow[];
}
