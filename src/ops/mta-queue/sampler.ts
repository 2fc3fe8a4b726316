/**
 * The MTA's own queue, sampled on a timer: a downstream problem (the next hop unreachable, a full disk at the
 * mailbox server) stops mail as silently as a filter does, and shows first as mail accumulating in the MTA's queue.
 * The listing command runs as a child process bounded by `timeoutMs` (killed past it), its output counted as it
 * streams (./parse.ts); one sample at a time. Under the shipped systemd unit, `postqueue` needs the postdrop group
 * (NoNewPrivileges ignores its setgid bit), which the drop-in deploy/systemd/floodgate.service.d/postfix-queue.conf gives.
 */
import { spawn } from "node:child_process";
import type { FloodgateMetrics } from "../../metrics/metrics.js";
import type { Logger } from "../../util/logger.js";
import { Sampled } from "../health/sampled.js";
import { postfixParser, sendmailParser, type MtaQueueCounts, type QueueListingParser } from "./parse.js";

export type { MtaQueueCounts } from "./parse.js";

/** Which MTA's listing the command prints. */
export type MtaKind = "postfix" | "sendmail";

/** The listing command of each MTA by default. */
export const DEFAULT_QUEUE_COMMANDS: Record<MtaKind, readonly string[]> = {
  postfix: ["postqueue", "-j"],
  sendmail: ["mailq"],
};

export interface MtaQueueSamplerOptions {
  mta: MtaKind;
  /** The command and its arguments. @defaultValue DEFAULT_QUEUE_COMMANDS[mta] */
  command?: readonly string[];
  /** @defaultValue 60000 */
  intervalMs?: number;
  /** @defaultValue 30000 */
  timeoutMs?: number;
  clock?: () => number;
  logger?: Logger;
  /** Where it counts: the MTA queue's counts and age. */
  metrics?: Pick<FloodgateMetrics, "mtaQueueMessages" | "mtaQueueOldestAge" | "mtaQueueUnobservableSeconds">;
}

/** The MTA's queue as the rules and `/status` read it. */
export interface MtaQueueHealth {
  mta: MtaKind;
  /** The last sample, when the last attempt took it; null otherwise. */
  counts: MtaQueueCounts | null;
  /** Seconds since the last sample that worked (since start when none did); 0 while sampling works. */
  unobservableSeconds: number;
  lastError: string | null;
}

/** Run a listing command and count its output; rejects with the command's complaint when it fails. */
export function runListing(
  command: readonly string[],
  parser: QueueListingParser,
  timeoutMs: number,
): Promise<MtaQueueCounts> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = command;
    const child = spawn(program!, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => parser.push(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < 1024) stderr += chunk.slice(0, 1024 - stderr.length);
    });
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${program}: ${err.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${command.join(" ")} gave no full answer within ${timeoutMs} ms`));
      else if (code !== 0) {
        const why = stderr.trim().split("\n").slice(-1)[0] || `exit ${code ?? signal}`;
        reject(new Error(`${command.join(" ")} failed: ${why}`));
      } else resolve(parser.result());
    });
  });
}

/** Samples the MTA's queue every `intervalMs`; `health()` answers at once. */
export class MtaQueueSampler {
  readonly #mta: MtaKind;
  readonly #sampled: Sampled<MtaQueueCounts>;
  readonly #metrics: Pick<
    FloodgateMetrics,
    "mtaQueueMessages" | "mtaQueueOldestAge" | "mtaQueueUnobservableSeconds"
  > | null;

  constructor(options: MtaQueueSamplerOptions) {
    this.#metrics = options.metrics ?? null;
    const mta = options.mta;
    const command = options.command ?? DEFAULT_QUEUE_COMMANDS[mta];
    const timeoutMs = options.timeoutMs ?? 30_000;
    const clock = options.clock ?? Date.now;
    this.#mta = mta;
    this.#sampled = new Sampled({
      what: `the ${mta} queue`,
      attempt: () => {
        const now = clock();
        return runListing(command, mta === "postfix" ? postfixParser(now) : sendmailParser(now), timeoutMs);
      },
      intervalMs: options.intervalMs ?? 60_000,
      // The listing kills itself at `timeoutMs`: give it a moment more to say so.
      timeoutMs: timeoutMs + 1000,
      after: (counts) => this.#after(counts),
      clock,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /** Sample now and then every `intervalMs`. */
  start(): void {
    this.#sampled.start();
    void this.#sampled.sample();
  }

  stop(): Promise<void> {
    return this.#sampled.stop();
  }

  /** One sample. Never throws. */
  sample(): Promise<void> {
    return this.#sampled.sample();
  }

  health(now?: number): MtaQueueHealth {
    const s = this.#sampled.state(now);
    return { mta: this.#mta, counts: s.value, unobservableSeconds: s.failingSeconds, lastError: s.lastError };
  }

  #after(counts: MtaQueueCounts | null): void {
    this.#metrics?.mtaQueueUnobservableSeconds.set(this.#sampled.state().failingSeconds);
    if (!counts) return;
    for (const queue of ["deferred", "active", "hold", "incoming"] as const)
      this.#metrics?.mtaQueueMessages.set({ queue }, counts[queue]);
    this.#metrics?.mtaQueueOldestAge.set(counts.oldestAgeSeconds);
  }
}
