/**
 * The verdicts benchmark's text: what the floors run measured (refusals and holds on each pass, the scanner's own
 * judgement, the reports, Bayes), every round of the latency comparison with the medians and their ratios, and the
 * floors marked PASS/FAIL.
 */
import { formatMachine, type MachineInfo } from "./machine.js";
import { medianRun } from "./stats.js";
import type { LatencyRun, LatencySystem } from "./verdict-latency.js";
import type { PassCounts, VerdictFloorsReport } from "./verdict-floors.js";

/** Everything one `verdicts` run printed. */
export interface VerdictsBenchReport {
  kind: "floodgate-verdicts";
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  versions: Record<string, string | null>;
  floors: VerdictFloorsReport | null;
  floorsError?: string;
  latency: LatencyRun[];
  latencyError?: string;
}

/** One floor, met or not. */
export interface Floor {
  name: string;
  value: string;
  pass: boolean;
}

/** The second pass's refused share of campaign copies: at least this. */
export const REFUSED_FLOOR = 0.95;
/** The spamd runs' end-of-message p50 and p99 over the built-in rules' (medians of the rounds): at most this. */
export const LATENCY_RATIO_FLOOR = 1.1;

const pct = (n: number, of: number) => (of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`);
const ms = (n: number) => n.toFixed(2);

/** The medians of a system's rounds: end-of-message p50 and p99. */
export function latencyMedians(
  runs: readonly LatencyRun[],
  system: LatencySystem,
): { p50: number; p99: number } | null {
  const mine = runs.filter((r) => r.system === system);
  const p50 = medianRun(mine, (r) => r.load.eom.p50)?.load.eom.p50;
  const p99 = medianRun(mine, (r) => r.load.eom.p99)?.load.eom.p99;
  return p50 === undefined || p99 === undefined ? null : { p50, p99 };
}

/** The floors, from what ran (a part that did not run fails its floors). */
export function verdictFloors(report: VerdictsBenchReport): Floor[] {
  const out: Floor[] = [];
  const f = report.floors;
  if (f) {
    const c = f.pass2.copies;
    out.push({
      name: "second pass: campaign copies refused ≥ 95%",
      value: `${c.refused} of ${c.sent} (${pct(c.refused, c.sent)})`,
      pass: c.sent > 0 && c.refused / c.sent >= REFUSED_FLOOR,
    });
    const h = f.pass2.ham;
    out.push({
      name: "second pass: ham refused or held = 0",
      value: `${h.refused} refused, ${h.held} held, ${h.failed} failed of ${h.sent}`,
      pass: h.sent > 0 && h.refused + h.held + h.failed === 0,
    });
  } else out.push({ name: "verdict floors", value: report.floorsError ?? "did not run", pass: false });
  const spamd = latencyMedians(report.latency, "spamd");
  const builtin = latencyMedians(report.latency, "builtin");
  for (const p of ["p50", "p99"] as const) {
    const ratio = spamd && builtin && builtin[p] > 0 ? spamd[p] / builtin[p] : null;
    out.push({
      name: `flood: end-of-message ${p} with spamd ÷ built-in rules ≤ ${LATENCY_RATIO_FLOOR}`,
      value:
        ratio === null
          ? (report.latencyError ?? "did not run")
          : `${ms(spamd![p])} ÷ ${ms(builtin![p])} ms = ${ratio.toFixed(2)}`,
      pass: ratio !== null && ratio <= LATENCY_RATIO_FLOOR,
    });
  }
  return out;
}

function passRow(name: string, p: PassCounts): string[] {
  const c = p.copies;
  const h = p.ham;
  return [
    `| ${name}: campaign copies | ${c.sent} | ${c.refused} (${pct(c.refused, c.sent)}) | ${c.held} | ${c.accepted} | ${c.failed} | ${(p.elapsedMs / 1000).toFixed(0)} s |`,
    `| ${name}: ham | ${h.sent} | ${h.refused} | ${h.held} | ${h.accepted} | ${h.failed} | |`,
  ];
}

/** The whole report as text. */
export function verdictsText(report: VerdictsBenchReport): string {
  const lines: string[] = [
    `Verdicts an operator can trust, ${report.startedAt} – ${report.finishedAt}`,
    `machine: ${formatMachine(report.machine)}; load average at start ${report.machine.loadAverage ?? "?"}`,
    `versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v ?? "absent"}`)
      .join(", ")}`,
    "",
  ];
  const f = report.floors;
  if (f) {
    const o = f.options;
    lines.push(
      `## make run defaults (scanning with ${f.scanners}), through Postfix`,
      `${o.campaigns} campaigns × ${o.copies} copies from ${o.senders} senders each, ${o.ham} distinct ham, ` +
        `${o.sessions} SMTP sessions, seed ${o.seed}; sent, then one \`floodgate report spam\` of one copy per ` +
        `campaign, then sent again`,
      "",
      "| pass | sent | refused (5xx) | held (4xx) | accepted | failed | time |",
      "|---|---|---|---|---|---|---|",
      ...passRow("first", f.pass1),
      ...passRow("second", f.pass2),
      "",
      `Before the reports (scan backlog ${f.drained.pass1 ? "drained" : "NOT drained"}): the scanner alone had judged ` +
        `${f.scannerJudgedSpam} of ${o.campaigns} campaigns spam; verdicts: ` +
        Object.entries(f.verdictsBeforeReports)
          .map(([k, v]) => `${k} ${v}`)
          .join(", "),
      `The report: exit ${f.report.exitCode}, ${f.report.decided} of ${f.report.lines.length} lines "decided; state spam"` +
        (f.report.stderr ? `; stderr: ${f.report.stderr.trim().slice(0, 300)}` : ""),
      `Bayes: nspam ${f.bayes.nspam ?? "?"}, nham ${f.bayes.nham ?? "?"}: ${f.bayes.active ? "ACTIVE" : "not active"} ` +
        `(SpamAssassin needs 200 of each); campaigns whose last verdict names a BAYES_ rule: ` +
        `${f.bayes.verdictsWithBayesRules}${f.bayes.error ? `; ${f.bayes.error}` : ""}`,
    );
    const missed = Object.entries(f.pass2.copiesNotRefused);
    if (missed.length > 0) {
      lines.push(`Second pass, copies not refused per campaign: ${missed.map(([c, n]) => `#${c} ${n}`).join(", ")}`);
    }
    for (const [name, p] of [
      ["first", f.pass1],
      ["second", f.pass2],
    ] as const) {
      for (const h of p.hamNotAccepted.slice(0, 20)) {
        lines.push(`${name} pass, ham #${h.index} "${h.subject.slice(0, 60)}": ${h.code} ${h.text.split("\n")[0]}`);
      }
    }
    lines.push("");
  } else lines.push(`## verdict floors: did not run: ${report.floorsError ?? "?"}`, "");

  if (report.latency.length > 0) {
    lines.push(
      "## flood scenario: end of message with spamd and with the built-in rules (interleaved rounds)",
      "",
      "| round | system | scanners (priority) | load | messages | offered msg/s | EOM p50 ms | p95 | p99 | max | deadline misses | campaign copies refused | ham held/refused | scan jobs (not queued) | CPU s: daemon / scanning | run queue s: daemon / Redis | scanning processes |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const r of report.latency) {
      const t = r.load.tally;
      const e = r.load.eom;
      lines.push(
        `| ${r.round} | ${r.system} | ${r.scanners} (${r.priority}) | ${r.loadAverage.toFixed(1)} | ${t.messages} | ${(r.load.offeredRate ?? 0).toFixed(0)} | ` +
          `${ms(e.p50)} | ${ms(e.p95)} | ${ms(e.p99)} | ${ms(e.max)} | ${t.deadlineMisses} | ` +
          `${t.byKind.campaign.reject} of ${t.byKind.campaign.messages} | ${t.hamHeldOrRejected} | ${r.scanJobs ?? "?"} (${r.scanJobsShed ?? "?"}) | ` +
          `${r.cpuSeconds ? `${r.cpuSeconds.daemon.toFixed(2)} / ${r.cpuSeconds.scanning.toFixed(2)}` : "?"} | ` +
          `${r.runQueueSeconds ? `${r.runQueueSeconds.daemon.toFixed(2)} / ${r.runQueueSeconds.redis.toFixed(2)}` : "?"} | ` +
          `${r.scanningProcesses ?? "?"} |`,
      );
    }
    lines.push(...hamHeldLines(report.latency));
    lines.push("", ...perRoundRatios(report.latency, "spamd"));
    if (report.latency.some((r) => r.system === "spamd-unbudgeted"))
      lines.push(...perRoundRatios(report.latency, "spamd-unbudgeted"));
    lines.push("");
  } else if (report.latencyError) lines.push(`## flood latency: did not run: ${report.latencyError}`, "");

  lines.push("| floor | value | |", "|---|---|---|");
  for (const fl of verdictFloors(report)) lines.push(`| ${fl.name} | ${fl.value} | ${fl.pass ? "PASS" : "FAIL"} |`);
  return lines.join("\n") + "\n";
}

