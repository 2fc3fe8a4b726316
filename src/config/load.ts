/**
 * Loading the configuration: one YAML file (or none: every default), then environment overrides, then the zod schema.
 * Every problem is reported at once with its key path and, for the file, its line; unknown keys are refused.
 */
import { readFileSync } from "node:fs";
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";
import { configSchema, type Config } from "./schema.js";
import { applyOverrides, envOverrides, type EnvOverride } from "./env.js";
import { applyRenames, pathAsWritten, renameWarning, type Rename } from "./renames.js";
import { formatPath, type ConfigError } from "./errors.js";
import { closestKey, schemaAt, shapeOf } from "./schema-walk.js";

export { formatConfigErrors, type ConfigError } from "./errors.js";

/**
 * A validated configuration with the warnings to log (old key names used), or every reason it is not one.
 */
export type LoadResult = { ok: true; config: Config; warnings: string[] } | { ok: false; errors: ConfigError[] };

/** Read, merge and validate: the file at `path` (null: no file), overridden by `env`. Never throws. */
export function loadConfig(path: string | null, env: NodeJS.ProcessEnv = process.env): LoadResult {
  if (path === null) return parseConfigText("", env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (err as Error).message;
    return { ok: false, errors: [{ path: "", message: `cannot read ${path}: ${reason}` }] };
  }
  return parseConfigText(text, env);
}

/** The same as `loadConfig` on the text of a file. */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = {}): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const errors: ConfigError[] = [];
  for (const e of doc.errors) {
    const line = e.linePos?.[0]?.line;
    const message = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    errors.push({ path: "", message: `YAML: ${message}`, ...(line ? { line } : {}) });
  }
  if (errors.length > 0) return { ok: false, errors };

  const raw: unknown = doc.toJS();
  let tree: Record<string, unknown>;
  if (raw === null || raw === undefined) tree = {};
  else if (typeof raw === "object" && !Array.isArray(raw)) tree = raw as Record<string, unknown>;
  else
    return {
      ok: false,
      errors: [{ path: "", message: "must be a mapping of sections (milter:, redis:, …)", line: 1 }],
    };

  const renames = applyRenames(tree);
  errors.push(...renames.errors);
  const fromEnv = envOverrides(env);
  errors.push(...fromEnv.errors);
  const warnings = [
    ...renames.used.map(renameWarning),
    ...fromEnv.overrides.flatMap((o) => (o.renamed ? [`${o.source}: ${renameWarning(o.renamed)}`] : [])),
  ];
  const applied = applyOverrides(tree, fromEnv.overrides);
  errors.push(...applied.errors);

  const parsed = configSchema.safeParse(applied.tree);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      errors.push(...describeIssue(issue, applied.tree, doc, lineCounter, fromEnv.overrides, renames.used));
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors: byLine(errors) };
  return { ok: true, config: parsed.data, warnings };
}

/** Errors from the environment first, then the file's in line order (a stable sort). */
function byLine(errors: ConfigError[]): ConfigError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.line ?? 0) - (b.e.line ?? 0) || a.i - b.i)
    .map(({ e }) => e);
}

type Issue = z.core.$ZodIssue;

function describeIssue(
  issue: Issue,
  input: unknown,
  doc: Document,
  lines: LineCounter,
  overrides: readonly EnvOverride[],
  renamed: readonly Rename[],
): ConfigError[] {
  const locate = (path: readonly PropertyKey[], keyOfPair = false): Pick<ConfigError, "line" | "source"> => {
    const env = overrides.find((o) => o.path.length <= path.length && o.path.every((p, i) => p === path[i]));
    if (env) return { source: env.source };
    const line = lineOf(doc, lines, pathAsWritten(path, renamed), keyOfPair);
    return line ? { line } : {};
  };
  const path = issue.path;
  if (issue.code === "unrecognized_keys") {
    const known = Object.keys(shapeOf(schemaAt(configSchema, path) ?? configSchema) ?? {});
    return issue.keys.map((key) => {
      const hint = closestKey(key, known);
      return {
        path: formatPath(pathAsWritten([...path, key], renamed)),
        message: `unknown key${hint ? ` (did you mean ${hint}?)` : ""}`,
        ...locate([...path, key], true),
      };
    });
  }
  const written = formatPath(pathAsWritten(path, renamed));
  return [{ path: written, message: messageOf(issue, valueAt(input, path)), ...locate(path) }];
}

function messageOf(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type": {
      if (value === undefined) return `is required (${article(issue.expected)})`;
      return `must be ${article(issue.expected)}, not ${describeValue(value)}`;
    }
    case "too_small": {
      const min = String(issue.minimum);
      if (issue.origin === "array" || issue.origin === "set")
        return `must have at least ${min} item${min === "1" ? "" : "s"}`;
      if (issue.origin === "string")
        return min === "1" ? "must not be empty" : `must be at least ${min} characters long`;
      return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case "too_big": {
      const max = String(issue.maximum);
      if (issue.origin === "array" || issue.origin === "set") return `must have at most ${max} items`;
      if (issue.origin === "string") return `must be at most ${max} characters long`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, not ${describeValue(value)}`;
    case "invalid_format":
      if (issue.message.startsWith("must")) return issue.message;
      return issue.format === "regex"
        ? `must match ${issue.pattern ?? "the expected form"}`
        : `must be a valid ${issue.format}`;
    case "invalid_union": {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options))
        return `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}, not ${describeValue(value)}`;
      return issue.message;
    }
    default:
      return issue.message;
  }
}

function article(type: string): string {
  const names: Record<string, string> = {
    int: "an integer",
    number: "a number",
    string: "a string",
    boolean: "a boolean (true or false)",
    array: "a list",
    object: "a mapping",
    record: "a mapping",
  };
  return names[type] ?? `a ${type}`;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

/** The line of the value at `path` in the YAML document (of its key with `keyOfPair`), or of its nearest parent. */
function lineOf(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
  keyOfPair: boolean,
): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = undefined;
  const lineAt = (n: unknown) => {
    const range = (n as Node | null)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === segment);
      if (!pair) return best;
      best = lineAt(pair.key) ?? best;
      if (keyOfPair && i === path.length - 1) return best;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
    } else return best;
    best = lineAt(node) ?? best;
  }
  return best;
}
