/**
 * Messages straight over the milter protocol as Postfix sends them (src/client, `style: "postfix"`): each message in
 * a session of its own, as Postfix opens one per SMTP session, `sessions` of them at once, closed loop. For the
 * benchmarks that drive a daemon without an MTA in front (benchmarks/daemon-ab.ts, fingerprint-daemon.ts).
 */
import { MilterClient } from "../client/milter-client.js";
import type { TestMessage } from "../client/client-types.js";

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
      const message = messages[next++]!;
      const client = await MilterClient.connect(spec, { style: "postfix", timeoutMs: 10_000 });
      try {
        await client.open();
        const result = await client.transaction(message);
        const eom = result.steps.find((s) => s.command === "eom");
        if (eom) times.push(eom.ms);
      } finally {
        await client.quit().catch(() => undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: sessions }, lane));
  return times;
}
