/**
 * Configuration errors: one shape for YAML syntax errors, environment overrides and schema violations, each with the
 * key path it concerns (`milter.listen[0]`), and the text `floodgate check-config` and the reload log print.
 */

/** One problem found in a configuration, with the key it concerns. */
export interface ConfigError {
  /** The key path, such as `milter.listen[0]`; empty for the whole file. */
  path: string;
  /** What is wrong, phrased as what the value must be. */
  message: string;
  /** The 1-based line in the YAML file, when the problem is in the file. */
  line?: number;
  /** Where the value came from when not from the file: an environment variable's name. */
  source?: string;
}

/** `["milter", "listen", 0]` → `milter.listen[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** One line per error: `path (line N): message`, or `path (from ENV): message`. */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return errors
    .map((e) => {
      const where = [e.line !== undefined ? `line ${e.line}` : null, e.source ? `from ${e.source}` : null]
        .filter((x) => x !== null)
        .join(", ");
      if (e.path === "") return `${where ? `${where}: ` : ""}${e.message}`;
      return `${e.path}${where ? ` (${where})` : ""}: ${e.message}`;
    })
    .join("\n");
}
