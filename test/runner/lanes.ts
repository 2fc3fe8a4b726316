/**
 * `make test`'s runner: the test files in two lanes side by side, each file in its own process as `node --test` runs
 * it, the results as one TAP stream on stdout (merged-tap.ts) and exit code 1 if a test failed.
 *
 * Two lanes, because part of the suite waits (for alert windows, failovers, Postfix's queue) and the rest of it
 * rarely keeps both cores busy, but not beside anything: the scan worker and spamd run at SCHED_IDLE and starve once the load passes about
 * 3, and some files are CPU-heavy themselves. So each file has a kind:
 * - alone: CPU-heavy, or load-sensitive (it holds a deadline the daemon can only keep with a core to spare): runs
 *   beside light files only;
 * - shared: neither, but not light: beside shared or light files;
 * - light: pure logic, or one small real part; beside anything.
 * A lane that is free takes the next file that may run beside what the other lane runs: an alone file first, then a
 * shared one, then a light one; when none may, it waits for the other lane's file to end.
 * A file this plan does not name runs alone, but for the unit tests (light). Alone files go in the order of `ALONE`:
 * the Redis outage first, which after its first minute or two mostly waits for its alerts' windows (about 4 min in
 * all, a core or more left idle), so that the light files run beside it: the real-Redis ones first (the file list is
 * sorted), the unit tests, which keep a core busy, in its wait. Beside the CPU-bound ones (the corpus, the bench)
 * they would only share the cores.
 */
import { relative } from "node:path";
import { tap } from "node:test/reporters";
import { MergedTap } from "./merged-tap.js";

type Kind = "alone" | "shared" | "light";

/**
 * CPU-heavy or load-sensitive (names under dist/test, without .test.js), in the order they run: the bench's flood,
 * the daemon's scan, flood and kill -9, the Redis outage's "FloodgateRedisDown within 30 s" and its pool's
 * millisecond, the policy's real pool, the console's 2 s, and what scans with the private spamd at SCHED_IDLE.
 */
const ALONE = [
  "integration/redis-outage",
  "integration/fingerprint-corpus",
  "e2e/postfix-verdict-floors",
  "e2e/postfix-verdicts",
  "integration/private-spamd",
  "e2e/bench-command",
  "integration/daemon-kill",
  "integration/daemon-flood",
  "integration/daemon-scan",
  "integration/policy-floodgate",
  "e2e/console-browser",
  "integration/evasion-suite",
];

/** Integration files that take little CPU (a real Redis, a receiver, promtool; or mostly waiting, as failovers do). */
const LIGHT = [
  "console-samples",
  "fingerprint-earlier-keys",
  "held-store",
  "libmilter-limits",
  "ops-http",
  "ops-live-config",
  "ops-webhook",
  "private-redis",
  "private-service",
  "prometheus-rules",
  "queue-producer",
  "queue-worker",
  "redis-refusing-writes",
  "redis-topologies",
  "reputation-merge",
  "reputation-relabel",
  "reputation-store",
  "reputation-versions",
].map((f) => `integration/${f}`);

/** The rest of the daemon, MTA and fingerprint files, and the one unit file that runs the whole corpus. */
const SHARED = [
  ...["miltertest", "miltertest-libmilter", "miltertest-libmilter-unix", "mta-scenarios"],
  ...["mta-scenarios-libmilter-postfix", "mta-scenarios-libmilter-postfix-unix", "mta-scenarios-libmilter-sendmail"],
  ...["postfix-flood", "postfix-hold-queue", "postfix-mta-queue", "postfix-own-headers"],
  ...["sendmail-hold-queue", "sendmail-mta-queue"],
]
  .map((f) => `e2e/${f}`)
  .concat(
    [
      ...["campaign-listing", "console-http", "daemon-alerts", "daemon-hostile", "daemon-state", "fingerprint-command"],
      ...["fingerprint-golden", "fingerprint-pool", "fingerprint-previous-version", "fingerprint-version-two"],
      ...["fingerprint-warm-up", "hostile-soak", "libmilter-backpressure", "libmilter-engine", "milter-server"],
      ...["noop-milter", "replay", "scanner-spamd"],
    ].map((f) => `integration/${f}`),
  )
  .concat(["unit/scanner-builtin"]);

/** Whether a file of kind `a` may run while one of kind `b` runs. */
function fits(a: Kind, b: Kind | undefined): boolean {
  return b === undefined || a === "light" || b === "light" || (a === "shared" && b === "shared");
}

function nameOf(file: string): string {
  return relative("dist/test", file).replace(/\.test\.js$/, "");
}

function kindOf(file: string): Kind {
  const name = nameOf(file);
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
  const waiting: Record<Kind, string[]> = { alone: [], shared: [], light: [] };
  for (const f of files) waiting[kindOf(f)].push(f);
  waiting.alone.sort(byPlan);
  const running: (Kind | undefined)[] = [undefined, undefined];
  let changed: () => void = () => undefined;

  async function lane(n: 0 | 1): Promise<void> {
    for (;;) {
      const other = running[1 - n];
      const kind = (["alone", "shared", "light"] as const).find((k) => waiting[k].length > 0 && fits(k, other));
      if (kind === undefined) {
        if (waiting.alone.length + waiting.shared.length + waiting.light.length === 0) return;
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
