/**
 * Messages straight over the milter protocol as Postfix sends them (src/client, `style: "postfix"`): each message in
 * a session of its own, as Postfix opens one per SMTP session, `sessions` of them at once, closed loop. For the
 * benchmarks that drive a daemon without an MTA in front (benchmarks/daemon-ab.ts, fingerprint-daemon.ts).
 */
import { MilterClient } from "../client/milter-client.js";
import type { TestMessage, TransactionResult } from "../client/client-types.js";

/** One message in a session of its own, as Postfix sends it; the session is closed after. */
export async function sendInOwnSession(spec: string, message: TestMessage): Promise<TransactionResult> {
  const client = await MilterClient.connect(spec, { style: "postfix", timeoutMs: 10_000 });
  try {
    await client.open();
    return await client.transaction(message);
  } finally {
    await client.quit().catch(() => undefined);
  }
}

/** Send every message once, each in its own session, `sessions` at once; the end-of-message reply times, ms. */
export async function sendEachInOwnSession(
  spec: string,
  messages: readonly TestMessage[],
  sessions: number,
): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < messages.length) {
      const result = await sendInOwnSession(spec, messages[next++]!);
      const eom = result.steps.find((s) => s.command === "eom");
      if (eom) times.push(eom.ms);
    }
  };
  await Promise.all(Array.from({ length: sessions }, lane));
  return times;
}
