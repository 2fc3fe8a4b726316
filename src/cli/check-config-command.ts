/**
 * `floodgate check-config [FILE] [--print]`: validate a configuration file with the environment's overrides, as `run`
 * and a reload would, and print OK or every error with its key path and line. `--print` adds the effective
 * configuration, every default filled in, with its secrets redacted.
 */
import { stringify } from "yaml";
import { formatConfigErrors, loadConfig } from "../config/load.js";
import { redactConfig } from "../config/redact.js";

/** Where the command writes. */
export interface Output {
  write(text: string): unknown;
}

/** Validate `path` (null: defaults and environment only). Returns the exit code: 0 valid, 1 not. */
export function checkConfigCommand(
  path: string | null,
  out: Output,
  err: Output,
  env: NodeJS.ProcessEnv = process.env,
  options: { print?: boolean } = {},
): number {
  const result = loadConfig(path, env);
  const name = path ?? "(built-in defaults)";
  if (result.ok) {
    for (const warning of result.warnings) err.write(`warning: ${warning}\n`);
    out.write(`OK: ${name} is a valid Floodgate configuration\n`);
    if (options.print) out.write(stringify(redactConfig(result.config)));
    return 0;
  }
  const count = result.errors.length;
  err.write(`${name}: ${count} error${count === 1 ? "" : "s"}\n${formatConfigErrors(result.errors)}\n`);
  return 1;
}
