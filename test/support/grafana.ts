/**
 * Test support: the PromQL queries of a Grafana dashboard, and the metric names a query reads.
 */

/** One query of a panel. */
export interface PanelQuery {
  panel: string;
  expr: string;
}

/** Every target's expression, of every panel, rows' nested panels included. */
export function dashboardQueries(dashboard: unknown): PanelQuery[] {
  const out: PanelQuery[] = [];
  const visit = (panels: unknown) => {
    if (!Array.isArray(panels)) return;
    for (const p of panels as { title?: string; type?: string; targets?: { expr?: unknown }[]; panels?: unknown }[]) {
      if (p.type !== "row") {
        if (!Array.isArray(p.targets) || p.targets.length === 0) throw new Error(`panel "${p.title}" has no query`);
        for (const t of p.targets) {
          if (typeof t.expr !== "string" || t.expr.trim() === "") throw new Error(`panel "${p.title}": empty query`);
          out.push({ panel: p.title ?? "", expr: t.expr });
        }
      }
      visit(p.panels);
    }
  };
  visit((dashboard as { panels?: unknown }).panels);
  return out;
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
]);

/**
 * The metric names of a PromQL expression: identifiers that are not a function call, a keyword, a label in a
 * matcher or a grouping, a string, a duration or a number.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names: string[] = [];
  for (const m of stripped.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const word = m[0];
    const after = stripped.slice((m.index ?? 0) + word.length).trimStart();
    if (after.startsWith("(") || KEYWORDS.has(word) || /^\d/.test(word)) continue;
    if (word === "e" || word === "Inf" || word === "NaN") continue;
    names.push(word);
  }
  return names;
}
