/**
 * The report of a `floodgate bench` run: the text tables printed on the terminal and the HTML page with inline SVG
 * charts (throughput, latency percentiles and backlog over time, verdicts), from a BenchReport alone.
 */
import { formatMachine } from "./machine.js";
import {
  type Cell,
  ratioTable,
  renderHtml,
  svgBarChart,
  svgLineChart,
  textTable,
  type HtmlSection,
  type Series,
} from "./report.js";
import { flowText } from "./flow-report.js";
import type { BenchReport } from "./bench-report.js";

const mib = (kb: number | null | undefined) => (kb === null || kb === undefined ? null : Math.round(kb / 102.4) / 10);
const r0 = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v));
const r1 = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 10) / 10);

/** The text sections, in order: [title, table]. */
export function benchTables(report: BenchReport): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  baselineTables(report, out);
  scenarioTables(report, out);
  scenarioVerdictTables(report, out);
  endToEndTables(report, out);
  return out;
}

/** The row of a part that did not run. */
function missing(name: string, error: string | undefined, columns: number): Cell[] {
  return [name, ...Array<null>(columns - 2).fill(null), `did not run: ${error ?? "?"}`];
}

/** The milter baselines. */
function baselineTables(report: BenchReport, out: Array<[string, string]>): void {
  out.push([
    "Milter baselines (closed loop, same corpus messages; latencies in ms)",
    textTable(
      [
        "milter",
        "sessions",
        "msg/s",
        "eom p50",
        "eom p95",
        "eom p99",
        "eom max",
        "errors",
        "CPU ms/msg",
        "peak RSS MiB",
        "note",
      ],
      report.baselines.map((b) =>
        b.load
          ? [
              b.name,
              b.sessions,
              r0(b.load.messagesPerSecond),
              r1(b.load.eom.p50),
              r1(b.load.eom.p95),
              r1(b.load.eom.p99),
              r1(b.load.eom.max),
              b.load.tally.byOutcome.error,
              b.cpuMsPerMessage === undefined || b.cpuMsPerMessage === null
                ? null
                : Math.round(b.cpuMsPerMessage * 100) / 100,
              mib(b.peakRssKb),
              "",
            ]
          : [b.name, b.sessions, null, null, null, null, null, null, null, null, `did not run: ${b.error ?? "?"}`],
      ),
    ),
  ]);
}

/** The scenarios' throughput and latency. */
function scenarioTables(report: BenchReport, out: Array<[string, string]>): void {
  out.push([
    "Floodgate scenarios: throughput and latency (open loop; latency from the scheduled time, ms)",
    textTable(
      [
        "scenario",
        "offered/s",
        "msg/s",
        "p50",
        "p95",
        "p99",
        "max",
        "eom p50",
        "eom p99",
        "deadline misses",
        "fail-mode",
        "errors",
        "peak RSS MiB",
        "tree RSS MiB",
      ],
      report.scenarios.map((s) => {
        if (!s.load) return missing(s.name, s.error, 14);
        const l = s.load;
        const t = l.tally;
        return [
          s.name,
          r1(l.offeredRate),
          r1(l.messagesPerSecond),
          r1(l.latency.p50),
          r1(l.latency.p95),
          r1(l.latency.p99),
          r1(l.latency.max),
          r1(l.eom.p50),
          r1(l.eom.p99),
          t.deadlineMisses,
          t.failModeActivations,
          t.byOutcome.error,
          mib(s.peakRssKb),
          mib(s.peakTreeRssKb),
        ];
      }),
    ),
  ]);
}

/** The scenarios' verdicts and scans, and their details. */
function scenarioVerdictTables(report: BenchReport, out: Array<[string, string]>): void {
  out.push([
    "Floodgate scenarios: verdicts and scans",
    textTable(
      [
        "scenario",
        "messages",
        "pass",
        "tempfail",
        "reject",
        "ham held/rejected",
        "campaign copies",
        "passed before refusal",
        "passed before verdict",
        "scan jobs",
        "scan jobs/1000",
      ],
      report.scenarios.map((s) => {
        if (!s.load) return missing(s.name, s.error, 11);
        const t = s.load.tally;
        return [
          s.name,
          t.messages,
          t.byOutcome.pass,
          t.byOutcome.tempfail,
          t.byOutcome.reject,
          `${t.hamHeldOrRejected} of ${t.byKind.ham.messages}`,
          t.byKind.campaign.messages,
          t.campaignPassedBeforeFirstRefusal,
          t.campaignPassedBeforeVerdict,
          s.scanJobsQueued,
          r1(s.scanJobsPer1000),
        ];
      }),
    ),
  ]);
  const detail = report.scenarios
    .filter((s) => s.load)
    .map((s) => {
      const t = s.load!.tally;
      const status = Object.entries(t.byStatus)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      const reasons =
        Object.entries(t.failReasons)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ") || "none";
      const events =
        s
          .load!.events.map((e) => `${e.name}@${(e.atMs / 1000).toFixed(1)}s${e.error ? ` (${e.error})` : ""}`)
          .join(", ") || "none";
      const errors = t.errorSamples.length ? `; errors: ${t.errorSamples.join(" | ")}` : "";
      return `${s.name} [${s.system}]: status header ${status}; fail-mode reasons ${reasons}; events ${events}; scan jobs queued ${s.scanJobsQueued ?? "?"}${errors}`;
    })
    .join("\n");
  if (detail) out.push(["Scenario details", detail]);
}

