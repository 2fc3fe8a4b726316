/**
 * `floodgate bench`: the benchmark harness from the command line. Scenarios, durations and rates are options;
 * progress goes to stderr, the tables to stdout, and the JSON result and HTML report to bench-results/<timestamp>/.
 */
import type { BenchOptions, ScenarioName } from "../harness/bench-report.js";
import { SCENARIOS } from "../harness/bench-report.js";
import {
  DEFAULT_FLOW_MESSAGES,
  DEFAULT_FLOW_ROUNDS,
  DEFAULT_FLOW_SESSIONS,
  DEFAULT_PATHS_WORD,
  DEFAULT_WARM_UP,
} from "../harness/real-flow-defaults.js";
import type { CommandSpec, ParsedArgs } from "./command-spec.js";
import { UsageError } from "./usage-error.js";
import { FLOW_PATH_KEYS, parseFlowPaths } from "../harness/flow-path-names.js";

export const benchSpec: CommandSpec = {
  summary:
    "Run the benchmark harness: milter baselines, the Floodgate scenarios, the SMTP path through Postfix (with real " +
    "mail: distinct corpus messages on every path); `floodgate bench real-flow` runs only the real mail flow.",
  positionals: { usage: "[real-flow]", min: 0, max: 1 },
  options: {
    scenario: {
      type: "string",
      value: "LIST",
      default: "all",
      description: `scenarios: ${SCENARIOS.join(",")} or all`,
    },
    quick: { type: "boolean", description: "the default: about 10 s per scenario and 4 s per baseline" },
    duration: { type: "string", value: "S", description: "seconds of arrivals per scenario (and of the SMTP flood)" },
    "baseline-duration": {
      type: "string",
      value: "S",
      description: "seconds of each milter baseline (default: half of --duration, 4 to 10)",
    },
    rate: { type: "string", value: "N", default: "30", description: "normal messages per second (the flood adds 10×)" },
    sessions: {
      type: "string",
      value: "N",
      default: "100",
      description: "concurrent sessions of the milter baselines",
    },
    messages: { type: "string", value: "N", default: "1500", description: "smtp-source messages per end-to-end run" },
    "flow-messages": {
      type: "string",
      value: "N",
      default: String(DEFAULT_FLOW_MESSAGES),
      description: "real flow: distinct corpus messages per run, each sent once",
    },
    "flow-rounds": {
      type: "string",
      value: "N",
      default: String(DEFAULT_FLOW_ROUNDS),
      description: "real flow: interleaved rounds",
    },
    "flow-warm-up": {
      type: "string",
      value: "N",
      default: String(DEFAULT_WARM_UP),
      description: "real flow: messages every path is sent in unmeasured rounds before the first",
    },
    "flow-sessions": {
      type: "string",
      value: "LIST",
      default: DEFAULT_FLOW_SESSIONS.join(","),
      description: "real flow: SMTP sessions at once, a run per count",
    },
    "flow-paths": {
      type: "string",
      value: "LIST",
      default: DEFAULT_PATHS_WORD,
      description:
        `floodgate bench real-flow: the paths, by short name (${Object.keys(FLOW_PATH_KEYS).join(", ")}; ` +
        "default: all but the libmilter two; all)",
    },
    "no-profile": { type: "boolean", description: "real flow: skip the profiled run of the daemon's main thread" },
    "no-peers": { type: "boolean", description: "skip rspamd and spamass-milter" },
    "no-e2e": { type: "boolean", description: "skip the Postfix runs" },
    "no-baselines": { type: "boolean", description: "skip the closed-loop milter baselines" },
    fixed: { type: "boolean", description: "fixed arrival spacing instead of Poisson" },
    seed: { type: "string", value: "N", default: "7", description: "seed of the arrivals and the mix" },
    out: { type: "string", value: "DIR", description: "where results go (default: bench-results/<timestamp>)" },
    ham: { type: "string", value: "PATH", description: "ham to send: a folder of messages or an mbox (with --spam)" },
    spam: {
      type: "string",
      value: "PATH",
      description: "spam to send: a folder or an mbox (default, both: the SpamAssassin corpus when installed)",
    },
  },
  examples: [
    "floodgate bench --scenario flood --duration 20",
    "floodgate bench --ham ~/Maildir/cur --spam spam.mbox",
    "floodgate bench real-flow --flow-messages 400 --flow-rounds 3",
  ],
  run: async (args) => {
    if (args.positionals[0] === undefined) return benchCommand(benchOptions(args), process.stdout);
    if (args.positionals[0] !== "real-flow") throw new UsageError(`unknown part ${args.positionals[0]}`);
    const { realFlowMain } = await import("../harness/real-flow-command.js");
    let paths;
    try {
      paths = parseFlowPaths(String(args.values["flow-paths"] ?? DEFAULT_PATHS_WORD));
    } catch (err) {
      throw new UsageError(`--flow-paths: ${(err as Error).message}`);
    }
    return realFlowMain({ ...flowOptions(args), paths }, process.stdout);
  },
};

