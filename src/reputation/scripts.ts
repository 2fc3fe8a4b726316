/**
 * The campaign store's Lua scripts: loaded from src/reputation/lua at run time, `--- @include "includes/x"` lines
 * replaced by the included file, and run with EVALSHA, falling back to EVAL when the server does not know the
 * script yet (after a restart or a failover), so each call is still one round trip in the common case.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Cluster, Redis } from "ioredis";
import { projectRoot } from "../util/paths.js";

/** Where the scripts live. */
export const luaDir = join(projectRoot, "src/reputation/lua");

/** A loaded script: its source with includes resolved, its SHA-1, and the number of KEYS it takes. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
  readonly numKeys: number;
}

const INCLUDE = /^--- @include "([A-Za-z0-9_/.-]+)"\s*$/gm;

function resolve(file: string, seen: Set<string>): string {
  const text = readFileSync(join(luaDir, file), "utf8");
  return text.replace(INCLUDE, (_line, name: string) => {
    const included = `${name}.lua`;
    if (seen.has(included)) return "";
    seen.add(included);
    return resolve(included, seen);
  });
}

/** Load `verbNoun-<numKeys>.lua`; throws when the file is missing or misnamed. */
export function loadScript(file: string): LuaScript {
  const m = /^([a-z][A-Za-z]*)-(\d+)\.lua$/.exec(file);
  if (!m) throw new Error(`Lua script name "${file}" is not verbNoun-<numKeys>.lua`);
  const source = resolve(file, new Set());
  return { name: m[1] as string, source, sha: createHash("sha1").update(source).digest("hex"), numKeys: Number(m[2]) };
}

/** Whether a reply error says the server does not know a script's SHA (after a restart or a failover): it is then
 * sent again with its source. */
export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.includes("NOSCRIPT");
}

/** Run a script: EVALSHA, then EVAL if the server answers NOSCRIPT. */
export async function runScript(
  redis: Redis | Cluster,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number | Buffer)[],
): Promise<unknown> {
  if (keys.length !== script.numKeys) {
    throw new Error(`script ${script.name} takes ${script.numKeys} keys, got ${keys.length}`);
  }
  try {
    return await redis.evalsha(script.sha, script.numKeys, ...keys, ...args);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return await redis.eval(script.source, script.numKeys, ...keys, ...args);
  }
}
