/**
 * Environment overrides of the configuration file: a few named variables (`FLOODGATE_REDIS_URL`, `FLOODGATE_LISTEN`,
 * `FLOODGATE_SHADOW`, `FLOODGATE_LOG_LEVEL`, `FLOODGATE_METRICS_PORT`, `FLOODGATE_STATE_DIR`) and the generic `FLOODGATE__SECTION__KEY=value`
 * form, whose value is JSON when it parses as JSON and a string otherwise. Keys match the schema case-insensitively.
 */
import { configSchema } from "./schema.js";
import { closestKey, kindOf, shapeOf } from "./schema-walk.js";
import { formatPath, type ConfigError } from "./errors.js";
import { renamedPath, type Rename } from "./renames.js";

/** One value to set at a key path, and the variable it came from (and the old key name it used, if any). */
export interface EnvOverride {
  path: string[];
  value: unknown;
  source: string;
  renamed?: Rename;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

/** Named variables: the key each sets and how its text becomes a value. */
const NAMED: Record<string, { path: string[]; parse: (raw: string) => { value: unknown } | { error: ConfigError } }> = {
  FLOODGATE_REDIS_URL: { path: ["redis", "url"], parse: (raw) => ({ value: raw.trim() === "" ? null : raw.trim() }) },
  FLOODGATE_LISTEN: {
    path: ["milter", "listen"],
    parse: (raw) => ({
      value: raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    }),
  },
  FLOODGATE_SHADOW: {
    path: ["policy", "shadow"],
    parse: (raw) => {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return { value: true };
      if (FALSE.has(v)) return { value: false };
      return { error: { path: "policy.shadow", message: "must be a boolean (1, 0, true, false, yes, no, on, off)" } };
    },
  },
  FLOODGATE_LOG_LEVEL: { path: ["log", "level"], parse: (raw) => ({ value: raw.trim().toLowerCase() }) },
  FLOODGATE_STATE_DIR: { path: ["state", "dir"], parse: (raw) => ({ value: raw.trim() === "" ? null : raw.trim() }) },
  FLOODGATE_METRICS_PORT: {
    path: ["metrics", "port"],
    parse: (raw) => ({ value: /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw }),
  },
};

/** The names of the named override variables, for documentation and tests. */
export const NAMED_ENV_VARIABLES: readonly string[] = Object.keys(NAMED);

/** The overrides the environment asks for, generic ones first so the named ones win; and the variables refused. */
export function envOverrides(env: NodeJS.ProcessEnv): { overrides: EnvOverride[]; errors: ConfigError[] } {
  const overrides: EnvOverride[] = [];
  const errors: ConfigError[] = [];
  const names = Object.keys(env)
    .filter((n) => n.startsWith("FLOODGATE__"))
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const resolved = resolveGeneric(name);
    if ("message" in resolved) {
      errors.push({ ...resolved, source: name });
      continue;
    }
    const override = { path: resolved.path, value: genericValue(raw, resolved.kind), source: name };
    overrides.push(resolved.renamed ? { ...override, renamed: resolved.renamed } : override);
  }
  for (const [name, spec] of Object.entries(NAMED)) {
    const raw = env[name];
    if (raw === undefined) continue;
    const parsed = spec.parse(raw);
    if ("error" in parsed) errors.push({ ...parsed.error, source: name });
    else overrides.push({ path: spec.path, value: parsed.value, source: name });
  }
  return { overrides, errors };
}

function resolveGeneric(name: string): { path: string[]; kind: string; renamed: Rename | null } | ConfigError {
  const renamed = renamedPath(name.slice("FLOODGATE__".length).split("__"));
  const segments = renamed.path;
  const path: string[] = [];
  let schema: Parameters<typeof shapeOf>[0] = configSchema;
  for (const segment of segments) {
    const shape = shapeOf(schema);
    if (!shape) return { path: formatPath(path), message: `is not a section: ${segment} cannot be set under it` };
    const key = Object.keys(shape).find((k) => k.toLowerCase() === segment.toLowerCase());
    if (!key) {
      const hint = closestKey(segment, Object.keys(shape));
      return {
        path: formatPath([...path, segment.toLowerCase()]),
        message: `unknown key${hint ? ` (did you mean ${hint}?)` : ""}`,
      };
    }
    path.push(key);
    schema = shape[key]!;
  }
  if (path.length === 0) return { path: "", message: "names no key" };
  return { path, kind: kindOf(schema), renamed: renamed.rename };
}

function genericValue(raw: string, kind: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return raw;
  }
  if ((kind === "string" || kind === "enum") && typeof value !== "string") return raw;
  return value;
}

/** Set each override on a plain object tree (the parsed file), creating sections as needed. */
export function applyOverrides(
  tree: Record<string, unknown>,
  overrides: readonly EnvOverride[],
): { tree: Record<string, unknown>; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  for (const o of overrides) {
    let node: Record<string, unknown> = tree;
    let ok = true;
    for (let i = 0; i < o.path.length - 1; i++) {
      const key = o.path[i]!;
      const next = node[key];
      if (next === undefined || next === null) node[key] = {};
      else if (typeof next !== "object" || Array.isArray(next)) {
        errors.push({ path: formatPath(o.path.slice(0, i + 1)), message: "must be a section", source: o.source });
        ok = false;
        break;
      }
      node = node[key] as Record<string, unknown>;
    }
    if (ok) node[o.path[o.path.length - 1]!] = o.value;
  }
  return { tree, errors };
}
