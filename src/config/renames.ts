/**
 * Configuration keys that were renamed. An old name still works: its value moves to the new key before validation and
 * a warning says so at start and at each reload; setting both is an error. The README lists the renames.
 */
import type { ConfigError } from "./errors.js";

/** A key (or a whole section) and its new name. */
export interface Rename {
  from: readonly string[];
  to: readonly string[];
}

/** Every rename, oldest first. */
export const RENAMES: readonly Rename[] = [
  // Two fail modes had one name: the engine's (a stage's deadline) and the policy's (a dependency down or slow).
  { from: ["milter", "failMode"], to: ["milter", "deadlineFailMode"] },
  { from: ["policy", "failMode"], to: ["policy", "dependencyFailMode"] },
  // "worker" alone says nothing: these are the heavy-scan worker processes.
  { from: ["worker"], to: ["scanWorker"] },
];

const dotted = (path: readonly string[]) => path.join(".");

/** The warning for a configuration that used an old name. */
export function renameWarning(rename: Rename): string {
  return `configuration key ${dotted(rename.from)} is now ${dotted(rename.to)}; the old name still works`;
}

/** Move every old key of `tree` (the parsed file) to its new name; the renames used and the conflicts found. */
export function applyRenames(tree: Record<string, unknown>): { used: Rename[]; errors: ConfigError[] } {
  const used: Rename[] = [];
  const errors: ConfigError[] = [];
  for (const rename of RENAMES) {
    const from = parentOf(tree, rename.from);
    const key = rename.from[rename.from.length - 1]!;
    if (!from || !(key in from)) continue;
    const to = parentOf(tree, rename.to, true);
    if (!to) continue;
    const newKey = rename.to[rename.to.length - 1]!;
    if (newKey in to) {
      errors.push({ path: dotted(rename.from), message: `is the old name of ${dotted(rename.to)}: set only one` });
      delete from[key];
      continue;
    }
    to[newKey] = from[key];
    delete from[key];
    used.push(rename);
  }
  return { used, errors };
}

/** A key path as the file wrote it: a new name the file set under its old name is given back its old name. */
export function pathAsWritten(path: readonly PropertyKey[], used: readonly Rename[]): PropertyKey[] {
  for (const rename of used) {
    if (rename.to.every((p, i) => path[i] === p)) return [...rename.from, ...path.slice(rename.to.length)];
  }
  return [...path];
}

/** A key path (case-insensitive, as environment variables name it) with any old name replaced by the new one. */
export function renamedPath(path: readonly string[]): { path: string[]; rename: Rename | null } {
  const lower = path.map((p) => p.toLowerCase());
  for (const rename of RENAMES) {
    const from = rename.from.map((p) => p.toLowerCase());
    if (from.every((p, i) => lower[i] === p)) return { path: [...rename.to, ...path.slice(from.length)], rename };
  }
  return { path: [...path], rename: null };
}

/** The object holding the last key of `path`, or null; with `create`, missing sections are made. */
function parentOf(tree: Record<string, unknown>, path: readonly string[], create = false) {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined && create) node[key] = {};
    else if (next === null || typeof next !== "object" || Array.isArray(next)) return null;
    node = node[key] as Record<string, unknown>;
  }
  return node;
}
