/**
 * The SMTP client of the real-mail-flow comparison: each message once, in its own SMTP session (as most mail
 * arrives), `sessions` at a time, closed loop. Latency is counted from MAIL FROM to the reply to the final dot, the
 * part of a transaction a milter can slow down; the rate from the first connection to the last QUIT.
 */
import { SmtpSession } from "../lab/smtp.js";
import type { BenchMessage } from "./messages.js";
import { countSmtpOutcome, emptySmtpResult, finishSmtpResult, type SmtpFloodResult } from "./smtp-path.js";

/** One run's outcome (`concurrency`: the sessions). */
export type SmtpSendResult = SmtpFloodResult;

/** Send every message once through the SMTP server on 127.0.0.1:`port`. */
export async function sendEachOnce(
  port: number,
  messages: readonly BenchMessage[],
  sessions: number,
): Promise<SmtpSendResult> {
  const latencies: number[] = [];
  const r = emptySmtpResult(sessions);
  let next = 0;
  const one = async (m: BenchMessage) => {
    const session = await SmtpSession.open(port, "127.0.0.1", 60_000);
    try {
      if ((await session.ehlo()).code >= 400) throw new Error("EHLO refused");
      const t0 = performance.now();
      const res = await session.transaction(m.message.sender, m.message.recipients, m.raw);
      latencies.push(performance.now() - t0);
      countSmtpOutcome(r, res);
    } finally {
      await session.quit();
    }
  };
  const loop = async () => {
    while (next < messages.length) {
      const m = messages[next++]!;
      r.sent++;
      await one(m).catch((err: Error) => countSmtpOutcome(r, err));
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: sessions }, loop));
  return finishSmtpResult(r, started, latencies);
}
