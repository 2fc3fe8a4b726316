/**
 * `node dist/benchmarks/verdicts.js` (`make verdicts`): the verdict floors on `make run` defaults through Postfix
 * (./verdict-floors.ts), then the flood's end of message with spamd against the built-in rules (./verdict-latency.ts).
 * Progress goes to stderr, the tables to `out`, every figure to bench-results/<timestamp>/verdicts.json with the
 * daemons' configurations and logs beside it.
 */
import { parseArgs } from "node:util";
import { machineInfo } from "./machine.js";
import { errText, progress, resultsDir, writeResults } from "./output.js";
import { peerVersions } from "./targets.js";
import { runVerdictFloors } from "./verdict-floors.js";
import { runVerdictLatency, SCANNING_PRIORITIES, type ScanningPriority } from "./verdict-latency.js";
import { verdictFloors, verdictsText, type VerdictsBenchReport } from "./verdict-report.js";

const USAGE = `usage: node dist/benchmarks/verdicts.js [options]
  --campaigns N   spam campaigns of the corpus                          default 40
  --copies N      personalised copies of each                           default 25
  --senders N     senders each campaign's copies come from              default 25
  --ham N         distinct corpus ham                                   default 1000
  --sessions N    SMTP sessions at once                                 default 10
  --rounds N      interleaved rounds of the flood (each system once)    default 3
  --rate N        the flood's normal messages per second (campaign 10×) default 30
  --duration S    seconds of arrivals per flood run                     default 10
  --seed N        seed of the set and the arrivals                      default 20261202
  --priority P    the flood daemons' scanWorker.priority (idle, low, normal) default idle
  --unbudgeted    also run spamd with queue.busyRate 0 (no scan budget) in each round
  --no-floors     skip the verdict floors
  --no-latency    skip the flood latency comparison
  --out DIR       where results go (default bench-results/<timestamp>)
`;

/** The command's options, as parseArgs reads them. */
const OPTIONS = {
  campaigns: { type: "string", default: "40" },
  copies: { type: "string", default: "25" },
  senders: { type: "string", default: "25" },
  ham: { type: "string", default: "1000" },
  sessions: { type: "string", default: "10" },
  rounds: { type: "string", default: "3" },
  rate: { type: "string", default: "30" },
  duration: { type: "string", default: "10" },
  seed: { type: "string", default: "20261202" },
  priority: { type: "string", default: "idle" },
  unbudgeted: { type: "boolean", default: false },
  "no-floors": { type: "boolean", default: false },
  "no-latency": { type: "boolean", default: false },
  out: { type: "string" },
  help: { type: "boolean", default: false },
} as const;

/** Run it; resolves with an exit code (0 every part ran and every floor held, 1 otherwise, 64 usage). */
export async function verdictsCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: OPTIONS,
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`verdicts: ${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  const n = (name: keyof typeof values) => Number(values[name]);
  const counts = ["campaigns", "copies", "senders", "ham", "sessions", "rounds", "rate", "duration", "seed"] as const;
  const bad = counts.find((name) => !(Number.isInteger(n(name)) && n(name) > 0));
  if (bad) {
    process.stderr.write(`verdicts: --${bad} must be a positive integer\n${USAGE}`);
    return 64;
  }
  if (!(SCANNING_PRIORITIES as readonly string[]).includes(values.priority)) {
    process.stderr.write(`verdicts: --priority must be one of ${SCANNING_PRIORITIES.join(", ")}\n${USAGE}`);
    return 64;
  }
  const dir = resultsDir(values.out);
  progress(`verdicts: results in ${dir}`);
  const report: VerdictsBenchReport = {
    kind: "floodgate-verdicts",
    startedAt: new Date().toISOString(),
    finishedAt: "",
    machine: machineInfo(),
    versions: await peerVersions(),
    floors: null,
    latency: [],
  };
  if (!values["no-floors"]) {
    try {
      report.floors = await runVerdictFloors({
        campaigns: n("campaigns"),
        copies: n("copies"),
        senders: n("senders"),
        ham: n("ham"),
        sessions: n("sessions"),
        seed: n("seed"),
        dir,
      });
    } catch (error) {
      report.floorsError = errText(error);
      progress(`verdicts: the floors run failed: ${report.floorsError}`);
    }
  }
  if (!values["no-latency"]) {
    try {
      report.latency = await runVerdictLatency({
        rounds: n("rounds"),
        rate: n("rate"),
        durationSec: n("duration"),
        seed: n("seed"),
        priority: values.priority as ScanningPriority,
        unbudgeted: values.unbudgeted,
        dir,
      });
    } catch (error) {
      report.latencyError = errText(error);
      progress(`verdicts: the latency runs failed: ${report.latencyError}`);
    }
  }
  report.finishedAt = new Date().toISOString();
  out.write(verdictsText(report));
  progress(`results: ${writeResults(dir, "verdicts", report).join(", ")}`);
  const ran = (values["no-floors"] || report.floors) && (values["no-latency"] || report.latency.length > 0);
  const floors = verdictFloors(report).filter(
    (f) =>
      !(values["no-floors"] && !f.name.startsWith("flood")) && !(values["no-latency"] && f.name.startsWith("flood")),
  );
  return ran && floors.every((f) => f.pass) ? 0 : 1;
}
