/**
 * Where benchmark results go: `bench-results/<timestamp>/` under the project (or a given folder), one JSON file with
 * every figure and one HTML report per run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { projectRoot } from "../util/paths.js";

/** A timestamp usable as a folder name: 2026-11-28T05-34-35Z. */
export function timestampName(date = new Date()): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-");
}

/** Create (if needed) and return the results folder. */
export function resultsDir(out?: string, date = new Date()): string {
  const dir = out ? resolve(out) : join(projectRoot, "bench-results", timestampName(date));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Write `name`.json and, when given, `name`.html into `dir`; returns the paths. */
export function writeResults(dir: string, name: string, json: unknown, html?: string): string[] {
  const paths = [join(dir, `${name}.json`)];
  writeFileSync(paths[0]!, JSON.stringify(json, null, 2) + "\n");
  if (html !== undefined) {
    paths.push(join(dir, `${name}.html`));
    writeFileSync(paths[1]!, html);
  }
  return paths;
}

/** Progress to stderr (never stdout: stdout carries the tables). */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** An error as one short line for a results table: its first three lines joined. */
export function errText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n").slice(0, 3).join(" | ");
}
