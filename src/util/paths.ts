/**
 * Paths of the project's own files at run time, the same from src/ (tsx) and dist/src/ (compiled).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The folder holding package.json. */
export const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The compiled output folder (dist/), where workers/ and src/ are found as .js. */
export const distRoot = join(projectRoot, "dist");