/** The real flow's options from the command line. */
function flowOptions({ values }: ParsedArgs) {
  const count = (name: string, fallback: number) => {
    const value = typeof values[name] === "string" ? Number(values[name]) : fallback;
    if (!(Number.isInteger(value) && value > 0)) throw new UsageError(`--${name} must be a positive integer`);
    return value;
  };
  const sessions = String(values["flow-sessions"] ?? DEFAULT_FLOW_SESSIONS.join(","))
    .split(",")
    .map(Number);
  if (!sessions.every((n) => Number.isInteger(n) && n > 0)) throw new UsageError("--flow-sessions: positive integers");
  return {
    perRun: count("flow-messages", DEFAULT_FLOW_MESSAGES),
    rounds: count("flow-rounds", DEFAULT_FLOW_ROUNDS),
    warmUp: count("flow-warm-up", DEFAULT_WARM_UP),
    sessions,
    profile: values["no-profile"] !== true,
    ...(typeof values.out === "string" ? { out: values.out } : {}),
  };
}

/** The harness's options from the command line; a UsageError for a bad scenario or number. */
function benchOptions({ values }: ParsedArgs): BenchOptions {
  const text = (name: string) => (typeof values[name] === "string" ? values[name] : undefined);
  const scenario = text("scenario") ?? "all";
  const scenarios = (scenario === "all" ? [...SCENARIOS] : scenario.split(",")) as ScenarioName[];
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(",")}`);
  const number = (name: string, fallback: string) => {
    const value = Number(text(name) ?? fallback);
    if (!(Number.isFinite(value) && value > 0)) throw new UsageError(`--${name} must be a positive number`);
    return value;
  };
  const duration = number("duration", "10");
  const ham = text("ham");
  const spam = text("spam");
  return {
    scenarios,
    durationSec: duration,
    rate: number("rate", "30"),
    arrivals: values["fixed"] === true ? "fixed" : "poisson",
    baselineSec: text("baseline-duration")
      ? number("baseline-duration", "4")
      : text("duration")
        ? Math.min(10, Math.max(4, duration / 2))
        : 4,
    sessions: number("sessions", "100"),
    spamassSessions: 20,
    e2eMessages: number("messages", "1500"),
    ...(({ perRun, rounds, warmUp, sessions, profile }) => ({
      flowMessages: perRun,
      flowRounds: rounds,
      flowWarmUp: warmUp,
      flowSessions: sessions,
      flowProfile: profile,
    }))(flowOptions({ values, positionals: [] })),
    peers: values["no-peers"] !== true,
    e2e: values["no-e2e"] !== true,
    baselines: values["no-baselines"] !== true,
    dir: text("out") ?? "",
    seed: number("seed", "7"),
    ...(ham ? { ham } : {}),
    ...(spam ? { spam } : {}),
  };
}

/** Run the harness; resolves with an exit code (0 when everything ran and every floor passed, 1 otherwise). */
export async function benchCommand(options: BenchOptions, out: NodeJS.WritableStream): Promise<number> {
  const { progress, resultsDir, writeResults } = await import("../harness/output.js");
  const { benchHtml, benchText } = await import("../harness/suite-report.js");
  const { runBench } = await import("../harness/suite.js");
  const dir = resultsDir(options.dir || undefined);
  progress(`floodgate bench: results in ${dir}`);
  const report = await runBench({ ...options, dir });
  out.write(benchText(report));
  const paths = writeResults(dir, "bench", report, benchHtml(report));
  progress(`results: ${paths.join(", ")}`);
  const failed = report.ratios.some(
    (r) => r.floor !== null && r.numerator !== null && r.denominator !== null && r.numerator / r.denominator < r.floor,
  );
  const { flowFloors, flowRows } = await import("../harness/flow-report.js");
  const missing =
    report.scenarios.some((s) => !s.load) || report.baselines.some((b) => !b.load) || report.realFlow?.failed.length;
  const flowFailed = report.realFlow ? !flowFloors(flowRows(report.realFlow)).every((f) => f.pass) : false;
  // The exit code says whether the floors passed and everything ran; the figures are in the report either way.
  return failed || flowFailed || missing ? 1 : 0;
}
