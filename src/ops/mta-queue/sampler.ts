/**
 * The MTA's own queue, sampled on a timer: a downstream problem (the next hop unreachable, a full disk at the
 * mailbox server) stops mail as silently as a filter does, and shows first as mail accumulating in the MTA's queue.
 * The listing command runs as a child process bounded by `timeoutMs` (killed past it), its output counted as it
 * streams (./parse.ts); one sample at a time. Under the shipped systemd unit, `postqueue` needs
 * `SupplementaryGroups=postdrop`: NoNewPrivileges ignores its setgid bit.
 */
import { spawn } from "node:child_process";
import { mtaQueueMessages, mtaQueueOldestAge, mtaQueueUnobservableSeconds } from "../../metrics/metrics.js";
import type { Logger } from "../../util/logger.js";
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
  readonly #options: Required<Omit<MtaQueueSamplerOptions, "logger">> & { logger?: Logger };
  readonly #startedAt: number;
  #counts: MtaQueueCounts | null = null;
  #lastOkAt: number | null = null;
  #lastError: string | null = "not sampled yet";
  #running: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #warned = false;

  constructor(options: MtaQueueSamplerOptions) {
    this.#options = {
      command: DEFAULT_QUEUE_COMMANDS[options.mta],
      intervalMs: 60_000,
      timeoutMs: 30_000,
      clock: Date.now,
      ...options,
    };
    this.#startedAt = this.#options.clock();
  }

  start(): void {
    if (this.#timer) return;
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One sample (skipped while one runs). Never throws. */
  sample(): Promise<void> {
    this.#running ??= this.#sample().finally(() => (this.#running = null));
    return this.#running;
  }

  health(now = this.#options.clock()): MtaQueueHealth {
    const ok = this.#lastError === null;
    return {
      mta: this.#options.mta,
      counts: ok ? this.#counts : null,
      unobservableSeconds: ok ? 0 : Math.max(0, (now - (this.#lastOkAt ?? this.#startedAt)) / 1000),
      lastError: this.#lastError,
    };
  }

  async #sample(): Promise<void> {
    const o = this.#options;
    const now = o.clock();
    const parser = o.mta === "postfix" ? postfixParser(now) : sendmailParser(now);
    try {
      const counts = await runListing(o.command, parser, o.timeoutMs);
      this.#counts = counts;
      this.#lastOkAt = o.clock();
      this.#lastError = null;
      for (const queue of ["deferred", "active", "hold", "incoming"] as const) {
        mtaQueueMessages.set({ queue }, counts[queue]);
      }
      mtaQueueOldestAge.set(counts.oldestAgeSeconds);
      mtaQueueUnobservableSeconds.set(0);
      if (this.#warned) o.logger?.info({ mta: o.mta }, "the MTA's queue can be sampled again");
      this.#warned = false;
    } catch (err) {
      this.#lastError = (err as Error).message;
      mtaQueueUnobservableSeconds.set(this.health().unobservableSeconds);
      if (!this.#warned) o.logger?.warn({ mta: o.mta, err: this.#lastError }, "the MTA's queue cannot be sampled");
      this.#warned = true;
    }
  }
}
