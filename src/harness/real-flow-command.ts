/**
 * `node dist/benchmarks/real-flow.js` (and, through the bench command's spec, `floodgate bench real-flow`): the
 * real-mail-flow comparison from the command line. Progress goes to stderr, the tables to `out`, the JSON result to
 * bench-results/<timestamp>/real-flow.json with each daemon's configuration, log and the main thread's profile beside
 * it.
 */
import { parseArgs } from "node:util";
import { FLOW_PATH_KEYS, parseFlowPaths, type FlowPathName } from "./flow-path-names.js";
import { flowFloors, flowRows, flowText } from "./flow-report.js";
import { progress, resultsDir, writeResults } from "./output.js";
import { runRealFlow } from "./real-flow.js";
import {
  DEFAULT_FLOW_MESSAGES,
  DEFAULT_FLOW_ROUNDS,
  DEFAULT_FLOW_SESSIONS,
  DEFAULT_PATHS_WORD,
  DEFAULT_WARM_UP,
} from "./real-flow-defaults.js";

const REAL_FLOW_USAGE = `usage: node dist/benchmarks/real-flow.js [--messages N] [--rounds R] [--sessions 20,1] [--warm-up N] [--paths L] [--no-profile] [--out DIR]
  --messages N   distinct corpus messages per run, each sent once             default ${DEFAULT_FLOW_MESSAGES}
  --rounds R     interleaved rounds (every path once a round)                 default ${DEFAULT_FLOW_ROUNDS}
  --sessions L   SMTP sessions at once, one run per count                     default ${DEFAULT_FLOW_SESSIONS.join(",")}
  --warm-up N    messages every path is sent in unmeasured rounds first       default ${DEFAULT_WARM_UP}
  --paths L      the paths to run, by short name: ${Object.keys(FLOW_PATH_KEYS).join(", ")};
                 ${DEFAULT_PATHS_WORD} (every one but libmilter-noop and libmilter-off-host), all    default ${DEFAULT_PATHS_WORD}
  --no-profile   skip the profiled run of the daemon's main thread
`;

/** Run it; resolves with an exit code (0 when every path ran and every floor held, 1 otherwise, 64 usage). */
export async function realFlowCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        messages: { type: "string", default: String(DEFAULT_FLOW_MESSAGES) },
        rounds: { type: "string", default: String(DEFAULT_FLOW_ROUNDS) },
        sessions: { type: "string", default: DEFAULT_FLOW_SESSIONS.join(",") },
        "warm-up": { type: "string", default: String(DEFAULT_WARM_UP) },
        paths: { type: "string", default: DEFAULT_PATHS_WORD },
        "no-profile": { type: "boolean", default: false },
        out: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`real-flow: ${(err as Error).message}\n${REAL_FLOW_USAGE}`);
    return 64;
  }
  if (values.help) {
    out.write(REAL_FLOW_USAGE);
    return 0;
  }
  const perRun = Number(values.messages);
  const rounds = Number(values.rounds);
  const sessions = values.sessions.split(",").map(Number);
  const warmUp = Number(values["warm-up"]);
  if (![perRun, rounds, warmUp, ...sessions].every((n) => Number.isInteger(n) && n > 0)) {
    process.stderr.write(`real-flow: counts must be positive integers\n${REAL_FLOW_USAGE}`);
    return 64;
  }
  let paths: FlowPathName[];
  try {
    paths = parseFlowPaths(values.paths);
  } catch (err) {
    process.stderr.write(`real-flow: --paths: ${(err as Error).message}\n${REAL_FLOW_USAGE}`);
    return 64;
  }
  const profile = !values["no-profile"];
  return realFlowMain(
    { perRun, rounds, sessions, warmUp, paths, profile, ...(values.out ? { out: values.out } : {}) },
    out,
  );
}

/** Run the comparison, print it, write real-flow.json; 0 when every path ran and every floor held, else 1. */
export async function realFlowMain(
  options: {
    perRun: number;
    rounds: number;
    sessions: number[];
    warmUp: number;
    profile: boolean;
    paths?: readonly FlowPathName[];
    out?: string;
  },
  out: NodeJS.WritableStream,
): Promise<number> {
  const dir = resultsDir(options.out);
  progress(`floodgate bench real-flow: results in ${dir}`);
  const report = await runRealFlow({ ...options, dir });
  out.write(flowText(report));
  progress(`results: ${writeResults(dir, "real-flow", report).join(", ")}`);
  const floorsHeld = flowFloors(flowRows(report)).every((f) => f.pass);
  return floorsHeld && report.failed.length === 0 ? 0 : 1;
}
