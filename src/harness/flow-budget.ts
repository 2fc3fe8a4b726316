/**
 * What the floors of the real flow leave for Floodgate's own work once the design's crossings are paid: the
 * crossings-only path (the TypeScript engine, the fingerprint pool's hand-off of each message with a task that does
 * not read it, one Redis lookup) is what any build of this design costs before it fingerprints or stores anything.
 * Its rate and CPU against the floors' limits, in the same run, tell how much of each floor is left for the
 * fingerprint and the store, and Floodgate's figures above it how much they took.
 */
import { CROSSINGS_PATH, OFF_HOST_PATH, REFERENCE_PATH, type FlowPathName } from "./flow-path-names.js";

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
