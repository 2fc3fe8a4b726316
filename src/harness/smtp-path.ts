/**
 * End-to-end runs through a private Postfix (src/lab/postfix.ts): `smtp-source` throughput with and without a
 * milter, and a closed-loop SMTP sender of corpus or campaign messages that counts each final reply (accepted,
 * tempfailed, rejected), for the SMTP-path comparisons.
 */
import { spawn } from "node:child_process";
import { startPostfix, type PostfixLab } from "../lab/postfix.js";
import { sendMail } from "../lab/smtp.js";
import type { BenchMessage } from "./messages.js";
import { summarize, type LatencySummary } from "./stats.js";

/** The main.cf settings real-mta-lab.md gives for load tests. */
export const LOAD_TEST_MAIN: Record<string, string> = {
  default_process_limit: "200",
  smtpd_client_connection_count_limit: "0",
  smtpd_client_connection_rate_limit: "0",
  in_flow_delay: "0",
  smtp_destination_concurrency_limit: "50",
};

/** A private Postfix with `milter` (a spec) or none (null: smtpd_milters empty). */
export function startBenchPostfix(milter: string | null): Promise<PostfixLab> {
  return startPostfix({
    milter: milter ?? "inet:127.0.0.1:9",
    defaultAction: "tempfail",
    extraMain: milter ? LOAD_TEST_MAIN : { ...LOAD_TEST_MAIN, smtpd_milters: "" },
  });
}

/** One smtp-source run, timed from start to exit. */
export interface SmtpSourceResult {
  sessions: number;
  messages: number;
  elapsedMs: number;
  messagesPerSecond: number;
  exitCode: number | null;
  /** smtp-source's warnings (a 4xx/5xx reply is one). */
  warnings: number;
  stderrTail: string;
}

/** `smtp-source -s S -m N -l L -f … -t … 127.0.0.1:PORT`, timed from start to exit. */
export function runSmtpSource(
  port: number,
  options: { sessions?: number; messages: number; length?: number; timeoutMs?: number },
): Promise<SmtpSourceResult> {
  const sessions = options.sessions ?? 20;
  const args = [
    "-s",
    String(sessions),
    "-m",
    String(options.messages),
    "-l",
    String(options.length ?? 4096),
    "-f",
    "sender@lab.local",
    "-t",
    "bob@example.com",
    "-S",
    "bench",
    `127.0.0.1:${port}`,
  ];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const p = spawn("/usr/sbin/smtp-source", args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => p.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    p.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run smtp-source: ${e.message}`));
    });
    p.once("exit", (code) => {
      clearTimeout(timer);
      const elapsedMs = performance.now() - started;
      resolve({
        sessions,
        messages: options.messages,
        elapsedMs,
        messagesPerSecond: (options.messages / elapsedMs) * 1000,
        exitCode: code,
        warnings: (err.match(/warning|fatal/g) ?? []).length,
        stderrTail: err.split("\n").slice(-5).join("\n").trim(),
      });
    });
  });
}

/** The final replies of an SMTP flood, by class. */
export interface SmtpFloodResult {
  concurrency: number;
  sent: number;
  accepted: number;
  tempfailed: number;
  rejected: number;
  errors: number;
  elapsedMs: number;
  /** Messages answered (any final reply) per second. */
  messagesPerSecond: number;
  /** SMTP transaction latency, connect to final reply. */
  latency: LatencySummary;
  errorSamples: string[];
}

/** An empty result for `concurrency` senders. */
export function emptySmtpResult(concurrency: number): SmtpFloodResult {
  return {
    concurrency,
    sent: 0,
    accepted: 0,
    tempfailed: 0,
    rejected: 0,
    errors: 0,
    elapsedMs: 0,
    messagesPerSecond: 0,
    latency: summarize([]),
    errorSamples: [],
  };
}

/** Count one transaction's final reply, or the error that ended it. */
export function countSmtpOutcome(r: SmtpFloodResult, outcome: { accepted: boolean; finalCode: number } | Error): void {
  if (outcome instanceof Error) {
    r.errors++;
    if (r.errorSamples.length < 5 && !r.errorSamples.includes(outcome.message)) r.errorSamples.push(outcome.message);
  } else if (outcome.accepted) r.accepted++;
  else if (outcome.finalCode >= 400 && outcome.finalCode < 500) r.tempfailed++;
  else r.rejected++;
}

/** The rate and latency summary once every sender is done. */
export function finishSmtpResult(r: SmtpFloodResult, startedAt: number, latencies: readonly number[]): SmtpFloodResult {
  r.elapsedMs = performance.now() - startedAt;
  r.messagesPerSecond = ((r.sent - r.errors) / r.elapsedMs) * 1000;
  r.latency = summarize(latencies);
  return r;
}

/** Send `messages` (cycled) through SMTP with `concurrency` senders until `maxMessages` or `durationMs`. */
export async function smtpFlood(
  port: number,
  messages: readonly BenchMessage[],
  options: { concurrency: number; maxMessages: number; durationMs: number; onProgress?: (line: string) => void },
): Promise<SmtpFloodResult> {
  const started = performance.now();
  const latencies: number[] = [];
  const r = emptySmtpResult(options.concurrency);
  let next = 0;
  const ticker = setInterval(
    () =>
      options.onProgress?.(
        `[smtp ×${options.concurrency}] sent=${r.sent} accepted=${r.accepted} tempfail=${r.tempfailed} reject=${r.rejected} errors=${r.errors}`,
      ),
    1000,
  );
  const loop = async () => {
    while (next < options.maxMessages && performance.now() - started < options.durationMs) {
      const m = messages[next++ % messages.length]!;
      r.sent++;
      const t0 = performance.now();
      try {
        const res = await sendMail({
          port,
          from: m.message.sender,
          to: [...m.message.recipients],
          data: m.raw,
          timeoutMs: 120_000,
        });
        latencies.push(performance.now() - t0);
        countSmtpOutcome(r, res);
      } catch (err) {
        countSmtpOutcome(r, err as Error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, loop));
  } finally {
    clearInterval(ticker);
  }
  return finishSmtpResult(r, started, latencies);
}
