/**
 * One pass of the verdicts benchmark through the private Postfix: every message sent once, each in its own SMTP
 * session, and the final replies counted: campaign copies and ham accepted, held, refused or failed.
 */
import { SmtpSession } from "../lab/smtp.js";
import type { VerdictMessage } from "../lab/verdict-set.js";

/** The final SMTP reply to one message. */
export interface Reply {
  code: number;
  text: string;
}

/** One pass's counts, from the final replies. */
export interface PassCounts {
  copies: { sent: number; accepted: number; held: number; refused: number; failed: number };
  ham: { sent: number; accepted: number; held: number; refused: number; failed: number };
  /** The ham not accepted: which, and the reply. */
  hamNotAccepted: Array<{ index: number; subject: string; code: number; text: string }>;
  /** Copies not refused, per campaign number. */
  copiesNotRefused: Record<number, number>;
  elapsedMs: number;
}

/** Send every message once and count the replies. */
export async function sendPass(
  port: number,
  messages: readonly VerdictMessage[],
  sessions: number,
): Promise<PassCounts> {
  const t0 = performance.now();
  const replies = await sendAll(port, messages, sessions);
  return count(messages, replies, performance.now() - t0);
}

/** Send each message in its own SMTP session, `sessions` at a time; the final reply of each, by index. */
export async function sendAll(port: number, messages: readonly VerdictMessage[], sessions: number): Promise<Reply[]> {
  const replies = new Array<Reply>(messages.length);
  let next = 0;
  const loop = async () => {
    while (next < messages.length) {
      const i = next++;
      const m = messages[i]!;
      try {
        const session = await SmtpSession.open(port, "127.0.0.1", 120_000);
        try {
          if ((await session.ehlo()).code >= 400) throw new Error("EHLO refused");
          const r = await session.transaction(m.sender, [m.recipient], m.message);
          replies[i] = { code: r.finalCode, text: r.finalText };
        } finally {
          await session.quit();
        }
      } catch (error) {
        replies[i] = { code: 0, text: (error as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: sessions }, loop));
  return replies;
}

/** A pass's counts from its replies. */
export function count(messages: readonly VerdictMessage[], replies: readonly Reply[], elapsedMs = 0): PassCounts {
  const zero = () => ({ sent: 0, accepted: 0, held: 0, refused: 0, failed: 0 });
  const out: PassCounts = { copies: zero(), ham: zero(), hamNotAccepted: [], copiesNotRefused: {}, elapsedMs };
  for (const [i, m] of messages.entries()) {
    const r = replies[i]!;
    const bucket = m.campaign === null ? out.ham : out.copies;
    bucket.sent++;
    const kind =
      r.code >= 200 && r.code < 300 ? "accepted" : r.code >= 500 ? "refused" : r.code >= 400 ? "held" : "failed";
    bucket[kind]++;
    if (m.campaign === null && kind !== "accepted") {
      out.hamNotAccepted.push({ index: m.index, subject: m.subject, code: r.code, text: r.text });
    }
    if (m.campaign !== null && kind !== "refused") {
      out.copiesNotRefused[m.campaign] = (out.copiesNotRefused[m.campaign] ?? 0) + 1;
    }
  }
  return out;
}
