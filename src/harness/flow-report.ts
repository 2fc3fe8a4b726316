/**
 * The real-mail-flow comparison's figures: per kind of run, session count and path, the median of the rounds (every
 * round beside it), the ratios to Postfix alone and to the C no-op reading the message, the CPU per message of each
 * part, the floors, and the main thread's profile; as text for the terminal and benchmarks/README.md.
 */
import { budgetText, CPU_CEILING, distinctRow, leastWorkText, RATE_FLOOR } from "./flow-budget.js";
import { formatMachine } from "./machine.js";
import type { FlowKind } from "./flow-messages.js";
import { FLOW_PATHS, OFF_HOST_PATH, REFERENCE_PATH, SCANS_SETTLE_MS, type FlowPathName } from "./flow-path-names.js";
import type { FlowMeasurement, RealFlowReport } from "./real-flow.js";

/** One path in one kind of run at one session count, over its rounds. */
export interface FlowRow {
  kind: FlowKind;
  sessions: number;
  path: FlowPathName;
  /** msg/s and p50 (ms) of every round, in order. */
  mps: number[];
  p50: number[];
  mpsMedian: number;
  p50Median: number;
  p99Median: number;
  ofPostfix: number | null;
  ofReference: number | null;
  /** p50 over the reference's, ms. */
  addedP50: number | null;
  /** Median CPU per message by part, ms. */
  cpuMs: Record<string, number>;
  scanJobs: number | null;
  /**
   * The scan worker processes' and the scanner's CPU over a run per scan job queued in it, ms (their idle time
   * included: the scans were waited for before the run ended), the median of the rounds that queued any; null without.
   */
  scanCpuPerScanMs: number | null;
  outcomes: { accepted: number; tempfailed: number; rejected: number; errors: number };
  /** Floodgate's answers by kind of status over the rounds, from its log; null for the other milters. */
  answers: Record<string, number> | null;
  /** The rounds after which its scans were still running when the next path's round began. */
  scansUnsettledRounds: number[];
}

/** A floor and whether it held. */
export interface FlowFloor {
  name: string;
  value: number | null;
  limit: number;
  atMost: boolean;
  pass: boolean;
}

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The rows, grouped and in order: kind, then session count as given, then path. */
export function flowRows(report: RealFlowReport): FlowRow[] {
  const rows: FlowRow[] = [];
  for (const kind of ["distinct", "mix"] as const) {
    for (const sessions of report.options.sessions) {
      const of = (path: FlowPathName) =>
        report.measurements.filter((m) => m.kind === kind && m.sessions === sessions && m.path === path);
      const base = median(of("postfix alone").map((m) => m.result.messagesPerSecond));
      const ref = of(REFERENCE_PATH);
      const refMps = median(ref.map((m) => m.result.messagesPerSecond));
      const refP50 = median(ref.map((m) => m.result.latency.p50));
      for (const path of FLOW_PATHS) {
        const ms = of(path);
        if (ms.length > 0) rows.push(row(kind, sessions, path, ms, base, refMps, refP50));
      }
    }
  }
  return rows;
}

function row(
  kind: FlowKind,
  sessions: number,
  path: FlowPathName,
  ms: FlowMeasurement[],
  base: number,
  refMps: number,
  refP50: number,
): FlowRow {
  const mps = ms.map((m) => m.result.messagesPerSecond);
  const p50 = ms.map((m) => m.result.latency.p50);
  const mpsMedian = median(mps);
  const p50Median = median(p50);
  const parts = [...new Set(ms.flatMap((m) => Object.keys(m.cpuMs)))];
  const sum = (k: "accepted" | "tempfailed" | "rejected" | "errors") => ms.reduce((a, m) => a + m.result[k], 0);
  const jobs = ms.map((m) => m.scanJobs).filter((j): j is number => j !== null);
  return {
    kind,
    sessions,
    path,
    mps,
    p50,
    mpsMedian,
    p50Median,
    p99Median: median(ms.map((m) => m.result.latency.p99)),
    ofPostfix: Number.isFinite(base) ? mpsMedian / base : null,
    ofReference: Number.isFinite(refMps) ? mpsMedian / refMps : null,
    addedP50: Number.isFinite(refP50) ? p50Median - refP50 : null,
    // A round with no figure for a part (a process that started during it) is left out of that part's median, not
    // counted as free.
    cpuMs: Object.fromEntries(
      parts.map((k) => [k, median(ms.flatMap((m) => (m.cpuMs[k] === undefined ? [] : [m.cpuMs[k]])))]),
    ),
    scanJobs: jobs.length ? median(jobs) : null,
    scanCpuPerScanMs: scanCpuPerScan(ms),
    outcomes: {
      accepted: sum("accepted"),
      tempfailed: sum("tempfailed"),
      rejected: sum("rejected"),
      errors: sum("errors"),
    },
    answers: sumAnswers(ms),
    // Reports written before the field existed waited for their scans the same way, but did not say.
    scansUnsettledRounds: ms.filter((m) => m.scansSettled === false).map((m) => m.round),
  };
}

