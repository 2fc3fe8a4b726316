/**
 * The hostile-mail soak's report: what a run is given and what it reports, and the tally that counts each answer
 * (late, unlabelled, forged headers surviving, unanswered) as it comes in.
 */
import type { TransactionResult } from "../client/milter-client.js";
import { FORGED_MARK, type HostileMessage } from "../lab/hostile-mail.js";
import type { HostileFamily } from "../lab/hostile-recipes.js";
import type { ConfigOverrides } from "./floodgate.js";
import type { PostfixSampleReport } from "./hostile-postfix.js";
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
  /** Run an idle daemon (sent nothing) beside the soak's, as the baseline of the machine's own lateness. */
  idleBaseline?: boolean;
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
  /** The daemon's main thread over the run: on a CPU, and waiting for one (null off Linux). */
  mainThread: ThreadTime | null;
  /** The idle daemon of the same run, when one ran: its longest event-loop delay and its main thread. */
  idle: { maxEventLoopDelayMs: number | null; mainThread: ThreadTime | null } | null;
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

/** Problems described in the report at most. */
/** A thread's time over the run, in seconds: the run's length, on a CPU, runnable but waiting for a CPU. */
export interface ThreadTime {
  seconds: number;
  cpuSeconds: number;
  runQueueSeconds: number;
}

const MAX_EXAMPLES = 20;

/** The counts of the soak as answers come in. */
export class Tally {
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

  report(
    extra: Pick<
      SoakReport,
      "seconds" | "daemonPastDeadline" | "maxEventLoopDelayMs" | "mainThread" | "idle" | "peakRssKb"
    >,
  ): SoakReport {
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
