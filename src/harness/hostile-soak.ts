/**
 * The hostile-mail soak: `floodgate run` as its own process on a private Redis, driven by the project's milter client
 * (Postfix style) over many concurrent sessions with a seeded stream of hostile messages (src/lab/hostile-mail.ts).
 * It checks, of every message, that it was answered, within `milter.eomDeadlineMs` of its end of message, with a
 * campaign or a counted reason, and that no forged Floodgate header survived the answer's modifications; and of the
 * daemon, that it stayed up, and its peak memory.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MilterClient, type TransactionResult } from "../client/milter-client.js";
import { FORGED_MARK, type HostileMessage } from "../lab/hostile-mail.js";
import type { HostileFamily } from "../lab/hostile-recipes.js";
import { startScratchRedis } from "../redis/scratch-server.js";
import { startFloodgate, sumMetric, type ConfigOverrides, type FloodgateDaemon } from "./floodgate.js";
import { HostileFeed } from "./hostile-feed.js";
import { runPostfixSample, type PostfixSampleReport } from "./hostile-postfix.js";
import { judgeAnswer } from "./soak-checks.js";
import { summarize, type LatencySummary } from "./stats.js";

export interface SoakOptions {
  seed: number;
  messages: number;
  sessions: number;
  /** Only messages of these families (all when absent). */
  families?: readonly HostileFamily[];
  /** A directory of the caller's: the daemon's configuration, log and state go there. */
  dir: string;
  /** Configuration over the daemon's defaults. */
  overrides?: ConfigOverrides;
  /** Extra node options for the daemon (`--cpu-prof`…). */
  nodeArgs?: string[];
  /** The end-of-message deadline the daemon is given, and the answers are held to. @defaultValue 2000 */
  eomDeadlineMs?: number;
  /** Hostile messages (of another seed) to send through a private Postfix afterwards, and its SMTP sessions. */
  postfix?: { messages: number; sessions: number };
  /** Progress lines (every 10 % of the messages). */
  progress?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  messages: number;
  sessions: number;
  seconds: number;
  /** Messages answered at end of message. */
  answered: number;
  /** Messages whose session ended before an answer (the client reconnects and goes on). */
  unanswered: number;
  /** Times the daemon was found gone. */
  crashes: number;
  /** Answers later than the deadline after the end of message was sent (measured by the client). */
  pastDeadline: number;
  /** End of message decided later than the deadline, by the daemon's own histogram. */
  daemonPastDeadline: number | null;
  /** The daemon's longest event-loop delay over the run, in ms (its default metrics). */
  maxEventLoopDelayMs: number | null;
  /** Answers with neither a campaign nor a counted reason. */
  unlabelled: number;
  /** Answers after which a forged Floodgate header was still there. */
  forgedSurvived: number;
  /** Answers by label (`campaign`, `reason:<reason>`) and by verdict. */
  labels: Record<string, number>;
  verdicts: Record<string, number>;
  /** Messages and the slowest answer, by family. */
  families: Record<string, { messages: number; maxEomMs: number }>;
  eomMs: LatencySummary;
  /** The daemon's peak resident memory (VmHWM), and that of its process tree, in KiB. */
  peakRssKb: { daemon: number | null; tree: number | null };
  /** The first problems found, described. */
  examples: string[];
  /** The sample through Postfix, when one was sent. */
  postfix: PostfixSampleReport | null;
}

const MAX_EXAMPLES = 20;

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
    const report = await drive(daemon, feed, options, deadlineMs);
    if (options.postfix && report.crashes === 0) {
      options.progress?.(`${options.postfix.messages} messages through Postfix`);
      const { messages: count, sessions } = options.postfix;
      report.postfix = await runPostfixSample({ milter: daemon.spec, seed: options.seed + 1, count, sessions });
      if (!alive(daemon.pid)) report.crashes++;
    }
    return report;
  } finally {
    await feed.close();
    await daemon?.stop();
    await redis.stop();
  }
}