/** Each round's spamd run over its built-in run, p50 and p99: how far the rounds agree. */
/** The ham each run held or refused, with the status header it got. */
function hamHeldLines(runs: readonly LatencyRun[]): string[] {
  return runs.flatMap((r) =>
    r.load.tally.hamHeldSamples.map(
      (h) => `- round ${r.round}, ${r.system}: ham ${h.source} held or refused: ${h.status ?? "no status header"}`,
    ),
  );
}

function perRoundRatios(runs: readonly LatencyRun[], system: LatencySystem): string[] {
  const rounds = [...new Set(runs.map((r) => r.round))];
  const of = (p: "p50" | "p99") =>
    rounds.map((round) => {
      const spamd = runs.find((r) => r.round === round && r.system === system)?.load.eom[p];
      const builtin = runs.find((r) => r.round === round && r.system === "builtin")?.load.eom[p];
      return spamd !== undefined && builtin ? spamd / builtin : null;
    });
  const listed = (p: "p50" | "p99") =>
    of(p)
      .map((x) => (x === null ? "-" : x.toFixed(2)))
      .join(", ");
  const median = (p: "p50" | "p99") => {
    const xs = of(p)
      .filter((x): x is number => x !== null)
      .sort((a, b) => a - b);
    return xs.length === 0 ? "-" : ((xs[(xs.length - 1) >> 1]! + xs[xs.length >> 1]!) / 2).toFixed(2);
  };
  const medians = latencyMedians(runs, system);
  const builtin = latencyMedians(runs, "builtin");
  const ofMedians = (p: "p50" | "p99") =>
    medians && builtin ? `${ms(medians[p])} ÷ ${ms(builtin[p])} = ${(medians[p] / builtin[p]).toFixed(2)}` : "-";
  return [
    `Per round, ${system} ÷ built-in rules: p50 ${listed("p50")}; p99 ${listed("p99")}`,
    `Median of the per-round ratios: p50 ${median("p50")}, p99 ${median("p99")}; ` +
      `medians of the rounds: p50 ${ofMedians("p50")}, p99 ${ofMedians("p99")}`,
  ];
}
