/**
 * Durations as operators type them: `90s`, `30m`, `2h`, `7d`, `1w`, or a plain number of seconds.
 */

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Parse a duration into seconds; throws with the accepted forms on anything else (or on zero). */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i.exec(text.trim());
  const seconds = m ? Math.round(Number(m[1]) * (UNITS[(m[2] || "s").toLowerCase()] ?? NaN)) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`invalid duration "${text}": use a positive number with s, m, h, d or w (30m, 2h, 7d)`);
  }
  return seconds;
}

/** Format seconds the way parseDuration reads them, in the largest whole unit (`7d`, `90m`, `45s`). */
export function formatDuration(seconds: number): string {
  for (const unit of ["w", "d", "h", "m"] as const) {
    const size = UNITS[unit] as number;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
