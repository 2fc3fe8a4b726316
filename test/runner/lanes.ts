/**
 * `make test`'s runner: the test files in two lanes side by side, each file in its own process as `node --test` runs
 * it, the results as one TAP stream on stdout (merged-tap.ts) and exit code 1 if a test failed.
 *
 * Two lanes, because part of the suite waits (for alert windows, failovers, Postfix's queue) and the rest of it
 * rarely keeps both cores busy, but not beside anything: the scan worker and spamd run at SCHED_IDLE and starve once
 * the load passes about 3, the daemon keeps its Redis and end-of-message deadlines only with a core to spare, and some
 * files are CPU-heavy themselves. So each file has a kind:
 * - alone: load-sensitive (a deadline the daemon or a scan must keep; the Redis outage's floods and alarms, whose
 *   variants fill its alert windows' wait): nothing runs beside it;
 * - heavy: CPU-bound, but holding no deadline (the corpus): beside light files only;
 * - mta: starts a private Postfix or Sendmail: beside shared or light files, never beside another mta file (two labs
 *   share no dir and no port, but two MTAs and their milters at once is more load than their timeouts were set for,
 *   and keeping them apart costs the suite next to nothing: the alone files set its length);
 * - shared: none of these, not light either: beside mta, shared or light files;
 * - light: pure logic, or one small real part; beside anything but an alone file.
 * A lane that is free takes the next file that may run beside what the other lane runs: an alone file first, then a
 * heavy, an mta, a shared, a light one; when none may, it waits for the other lane's file to end. So the alone files
 * run first, one after another with the other lane idle, then the heavy ones with the light files beside them, then
 * the rest two at a time.
 * A file this plan does not name runs alone, but for the unit tests (light).
 */
import { relative } from "node:path";
import { tap } from "node:test/reporters";
import { MergedTap } from "./merged-tap.js";

type Kind = "alone" | "heavy" | "mta" | "shared" | "light";
const KINDS: readonly Kind[] = ["alone", "heavy", "mta", "shared", "light"];

/**
 * Load-sensitive (names under dist/test, without .test.js), in the order they run: the Redis outage's floods (a Redis
 * round trip late under load is a fail-mode skip), "FloodgateRedisDown within 30 s" and its pool's millisecond, the
 * bench's flood (refused only once a scan at SCHED_IDLE judged it), what scans with the private spamd at SCHED_IDLE,
 * the daemon's scan, flood and kill -9, the policy's real pool, the console's 2 s.
 */
const ALONE = [
  "integration/redis-outage",
  "e2e/bench-command",
  "e2e/postfix-verdict-floors",
  "e2e/postfix-verdicts",
  "integration/private-spamd",
  "integration/daemon-kill",
  "integration/daemon-flood",
  "integration/daemon-scan",
  "integration/policy-floodgate",
  "e2e/console-browser",
  "integration/evasion-suite",
];

/** CPU-bound, asserting no deadline: the fingerprints of the whole corpus. */
const HEAVY = ["integration/fingerprint-corpus"];

/** Integration files that take little CPU (a real Redis, a receiver, promtool; or mostly waiting, as failovers do). */
const LIGHT = [
  "console-samples",
  "cpu-group",
  "fingerprint-earlier-keys",
  "held-store",
  "libmilter-limits",
  "ops-http",
  "ops-live-config",
  "ops-webhook",
  "port-reservation",
  "private-redis",
  "private-service",
  "prometheus-rules",
  "queue-producer",
  "queue-worker",
  "redis-command-timeout",
  "redis-refusing-writes",
  "redis-topologies",
  "reputation-merge",
  "reputation-relabel",
  "reputation-store",
  "reputation-versions",
  "scan-cpu-groups",
  "sink-dumps",
].map((f) => `integration/${f}`);

/** The files with a private Postfix or Sendmail (the others with one are alone). */
const MTA = [
  ...["mta-scenarios", "mta-scenarios-libmilter-postfix", "mta-scenarios-libmilter-postfix-unix"],
  ...["mta-scenarios-libmilter-sendmail", "postfix-flood", "postfix-hold-queue", "postfix-mta-queue"],
  ...["postfix-own-headers", "real-flow-engine-paths", "sendmail-hold-queue", "sendmail-mta-queue"],
]
  .map((f) => `e2e/${f}`)
  .concat(["integration/hostile-soak"]);

