/**
 * The hostile-mail soak: `floodgate run` as its own process on a private Redis, driven by the project's milter client
 * (Postfix style) over many concurrent sessions with a seeded stream of hostile messages (src/lab/hostile-mail.ts).
 * It checks, of every message, that it was answered, within `milter.eomDeadlineMs` of its end of message, with a
 * campaign or a counted reason, and that no forged Floodgate header survived the answer's modifications; and of the
 * daemon, that it stayed up, and its peak memory.
 *
 * A deadline is a timer on the daemon's event loop, so the soak also says how late that loop ran and why: how long
 * the daemon's main thread was on a CPU and how long it waited for one (the kernel's schedstat), and, as the baseline
 * of the same run, the same figures of a second daemon on the same machine that is sent nothing. An idle daemon's
 * loop is late only when the machine has no CPU for it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MilterClient } from "../client/milter-client.js";
import { startScratchRedis } from "../redis/scratch-server.js";
import { startFloodgate, sumMetric, type FloodgateDaemon } from "./floodgate.js";
import { HostileFeed } from "./hostile-feed.js";
import { threadSchedule } from "./procs.js";
import { runPostfixSample } from "./hostile-postfix.js";
import { Tally, type SoakOptions, type SoakReport, type ThreadTime } from "./soak-tally.js";

export type { SoakOptions, SoakReport, ThreadTime } from "./soak-tally.js";

/** Peak resident memory of the daemon at most, KiB: a budget of the daemon, not of each message. */
export const SOAK_RSS_LIMIT_KB = 1024 * 1024;

/** Each property of the soak, and whether it held. */
export function soakProperties(r: SoakReport): Array<[string, boolean]> {
  const pf = r.postfix;
  return [
    ["0 crashes", r.crashes === 0],
    ["every message answered", r.unanswered === 0 && r.answered === r.messages],
    ["0 answers past the deadline (daemon)", r.daemonPastDeadline === 0],
    ["0 unlabelled outcomes", r.unlabelled === 0],
    ["0 forged headers surviving", r.forgedSurvived === 0],
    [`peak RSS <= ${SOAK_RSS_LIMIT_KB / 1024} MiB`, (r.peakRssKb.daemon ?? Infinity) <= SOAK_RSS_LIMIT_KB],
    ["Postfix: every transaction answered", !pf || (pf.replies["error"] ?? 0) === 0],
    ["Postfix: 0 forged headers, 0 unlabelled delivered", !pf || (pf.forgedSurvived === 0 && pf.unlabelled === 0)],
  ];
}

/** Run the soak; the daemon and its Redis are stopped before it returns. */
export async function runHostileSoak(options: SoakOptions): Promise<SoakReport> {
  const deadlineMs = options.eomDeadlineMs ?? 2000;
  const redisDir = join(options.dir, "redis");
  mkdirSync(redisDir, { recursive: true });
  const redis = await startScratchRedis({ dir: redisDir });
  let daemon: FloodgateDaemon | null = null;
  let idle: FloodgateDaemon | null = null;
  const feed = new HostileFeed(options.seed, options.messages, options.families);
  try {
    daemon = await startFloodgate({
      redisUrl: redis.url,
      dir: options.dir,
      name: "soak",
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
      overrides: {
        ...options.overrides,
        milter: { eomDeadlineMs: deadlineMs, ...options.overrides?.milter },
        log: { level: "warn", ...options.overrides?.log },
      },
    });
    if (options.idleBaseline) {
      idle = await startFloodgate({
        redisUrl: redis.url,
        dir: options.dir,
        name: "idle",
        overrides: {
          redis: { prefix: "fg-idle" },
          queue: { name: "fg-idle" },
          milter: { eomDeadlineMs: deadlineMs },
          log: { level: "warn" },
        },
      });
    }
    const report = await drive(daemon, idle, feed, options, deadlineMs);
    if (options.postfix && report.crashes === 0) {
      options.progress?.(`${options.postfix.messages} messages through Postfix`);
      const { messages: count, sessions } = options.postfix;
      report.postfix = await runPostfixSample({ milter: daemon.spec, seed: options.seed + 1, count, sessions });
      if (!alive(daemon.pid)) report.crashes++;
    }
    return report;
  } finally {
    await feed.close();
    await idle?.stop();
    await daemon?.stop();
    await redis.stop();
  }
}