/** The SMTP path through Postfix, and the ratios. */
function endToEndTables(report: BenchReport, out: Array<[string, string]>): void {
  if (report.smtpSource.length > 0)
    out.push([
      "End to end: smtp-source -s 20 -l 4096 through a private Postfix (median of the rounds)",
      textTable(
        ["path", "messages", "seconds", "msg/s", "each round", "exit", "warnings", "milter peak RSS MiB", "note"],
        report.smtpSource.map((p) =>
          p.result
            ? [
                p.name,
                p.result.messages,
                r1(p.result.elapsedMs / 1000),
                r0(p.result.messagesPerSecond),
                (p.rounds ?? []).map((r) => r0(r)).join(" / "),
                p.result.exitCode,
                p.result.warnings,
                mib(p.peakRssKb),
                p.result.stderrTail.split("\n")[0] ?? "",
              ]
            : [p.name, null, null, null, null, null, null, null, `did not run: ${p.error ?? "?"}`],
        ),
      ),
    ]);
  if (report.smtpFlood.length > 0)
    out.push([
      "The campaign flood through Postfix (20 SMTP sessions, closed loop; latency in ms)",
      textTable(
        ["path", "sent", "accepted", "tempfail", "reject", "errors", "replies/s", "p50", "p99", "note"],
        report.smtpFlood.map((p) =>
          p.result
            ? [
                p.name,
                p.result.sent,
                p.result.accepted,
                p.result.tempfailed,
                p.result.rejected,
                p.result.errors,
                r1(p.result.messagesPerSecond),
                r1(p.result.latency.p50),
                r1(p.result.latency.p99),
                p.result.errorSamples[0] ?? "",
              ]
            : [p.name, null, null, null, null, null, null, null, null, `did not run: ${p.error ?? "?"}`],
        ),
      ),
    ]);
  out.push(["Ratios against the baselines measured in this run", ratioTable(report.ratios)]);
}

/** The terminal report: machine, versions, every table. */
export function benchText(report: BenchReport): string {
  const versions = Object.entries(report.versions)
    .map(([k, v]) => `${k} ${v ?? "absent"}`)
    .join("; ");
  const head = `Floodgate bench ${report.startedAt} → ${report.finishedAt}\n${formatMachine(report.machine)}\n${versions}\nload average at start: ${report.machine.loadAverage ?? "?"}`;
  const tables = benchTables(report).map(([title, table]) => `${title}\n${table}`);
  return [head, ...tables, ...(report.realFlow ? [flowText(report.realFlow)] : [])].join("\n\n") + "\n";
}

/** The HTML page. */
export function benchHtml(report: BenchReport): string {
  const ran = report.scenarios.filter((s) => s.load);
  const throughput: Series[] = ran.map((s) => ({
    name: s.name,
    points: s.load!.timeline.map((p) => [p.t, p.completed] as const),
  }));
  const backlog: Series[] = ran.map((s) => ({
    name: s.name,
    points: s
      .load!.samples.filter((x) => typeof x.backlog === "number")
      .map((x) => [x.t, x.backlog as number] as const),
  }));
  const sections: HtmlSection[] = benchTables(report).map(([title, table]) => ({ title, tables: [table] }));
  sections.push({
    title: "Over time",
    charts: [
      svgLineChart("Throughput: messages answered per second", "msg/s", throughput),
      ...ran.map((s) =>
        svgLineChart(
          `Latency percentiles, ${s.name} (from the scheduled time)`,
          "ms",
          [
            { name: "p50", points: s.load!.timeline.map((p) => [p.t, p.p50] as const) },
            { name: "p99", points: s.load!.timeline.map((p) => [p.t, p.p99] as const) },
            { name: "max", points: s.load!.timeline.map((p) => [p.t, p.max] as const) },
          ],
          { markers: s.load!.events.map((e) => ({ x: e.atMs / 1000, label: e.name })) },
        ),
      ),
      svgLineChart("Scan queue backlog (from /status)", "jobs", backlog),
    ],
  });
  sections.push({
    title: "Verdicts",
    charts: ran.map((s) =>
      svgBarChart(`Verdicts, ${s.name}`, [
        ...Object.entries(s.load!.tally.byOutcome).map(([k, v]) => ({ label: `reply: ${k}`, value: v })),
        ...Object.entries(s.load!.tally.byStatus).map(([k, v]) => ({ label: `status: ${k}`, value: v })),
      ]),
    ),
  });
  const versions = Object.entries(report.versions)
    .map(([k, v]) => `${k} ${v ?? "absent"}`)
    .join("; ");
  return renderHtml(
    "Floodgate benchmark",
    `${formatMachine(report.machine)}; ${versions}; ${report.startedAt}`,
    sections,
  );
}
