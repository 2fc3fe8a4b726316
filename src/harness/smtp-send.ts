/**
 * The SMTP client of the real-mail-flow comparison: each message once, in its own SMTP session (as most mail
 * arrives), `sessions` at a time, closed loop. Latency is counted from MAIL FROM to the reply to the final dot, the
 * part of a transaction a milter can slow down; the rate from the first connection to the last QUIT.
 */
import { SmtpSession } from "../lab/smtp.js";
import type { BenchMessage } from "./messages.js";
import { summarize, type LatencySummary } from "./stats.js";

/** One run's outcome. */
export interface SmtpSendResult {
  sessions: number;
  sent: number;
  accepted: number;
  tempfailed: number;
  rejected: number;
  errors: number;
  elapsedMs: number;
  /** Messages answered (any final reply) per second. */
  messagesPerSecond: number;
  /** MAIL FROM to the final reply, ms. */
  latency: LatencySummary;
  errorSamples: string[];
}

/** Send every message once through the SMTP server on 127.0.0.1:`port`. */
export async function sendEachOnce(
  port: number,
  messages: readonly BenchMessage[],
  sessions: number,
): Promise<SmtpSendResult> {
  const latencies: number[] = [];
  const r: SmtpSendResult = {
    sessions,
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
  let next = 0;
  const one = async (m: BenchMessage) => {
    const session = await SmtpSession.open(port, "127.0.0.1", 60_000);
    try {
      if ((await session.ehlo()).code >= 400) throw new Error("EHLO refused");
      const t0 = performance.now();
      const res = await session.transaction(m.message.sender, m.message.recipients, m.raw);
      latencies.push(performance.now() - t0);
      if (res.accepted) r.accepted++;
      else if (res.finalCode >= 400 && res.finalCode < 500) r.tempfailed++;
      else r.rejected++;
    } finally {
      await session.quit();
    }
  };
  const loop = async () => {
    while (next < messages.length) {
      const m = messages[next++]!;
      r.sent++;
      try {
        await one(m);
      } catch (err) {
        r.errors++;
        const msg = (err as Error).message;
        if (r.errorSamples.length < 5 && !r.errorSamples.includes(msg)) r.errorSamples.push(msg);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: sessions }, loop));
  r.elapsedMs = performance.now() - started;
  r.messagesPerSecond = ((r.sent - r.errors) / r.elapsedMs) * 1000;
  r.latency = summarize(latencies);
  return r;
}