/** FlowRow.scanCpuPerScanMs: the rounds' scan workers' and scanner's CPU, per message times answers, per scan. */
function scanCpuPerScan(ms: readonly FlowMeasurement[]): number | null {
  const perScan = ms.flatMap((m) => {
    if (!m.scanJobs || m.cpuMs.scanWorker === undefined) return [];
    const answered = m.result.sent - m.result.errors;
    return [((m.cpuMs.scanWorker + (m.cpuMs.scanner ?? 0)) * answered) / m.scanJobs];
  });
  return perScan.length ? median(perScan) : null;
}

/** The rounds' answers by kind of status added up, most frequent first; null when no round has them. */
function sumAnswers(ms: readonly FlowMeasurement[]): Record<string, number> | null {
  const logged = ms.map((m) => m.answers).filter((a): a is Record<string, number> => a !== null);
  if (logged.length === 0) return null;
  const total: Record<string, number> = {};
  for (const answers of logged)
    for (const [status, n] of Object.entries(answers)) total[status] = (total[status] ?? 0) + n;
  return Object.fromEntries(Object.entries(total).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** The floors, on the distinct runs. */
export function flowFloors(rows: readonly FlowRow[]): FlowFloor[] {
  const find = (sessions: number, path: FlowPathName) => distinctRow(rows, sessions, path);
  const floors: FlowFloor[] = [];
  const check = (name: string, value: number | null | undefined, limit: number, atMost = false) =>
    floors.push({
      name,
      value: value ?? null,
      limit,
      atMost,
      pass: value !== null && value !== undefined && (atMost ? value <= limit : value >= limit),
    });
  const sessions = [...new Set(rows.map((r) => r.sessions))];
  for (const s of sessions) {
    const fg = find(s, OFF_HOST_PATH);
    const ref = find(s, REFERENCE_PATH);
    check(
      `msg/s, floodgate (scan workers off-host) ÷ c-noop reading the message, ${s} session(s)`,
      fg?.ofReference,
      RATE_FLOOR,
    );
    const cpu = fg && ref && ref.cpuMs.milter ? fg.cpuMs.milter! / ref.cpuMs.milter : null;
    check(`daemon CPU per message (all threads) ÷ the c-noop's, ${s} session(s)`, cpu, CPU_CEILING, true);
  }
  const one = Math.min(...sessions);
  check(
    `added p50 over c-noop reading the message, ${one} session(s), ms`,
    find(one, OFF_HOST_PATH)?.addedP50,
    1.5,
    true,
  );
  return floors;
}

const f = (n: number | null | undefined, digits = 2) =>
  n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits);
const CPU_PARTS: Array<[string, string]> = [
  ["milter", "milter process"],
  ["main", "main thread"],
  ["fingerprint", "fingerprint threads"],
  ["libmilter", "libmilter threads"],
  ["others", "other threads"],
  ["scanWorker", "scan worker"],
  ["scanner", "scanner (spamd)"],
  ["redis", "redis"],
  ["postfix", "postfix"],
  ["client", "client"],
];

/** Which clock each CPU figure came from: a control group's (µs) or /proc's ticks (10 ms, each reading rounded). */
function cpuClockLine(report: RealFlowReport): string {
  const counted = Object.entries(report.groupCounted).filter(([, parts]) => parts.length > 0);
  const threads = "CPU: threads by the scheduler's count (ns); processes";
  if (counted.length === 0) return `${threads} by /proc's clock ticks (10 ms)`;
  const groups = counted.map(([path, parts]) => `${path}: ${parts.join(", ")}`).join("; ");
  return `${threads} by a control group each (µs): ${groups}; any other by /proc's clock ticks (10 ms)`;
}

/** The report as text: machine, every table, the floors, the profile. */
export function flowText(report: RealFlowReport): string {
  const rows = flowRows(report);
  const out: string[] = [];
  const { options: o } = report;
  out.push(`Real mail flow through Postfix, ${report.startedAt} – ${report.finishedAt}`);
  out.push(`machine: ${formatMachine(report.machine)}; load average at start ${report.machine.loadAverage ?? "?"}`);
  out.push(
    `versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v ?? "absent"}`)
      .join(", ")}`,
  );
  out.push(
    `${o.perRun} messages a run, each once; ${o.rounds} interleaved rounds; sessions ${o.sessions.join(", ")}; ` +
      `${o.warmUp ?? "?"} warm-up messages each path (unmeasured rounds through its Postfix)`,
  );
  out.push(cpuClockLine(report));
  for (const fail of report.failed) out.push(`NOT RUN ${fail.path}: ${fail.error}`);
  for (const kind of ["distinct", "mix"] as const) {
    for (const s of o.sessions) {
      const group = rows.filter((r) => r.kind === kind && r.sessions === s);
      if (group.length === 0) continue;
      const copies = report.measurements.find((m) => m.kind === kind)?.campaignCopies ?? 0;
      out.push(
        "",
        `## ${kind === "distinct" ? "distinct ham" : `mix (${copies} campaign copies a run)`}, ${s} session(s)`,
      );
      out.push(
        "| path | msg/s (rounds) | of postfix alone | of c-noop reading | p50 ms (rounds) | +p50 ms | p99 ms | accepted/tempfail/reject/error |",
      );
      out.push("|---|---|---|---|---|---|---|---|");
      for (const r of group) {
        const o2 = r.outcomes;
        out.push(
          `| ${r.path} | ${f(r.mpsMedian, 1)} (${r.mps.map((x) => f(x, 1)).join(", ")}) | ${f(r.ofPostfix)} | ${f(r.ofReference)} | ` +
            `${f(r.p50Median)} (${r.p50.map((x) => f(x)).join(", ")}) | ${f(r.addedP50)} | ${f(r.p99Median)} | ` +
            `${o2.accepted}/${o2.tempfailed}/${o2.rejected}/${o2.errors} |`,
        );
      }
      const answered = group.filter((r) => r.answers !== null);
      if (answered.length > 0) {
        out.push("", "Floodgate's answers by kind of status, scores left out (its log, the rounds together):", "");
        for (const r of answered) {
          const statuses = Object.entries(r.answers!).map(([status, n]) => `${status} ${n}`);
          out.push(`- ${r.path}: ${statuses.length ? statuses.join(", ") : "no message lines logged"}`);
        }
      }
      for (const r of group.filter((g) => g.scansUnsettledRounds.length > 0))
        out.push(
          "",
          `${r.path}: its scans were still running ${SCANS_SETTLE_MS / 1000} s after round(s) ` +
            `${r.scansUnsettledRounds.join(", ")}, and went on beside the next paths' rounds, which they disturb.`,
        );
      out.push("", "CPU per message, ms (median of the rounds); the last column per scan queued in the run:", "");
      out.push(`| path | ${CPU_PARTS.map(([, l]) => l).join(" | ")} | scan jobs a run | scans' CPU a scan |`);
      out.push(`|---|${CPU_PARTS.map(() => "---").join("|")}|---|---|`);
      for (const r of group) {
        const parts = CPU_PARTS.map(([k]) => f(r.cpuMs[k])).join(" | ");
        out.push(`| ${r.path} | ${parts} | ${r.scanJobs ?? "–"} | ${f(r.scanCpuPerScanMs)} |`);
      }
    }
  }
  out.push("", "## Floors (distinct ham)", "");
  for (const fl of flowFloors(rows))
    out.push(`${fl.pass ? "PASS" : "FAIL"} ${fl.name}: ${f(fl.value)} (${fl.atMost ? "≤" : "≥"} ${fl.limit})`);
  out.push(...budgetText(rows));
  out.push(...leastWorkText(rows));
  out.push(...profileText(report));
  return out.join("\n") + "\n";
}

function profileText(report: RealFlowReport): string[] {
  const p = report.profile;
  if (!p) return report.profileError ? ["", `profile: not taken (${report.profileError})`] : [];
  const out = ["", `## Main thread of ${OFF_HOST_PATH}, one session, ${p.messages} distinct messages (--cpu-prof)`, ""];
  out.push(`busy ${f(p.busyUsPerMessage, 0)} µs per message (sampled, not idle)`, "");
  out.push("| place | µs per message | share |", "|---|---|---|");
  for (const l of p.byPlace) out.push(`| ${l.name} | ${f(l.usPerMessage, 0)} | ${f(l.share * 100, 1)} % |`);
  out.push("", "| function (self time) | µs per message | share |", "|---|---|---|");
  for (const l of p.byFunction) out.push(`| ${l.name} | ${f(l.usPerMessage, 0)} | ${f(l.share * 100, 1)} % |`);
  return out;
}
