/**
 * Test support: the shipped systemd unit read as systemd reads it: `deploy/systemd/<name>` and the drop-ins of
 * `<name>.d/` after it (their settings added to the unit's, a repeated key's values in order).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../src/util/paths.js";

/** Sections of key → values (keys may repeat). */
export type UnitSections = Map<string, Map<string, string[]>>;

/** A unit file's text as sections, added to `into`. */
export function parseUnit(text: string, into: UnitSections = new Map()): UnitSections {
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = into.get(header[1]!) ?? new Map<string, string[]>();
      into.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf("=");
    assert.ok(current && eq > 0, `not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return into;
}

/** The unit `deploy/systemd/<name>` alone, or with its drop-ins (`<name>.d/*.conf`, in name order). */
export function shippedUnit(name: string, options: { dropIns?: boolean } = {}): UnitSections {
  const dir = join(projectRoot, "deploy", "systemd");
  const unit = parseUnit(readFileSync(join(dir, name), "utf8"));
  const dropIns = join(dir, `${name}.d`);
  if (options.dropIns && existsSync(dropIns)) {
    for (const f of readdirSync(dropIns)
      .filter((f) => f.endsWith(".conf"))
      .sort())
      parseUnit(readFileSync(join(dropIns, f), "utf8"), unit);
  }
  return unit;
}
