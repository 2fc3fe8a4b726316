#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=32 --no-memory-reducer
/**
 * The `floodgate` command: one entry, the commands declared in commands.ts (each answers `--help` with its options and
 * an example), each command's modules loaded only when it runs.
 */
import { commandHelp, EX_USAGE, parseCommandLine, usageLine } from "./command-spec.js";
import { COMMANDS } from "./commands.js";
import { UsageError } from "./usage-error.js";

/** `floodgate help`: every command with its usage and what it does. */
function overview(): string {
  const lines = [
    "usage: floodgate <command> [options]   (floodgate <command> --help for its options and examples)",
    "",
  ];
  for (const [name, spec] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(13)}${spec.summary}`);
  lines.push("", "Listen specs: inet:HOST:PORT, inet6:[ADDR]:PORT, unix:/path (several --listen at once).", "");
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name) {
    process.stderr.write(overview());
    return EX_USAGE;
  }
  if (name === "help" || name === "--help" || name === "-h") {
    const topic = args[0] ? COMMANDS[args[0]] : undefined;
    process.stdout.write(topic ? commandHelp(args[0]!, topic) : overview());
    return 0;
  }
  const spec = COMMANDS[name];
  if (!spec) {
    process.stderr.write(`floodgate: unknown command "${name}"\n\n${overview()}`);
    return EX_USAGE;
  }
  const parsed = parseCommandLine(spec, args);
  const refuse = (problem: string) => {
    process.stderr.write(`floodgate ${name}: ${problem}\n${usageLine(name, spec)}\n`);
    return EX_USAGE;
  };
  if (typeof parsed === "string") return refuse(parsed);
  if (parsed.help) {
    process.stdout.write(commandHelp(name, spec));
    return 0;
  }
  try {
    return await spec.run(parsed);
  } catch (error) {
    if (error instanceof UsageError) return refuse(error.message);
    process.stderr.write(`floodgate ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Every command has finished its work here (run and worker after their shutdown): end even if a library left a
  // handle open.
  setTimeout(() => process.exit(), 100).unref();
});