async function drive(
  daemon: FloodgateDaemon,
  idle: FloodgateDaemon | null,
  feed: HostileFeed,
  options: SoakOptions,
  deadlineMs: number,
): Promise<SoakReport> {
  const tally = new Tally(options, deadlineMs);
  // The longest loop delay is kept since the last scrape: the daemons' start-up is not part of the run.
  await Promise.all([daemon.metricsText(), idle?.metricsText()]);
  const mainThread = threadClock(daemon.pid);
  const idleThread = idle ? threadClock(idle.pid) : null;
  const started = performance.now();
  let crashed = false;
  const monitor = setInterval(() => {
    daemon.memory.sample();
    if (!alive(daemon.pid)) crashed = true;
  }, 250);
  const session = async () => {
    let done = false;
    while (!crashed && !done) {
      let client: MilterClient;
      try {
        client = await MilterClient.connect(daemon.spec, { style: "postfix", timeoutMs: 60_000 });
        await client.open();
      } catch (err) {
        if (!alive(daemon.pid)) crashed = true;
        else tally.example(`connect: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        for (;;) {
          const m = await feed.next();
          if (m === null) {
            done = true;
            break;
          }
          try {
            tally.answer(m, await client.transaction(m));
          } catch (err) {
            tally.unanswered(m, err as Error);
            break; // the session is gone: open another
          }
        }
      } finally {
        client.destroy();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.sessions }, session));
  } finally {
    clearInterval(monitor);
  }
  const memory = daemon.memory.sample();
  if (crashed || !alive(daemon.pid)) tally.crashes++;
  const [metrics, idleMetrics] = await Promise.all([daemon.metricsText(), idle?.metricsText() ?? null]);
  return tally.report({
    seconds: (performance.now() - started) / 1000,
    daemonPastDeadline: metrics === null ? null : pastDeadlineOf(metrics, deadlineMs),
    maxEventLoopDelayMs: maxLagMs(metrics),
    mainThread: mainThread(),
    idle: idleThread ? { maxEventLoopDelayMs: maxLagMs(idleMetrics), mainThread: idleThread() } : null,
    peakRssKb: { daemon: memory.selfKb, tree: memory.treeKb },
  });
}

/** A clock of a process's main thread from now: what it did since, when read (null when it cannot be read). */
function threadClock(pid: number): () => ThreadTime | null {
  const from = threadSchedule(pid);
  const started = performance.now();
  return () => {
    const to = threadSchedule(pid);
    if (!from || !to) return null;
    return {
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: to.cpuSeconds - from.cpuSeconds,
      runQueueSeconds: to.runQueueSeconds - from.runQueueSeconds,
    };
  };
}

/** End-of-message decisions slower than `deadlineMs`, from the daemon's histogram (a bucket must end there). */
export function pastDeadlineOf(metrics: string, deadlineMs: number): number | null {
  const total = sumMetric(metrics, "floodgate_eom_duration_seconds_count");
  const le = String(deadlineMs / 1000);
  const line = metrics.split("\n").find((l) => l.startsWith(`floodgate_eom_duration_seconds_bucket{le="${le}"}`));
  if (total === null || line === undefined) return null;
  return total - Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** The event loop's longest delay since the last scrape (the soak scrapes once, at the end), in ms. */
function maxLagMs(metrics: string | null): number | null {
  const seconds = metrics === null ? null : sumMetric(metrics, "floodgate_nodejs_eventloop_lag_max_seconds");
  return seconds === null ? null : Math.round(seconds * 1000);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
