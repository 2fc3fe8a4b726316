/**
 * What the floors of the real flow leave for Floodgate's own work once the design's crossings are paid: the
 * crossings-only path (the TypeScript engine, the fingerprint pool's hand-off of each message with a task that does
 * not read it, one Redis lookup) is what any build of this design costs before it fingerprints or stores anything.
 * Its rate and CPU against the floors' limits, in the same run, tell how much of each floor is left for the
 * fingerprint and the store, and Floodgate's figures above it how much they took.
 */
import {
  CROSSINGS_PATH,
  LEAST_WORK_PATH,
  OFF_HOST_PATH,
  REFERENCE_PATH,
  type FlowPathName,
} from "./flow-path-names.js";

/** The figures of a report row (./flow-report.ts's FlowRow) the budget reads. */
export interface BudgetRow {
  kind: string;
  sessions: number;
  path: FlowPathName;
  ofReference: number | null;
  cpuMs: Record<string, number>;
}

/** The floors' limits (issue 19): rate at least this share of the reference's, daemon CPU at most this multiple. */
export const RATE_FLOOR = 0.9;
export const CPU_CEILING = 2;

/** One session count's budget: the crossings' figures, what they leave, what Floodgate's work took above them. */
export interface FlowBudget {
  sessions: number;
  crossingsRate: number;
  crossingsCpuMs: number;
  /** The CPU the floor allows: CPU_CEILING × the reference's. */
  cpuLimitMs: number;
  /** Floodgate (scan workers off-host) above the crossings: its daemon's CPU, and its Redis's above theirs. */
  workCpuMs: number | null;
  workRedisMs: number | null;
}

/** The row of `path` in the distinct runs at `sessions`, if the report has one. */
export function distinctRow<R extends BudgetRow>(
  rows: readonly R[],
  sessions: number,
  path: FlowPathName,
): R | undefined {
  return rows.find((r) => r.kind === "distinct" && r.sessions === sessions && r.path === path);
}

/** The budgets of the distinct runs, one per session count with both the crossings' and the reference's rows. */
export function flowBudgets(rows: readonly BudgetRow[]): FlowBudget[] {
  const find = (sessions: number, path: FlowPathName) => distinctRow(rows, sessions, path);
  const budgets: FlowBudget[] = [];
  for (const sessions of [...new Set(rows.map((r) => r.sessions))]) {
    const [crossings, ref, fg] = [
      find(sessions, CROSSINGS_PATH),
      find(sessions, REFERENCE_PATH),
      find(sessions, OFF_HOST_PATH),
    ];
    const crossingsCpuMs = crossings?.cpuMs.milter;
    if (!crossings || crossings.ofReference === null || crossingsCpuMs === undefined || !ref?.cpuMs.milter) continue;
    const above = (part: string) => {
      const mine = fg?.cpuMs[part];
      return mine === undefined ? null : mine - (crossings.cpuMs[part] ?? 0);
    };
    budgets.push({
      sessions,
      crossingsRate: crossings.ofReference,
      crossingsCpuMs,
      cpuLimitMs: CPU_CEILING * ref.cpuMs.milter,
      workCpuMs: above("milter"),
      workRedisMs: above("redis"),
    });
  }
  return budgets;
}

const f = (n: number | null) => (n === null || !Number.isFinite(n) ? "–" : n.toFixed(2));

/** The budgets as report lines (none when the run had no crossings-only path). */
export function budgetText(rows: readonly BudgetRow[]): string[] {
  const budgets = flowBudgets(rows);
  if (budgets.length === 0) return [];
  const out = [
    "",
    `## What the floors leave after the design's crossings (distinct ham, ${CROSSINGS_PATH})`,
    "",
    "| sessions | crossings: of c-noop's rate | rate left to the floor | crossings: daemon CPU ms | CPU the floor allows, ms | CPU left, ms | floodgate's work above the crossings: daemon ms | its redis ms |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const b of budgets)
    out.push(
      `| ${b.sessions} | ${f(b.crossingsRate)} | ${f(b.crossingsRate - RATE_FLOOR)} | ${f(b.crossingsCpuMs)} | ` +
        `${f(b.cpuLimitMs)} | ${f(b.cpuLimitMs - b.crossingsCpuMs)} | ${f(b.workCpuMs)} | ${f(b.workRedisMs)} |`,
    );
  return out;
}

/**
 * The design's least work done in C (native/least-work-milter.c) beside Floodgate, per session count: each one's rate
 * of the reference's, its milter's CPU and that ÷ the reference's, and its Redis's CPU. Where the least work alone
 * misses a floor, no implementation of the design meets it on this machine in this run; where it meets it, the
 * margin is what the floors leave an implementation that fingerprints real mail and keeps a real store.
 */
export function leastWorkText(rows: readonly BudgetRow[]): string[] {
  const lines: string[] = [];
  let leastWorkRan = false;
  for (const sessions of [...new Set(rows.map((r) => r.sessions))]) {
    const ref = distinctRow(rows, sessions, REFERENCE_PATH);
    const refCpu = ref?.cpuMs.milter;
    if (!refCpu) continue;
    for (const path of [LEAST_WORK_PATH, OFF_HOST_PATH]) {
      const row = distinctRow(rows, sessions, path);
      if (!row) continue;
      leastWorkRan ||= path === LEAST_WORK_PATH;
      const cpu = row.cpuMs.milter ?? null;
      lines.push(
        `| ${sessions} | ${path} | ${f(row.ofReference)} | ${f(cpu)} | ${f(cpu === null ? null : cpu / refCpu)} | ` +
          `${f(row.cpuMs.redis ?? null)} |`,
      );
    }
  }
  if (!leastWorkRan) return [];
  return [
    "",
    `## The design's least work, in C, beside Floodgate (distinct ham; floors: rate ≥ ${RATE_FLOOR}, CPU ≤ ${CPU_CEILING}×)`,
    "",
    "| sessions | path | of c-noop's rate | milter CPU ms | ÷ c-noop's | its redis ms |",
    "|---|---|---|---|---|---|",
    ...lines,
  ];
}