/** The rest of the daemon and fingerprint files, miltertest, and the one unit file that runs the whole corpus. */
const SHARED = ["console-verdict-cover", "miltertest", "miltertest-libmilter", "miltertest-libmilter-unix"]
  .map((f) => `e2e/${f}`)
  .concat(
    [
      ...["campaign-listing", "console-http", "daemon-alerts", "daemon-hostile", "daemon-ready", "daemon-state"],
      ...["daemon-stop", "fingerprint-command"],
      ...["fingerprint-golden", "fingerprint-pool", "fingerprint-previous-version", "fingerprint-version-two"],
      ...["fingerprint-warm-up", "libmilter-backpressure", "libmilter-engine", "least-work-milter", "milter-server"],
      ...["noop-milter"],
      ...["replay", "replay-links", "scanner-spamd"],
    ].map((f) => `integration/${f}`),
  )
  .concat(["unit/scanner-builtin"]);

/** Whether a file of kind `a` may run while one of kind `b` runs. */
function fits(a: Kind, b: Kind | undefined): boolean {
  if (b === undefined) return true;
  if (a === "alone" || b === "alone") return false;
  if (a === "light" || b === "light") return true;
  return a !== "heavy" && b !== "heavy" && !(a === "mta" && b === "mta");
}

function nameOf(file: string): string {
  return relative("dist/test", file).replace(/\.test\.js$/, "");
}

function kindOf(file: string): Kind {
  const name = nameOf(file);
  if (HEAVY.includes(name)) return "heavy";
  if (MTA.includes(name)) return "mta";
  if (SHARED.includes(name)) return "shared";
  if (LIGHT.includes(name)) return "light";
  return ALONE.includes(name) || !name.startsWith("unit/") ? "alone" : "light";
}

/** Alone files in `ALONE`'s order, one the plan does not name after them; other kinds in the order given. */
function byPlan(a: string, b: string): number {
  const rank = (f: string) => (ALONE.includes(nameOf(f)) ? ALONE.indexOf(nameOf(f)) : ALONE.length);
  return rank(a) - rank(b);
}

/** The runs of `files` in two lanes into `merged`; resolves once every file ran. */
async function runLanes(files: readonly string[], merged: MergedTap): Promise<void> {
  const waiting: Record<Kind, string[]> = { alone: [], heavy: [], mta: [], shared: [], light: [] };
  for (const f of files) waiting[kindOf(f)].push(f);
  waiting.alone.sort(byPlan);
  const running: (Kind | undefined)[] = [undefined, undefined];
  let changed: () => void = () => undefined;

  async function lane(n: 0 | 1): Promise<void> {
    for (;;) {
      const other = running[1 - n];
      const kind = KINDS.find((k) => waiting[k].length > 0 && fits(k, other));
      if (kind === undefined) {
        if (KINDS.every((k) => waiting[k].length === 0)) return;
        await new Promise<void>((resolve) => (changed = resolve)); // the other lane's file ends first
        continue;
      }
      const file = waiting[kind].shift()!;
      running[n] = kind;
      try {
        await merged.runFile(file, `lane ${n + 1}, ${kind}`);
      } finally {
        running[n] = undefined;
        changed();
      }
    }
  }
  await Promise.all([lane(0), lane(1)]);
}

// Every file's process must report through a blocking stdout, or with forceExit its last results can be lost
// without an error (./blocking-stdout.ts); node:test passes this process's --import on to them.
if (!process.execArgv.some((arg) => arg.endsWith("blocking-stdout.js"))) {
  throw new Error(
    "run the lanes as node --import ./dist/test/runner/blocking-stdout.js dist/test/runner/lanes.js FILES",
  );
}

const merged = new MergedTap({ timeoutMs: 300_000 });
const output = (async () => {
  for await (const line of tap(merged.events())) process.stdout.write(line);
})();
try {
  await runLanes(process.argv.slice(2), merged);
} finally {
  merged.close();
}
await output;
process.exitCode = merged.failed ? 1 : 0;