async function drive(
  daemon: FloodgateDaemon,
  feed: HostileFeed,
  options: SoakOptions,
  deadlineMs: number,
): Promise<SoakReport> {
  const tally = new Tally(options, deadlineMs);
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
  const metrics = await daemon.metricsText();
  return tally.report({
    seconds: (performance.now() - started) / 1000,
    daemonPastDeadline: metrics === null ? null : pastDeadlineOf(metrics, deadlineMs),
    maxEventLoopDelayMs: maxLagMs(metrics),
    peakRssKb: { daemon: memory.selfKb, tree: memory.treeKb },
  });
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

/** The counts of the soak as answers come in. */
class Tally {
  answered = 0;
  crashes = 0;
  #unanswered = 0;
  #pastDeadline = 0;
  #unlabelled = 0;
  #forged = 0;
  readonly #labels: Record<string, number> = {};
  readonly #verdicts: Record<string, number> = {};
  readonly #families: Record<string, { messages: number; maxEomMs: number }> = {};
  readonly #eomMs: number[] = [];
  readonly #examples: string[] = [];
  #nextProgress: number;

  constructor(
    private readonly options: SoakOptions,
    private readonly deadlineMs: number,
  ) {
    this.#nextProgress = Math.ceil(options.messages / 10);
  }

  taken(): number {
    return this.answered + this.#unanswered;
  }

  answer(m: HostileMessage, result: TransactionResult): void {
    const eom = result.eom;
    if (!eom) return this.unanswered(m, new Error(`ended before end of message (${result.earlyExit ?? "?"})`));
    this.answered++;
    const ms = result.steps.find((s) => s.command === "eom")?.ms ?? 0;
    this.#eomMs.push(ms);
    const family = (this.#families[m.family] ??= { messages: 0, maxEomMs: 0 });
    family.messages++;
    family.maxEomMs = Math.max(family.maxEomMs, ms);
    if (ms > this.deadlineMs) {
      this.#pastDeadline++;
      this.example(`#${m.index} ${m.family}: answered after ${ms.toFixed(0)} ms`);
    }
    const judged = judgeAnswer(m.headers, eom, { statusHeader: "X-Floodgate-Status", forgedMark: FORGED_MARK });
    this.#verdicts[eom.action] = (this.#verdicts[eom.action] ?? 0) + 1;
    if (judged.forgedSurvived) {
      this.#forged++;
      this.example(`#${m.index} ${m.family}: a forged Floodgate header survived (${eom.action})`);
    }
    if (judged.label === null) {
      this.#unlabelled++;
      this.example(`#${m.index} ${m.family}: no campaign and no reason (${eom.action} ${eom.reply ?? ""})`);
    } else this.#labels[judged.label] = (this.#labels[judged.label] ?? 0) + 1;
    this.#progress();
  }

  unanswered(m: HostileMessage, err: Error): void {
    this.#unanswered++;
    this.example(`#${m.index} ${m.family}: not answered: ${err.message}`);
    this.#progress();
  }

  example(text: string): void {
    if (this.#examples.length < MAX_EXAMPLES) this.#examples.push(text);
  }

  report(extra: Pick<SoakReport, "seconds" | "daemonPastDeadline" | "maxEventLoopDelayMs" | "peakRssKb">): SoakReport {
    const { seed, messages, sessions } = this.options;
    return {
      seed,
      messages,
      sessions,
      ...extra,
      answered: this.answered,
      unanswered: this.#unanswered,
      crashes: this.crashes,
      pastDeadline: this.#pastDeadline,
      unlabelled: this.#unlabelled,
      forgedSurvived: this.#forged,
      labels: this.#labels,
      verdicts: this.#verdicts,
      families: this.#families,
      eomMs: summarize(this.#eomMs),
      examples: this.#examples,
      postfix: null,
    };
  }

  #progress(): void {
    if (this.taken() < this.#nextProgress) return;
    this.#nextProgress += Math.ceil(this.options.messages / 10);
    this.options.progress?.(
      `${this.taken()}/${this.options.messages} messages: ${this.#pastDeadline} late, ${this.#unlabelled} unlabelled, ` +
        `${this.#forged} forged headers surviving, ${this.#unanswered} unanswered`,
    );
  }
}
