/**
 * What every `floodgate` command declares: its options (each with what it means), its arguments, an example, and how
 * it runs. From that one declaration come the parsing (unknown options refused), `floodgate <command> --help` and
 * the list `floodgate help` prints.
 */
import { parseArgs } from "node:util";

/** One option: `--name VALUE` (string) or `--name` (boolean). */
export interface OptionSpec {
  type: "string" | "boolean";
  /** What the option means, for --help. */
  description: string;
  /** The value's name in --help (`FILE`, `URL`). @defaultValue "VALUE" */
  value?: string;
  multiple?: boolean;
  default?: string | boolean;
}

/** The parsed command line of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** A command: what --help prints, and how it runs. */
export interface CommandSpec {
  /** What it does, one line. */
  summary: string;
  options: Record<string, OptionSpec>;
  /** The arguments after the options, as --help shows them (`FILE...`); none when absent. */
  positionals?: { usage: string; min: number; max: number };
  /** Command lines that work, shown under --help. */
  examples: string[];
  /** Runs with the parsed command line; resolves with the exit code. */
  run(args: ParsedArgs): Promise<number>;
}

/** `--config`, as every command that reads the configuration takes it. */
export const CONFIG_OPTION: OptionSpec = {
  type: "string",
  value: "FILE",
  description: "the configuration file (else FLOODGATE_CONFIG; none: the embedded defaults)",
};

/** `--redis`, as every command that talks to the campaign store takes it. */
export const REDIS_OPTION: OptionSpec = {
  type: "string",
  value: "URL",
  description: "the Redis to use (else redis.url, else the private Redis of a floodgate run on this machine)",
};

/** Exit code for a command line that cannot be understood (sysexits EX_USAGE). */
export const EX_USAGE = 64;

/** The usage line of a command. */
export function usageLine(name: string, spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(([option, o]) => {
    const text = o.type === "boolean" ? `--${option}` : `--${option} ${o.value ?? "VALUE"}`;
    return `[${text}]${o.multiple ? "..." : ""}`;
  });
  return ["usage: floodgate", name, ...options, ...(spec.positionals ? [spec.positionals.usage] : [])].join(" ");
}

/** `floodgate <name> --help`: the usage line, the summary, every option, the examples. */
export function commandHelp(name: string, spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([option, o]) => {
    const flag = o.type === "boolean" ? `--${option}` : `--${option} ${o.value ?? "VALUE"}`;
    const fallback = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : "";
    return [flag, `${o.description}${fallback}`];
  });
  rows.push(["-h, --help", "this help"]);
  const width = Math.max(...rows.map(([flag]) => flag!.length)) + 2;
  return [
    usageLine(name, spec),
    "",
    spec.summary,
    "",
    "options:",
    ...rows.map(([flag, text]) => `  ${flag!.padEnd(width)}${text}`),
    "",
    spec.examples.length > 1 ? "examples:" : "example:",
    ...spec.examples.map((e) => `  ${e}`),
    "",
  ].join("\n");
}

/** Parse a command line against the spec; a string says what is wrong with it. */
export function parseCommandLine(spec: CommandSpec, args: string[]): (ParsedArgs & { help: boolean }) | string {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      {
        type: o.type,
        ...(o.multiple ? { multiple: true } : {}),
        ...(o.default !== undefined ? { default: o.default } : {}),
      },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h", default: false } },
      allowPositionals: spec.positionals !== undefined,
      strict: true,
    });
  } catch (error) {
    return (error as Error).message;
  }
  const { help, ...values } = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (help) return { values, positionals: parsed.positionals, help: true };
  const count = parsed.positionals.length;
  if (spec.positionals && (count < spec.positionals.min || count > spec.positionals.max))
    return `expected ${spec.positionals.usage}`;
  return { values, positionals: parsed.positionals, help: false };
}
