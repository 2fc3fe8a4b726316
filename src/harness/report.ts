/**
 * Rendering benchmark results: plain-text tables for the terminal, the ratio table with PASS/FAIL floors, and a
 * self-contained HTML report with inline SVG charts (no script, no external file). Pure functions of the data.
 */

/** A cell: a number is formatted, null prints as "—", a string as is. */
export type Cell = string | number | null;

/** Format a number for a table: integers as is, others with up to `digits` decimals (fewer for big values). */
export function fmt(value: Cell, digits = 2): string {
  if (value === null) return "—";
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  const d = abs >= 1000 ? 0 : abs >= 100 ? 1 : digits;
  return value.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** A plain-text table with a header row and columns padded to width (number columns right-aligned). */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const cells = rows.map((r) => r.map((c) => fmt(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_, i) => rows.some((r) => typeof r[i] === "number"));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map((r) => line(r))].join("\n");
}

/** A ratio against a baseline with its floor. */
export interface RatioRow {
  name: string;
  numerator: number | null;
  denominator: number | null;
  /** The ratio must be at least this; null for a ratio shown for information only. */
  floor: number | null;
  /** Why there is no figure (a peer that did not run…). */
  note?: string;
}

/** PASS or FAIL against the floor; n/a when either side is missing; info when there is no floor. */
export function verdictOf(row: RatioRow): { ratio: number | null; verdict: "PASS" | "FAIL" | "n/a" | "info" } {
  if (row.numerator === null || row.denominator === null || !(row.denominator > 0))
    return { ratio: null, verdict: "n/a" };
  const ratio = row.numerator / row.denominator;
  if (row.floor === null) return { ratio, verdict: "info" };
  return { ratio, verdict: ratio >= row.floor ? "PASS" : "FAIL" };
}

/** The ratio table as text. */
export function ratioTable(rows: readonly RatioRow[]): string {
  return textTable(
    ["ratio", "value", "baseline", "ratio", "floor", "result", "note"],
    rows.map((r) => {
      const v = verdictOf(r);
      return [
        r.name,
        r.numerator,
        r.denominator,
        v.ratio === null ? null : `${fmt(v.ratio, 2)}×`,
        r.floor === null ? "—" : `≥ ${r.floor}×`,
        v.verdict,
        r.note ?? "",
      ];
    }),
  );
}

/** Escape text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One line of a chart. */
export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** An inline SVG line chart of several series sharing axes, with a legend; x in seconds. */
export function svgLineChart(
  title: string,
  yLabel: string,
  series: readonly Series[],
  options: { width?: number; height?: number; markers?: ReadonlyArray<{ x: number; label: string }> } = {},
): string {
  const width = options.width ?? 640;
  const height = options.height ?? 260;
  const m = { left: 60, right: 150, top: 28, bottom: 36 };
  const all = series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(1, ...all.map((p) => p[0])));
  const yMax = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const x = (v: number) => m.left + (v / xMax) * pw;
  const y = (v: number) => m.top + ph - (v / yMax) * ph;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${m.left}" y="16" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${m.left - 4}" y="${(y(v) + 4).toFixed(1)}" font-size="10" text-anchor="end">${fmt(v, 1)}</text>`,
    );
    const xv = (xMax * i) / 4;
    parts.push(
      `<text x="${x(xv).toFixed(1)}" y="${m.top + ph + 14}" font-size="10" text-anchor="middle">${fmt(xv, 1)}</text>`,
    );
  }
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 4}" font-size="11" text-anchor="middle">seconds</text>`);
  parts.push(
    `<text x="12" y="${m.top + ph / 2}" font-size="11" transform="rotate(-90 12 ${m.top + ph / 2})" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
  );
  for (const mark of options.markers ?? []) {
    parts.push(
      `<line x1="${x(mark.x).toFixed(1)}" x2="${x(mark.x).toFixed(1)}" y1="${m.top}" y2="${m.top + ph}" stroke="#888" stroke-dasharray="4 3"/>`,
    );
    parts.push(
      `<text x="${(x(mark.x) + 3).toFixed(1)}" y="${m.top + 10}" font-size="9" fill="#555">${escapeHtml(mark.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j === 0 ? "M" : "L"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    }
    const ly = m.top + 12 + i * 16;
    parts.push(`<rect x="${m.left + pw + 10}" y="${ly - 8}" width="10" height="10" fill="${colour}"/>`);
    parts.push(`<text x="${m.left + pw + 24}" y="${ly + 1}" font-size="10">${escapeHtml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** An inline SVG horizontal bar chart (verdict counts…). */
export function svgBarChart(
  title: string,
  bars: ReadonlyArray<{ label: string; value: number }>,
  options: { width?: number } = {},
): string {
  const width = options.width ?? 640;
  const rowH = 20;
  const left = 200;
  const height = 30 + bars.length * rowH;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="4" y="16" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const yy = 26 + i * rowH;
    const w = ((width - left - 70) * b.value) / max;
    parts.push(`<text x="${left - 6}" y="${yy + 12}" font-size="11" text-anchor="end">${escapeHtml(b.label)}</text>`);
    parts.push(
      `<rect x="${left}" y="${yy}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${COLOURS[i % COLOURS.length]}"/>`,
    );
    parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${yy + 12}" font-size="11">${fmt(b.value)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** A section of the HTML report: a heading, text tables (preformatted) and charts. */
export interface HtmlSection {
  title: string;
  text?: string;
  tables?: string[];
  charts?: string[];
}

/** The whole report page. */
export function renderHtml(title: string, subtitle: string, sections: readonly HtmlSection[]): string {
  const body = sections
    .map((s) =>
      [
        `<h2>${escapeHtml(s.title)}</h2>`,
        s.text ? `<p>${escapeHtml(s.text)}</p>` : "",
        ...(s.tables ?? []).map((t) => `<pre>${escapeHtml(t)}</pre>`),
        ...(s.charts ?? []).map((c) => `<div class="chart">${c}</div>`),
      ].join("\n"),
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}.chart{margin:.5em 0}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(subtitle)}</p>
${body}
</body></html>
`;
}
