/**
 * Test support: a flood of distinct real messages (the SpamAssassin corpus's ham, each with its own recipient) sent
 * over a few milter sessions in a loop until stopped, recording what each message got: the end-of-message action,
 * the SMTP reply and Floodgate's status header. A session the daemon closes is opened again.
 */
import { MilterClient } from "../../src/client/milter-client.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import { loadHam } from "../../src/lab/corpus.js";

/** What one message got, and when it was answered (ms since the epoch). */
export interface Outcome {
  at: number;
  action: string;
  reply: string;
  status: string;
}

export interface Flood {
  readonly outcomes: Outcome[];
  /** Outcomes answered after `since` (ms). */
  since(since: number): Outcome[];
  /** Stop sending; resolves when every session has finished its message. */
  stop(): Promise<void>;
}

/** The status header's value of an end-of-message result, "" when none. */
export function statusOf(modifications: ReadonlyArray<{ kind: string; name?: string; value?: string }>): string {
  const header = modifications.find((m) => "name" in m && m.name === "X-Floodgate-Status");
  return header?.value?.trim() ?? "";
}

/**
 * A corpus ham message with `kib` KiB of distinct words before its own body: more text than any fingerprint task
 * reads in a millisecond on any machine (a test that needs the pool to time out for certain).
 */
function padded(bytes: Buffer, kib: number): Buffer {
  if (kib === 0) return bytes;
  const words: string[] = [];
  for (let i = 0, size = 0; size < kib * 1024; i++) {
    const word = `filler${(i * 7919) % 100_003}`;
    words.push(word);
    size += word.length + 1;
  }
  return Buffer.concat([
    Buffer.from(`From: list@example.org\r\nSubject: padded ${words.length}\r\nContent-Type: text/plain\r\n\r\n`),
    Buffer.from(words.join(" ")),
    Buffer.from("\r\n"),
    bytes.subarray(bytes.indexOf("\r\n\r\n") + 4 || bytes.indexOf("\n\n") + 2),
  ]);
}

/** Send `count` messages on one session and return their outcomes; `padKiB` pads each (see `padded`). */
export async function sendMessages(milter: string, count: number, offset = 0, padKiB = 0): Promise<Outcome[]> {
  // The limit applies per corpus group: cut the list to exactly `count`.
  const messages = loadHam({ limit: offset + count })
    .slice(offset, offset + count)
    .map((m) => ({ ...m, bytes: padded(m.bytes, padKiB) }));
  const client = await MilterClient.connect(milter, { timeoutMs: 20_000 });
  const out: Outcome[] = [];
  try {
    await client.open();
    for (const [i, m] of messages.entries()) {
      const r = await client.transaction(rawToTestMessage(m.bytes, "list@example.org", [`user${offset + i}@box.lab`]));
      out.push({
        at: Date.now(),
        action: r.eom?.action ?? r.earlyExit ?? "none",
        reply: r.eom?.reply ?? "",
        status: statusOf(r.eom?.modifications ?? []),
      });
    }
    await client.quit();
  } finally {
    client.destroy();
  }
  return out;
}

/** Start sending over `sessions` sessions, `pauseMs` between messages of a session. */
export function startFlood(milter: string, options: { sessions?: number; pauseMs?: number } = {}): Flood {
  const sessions = options.sessions ?? 2;
  const pauseMs = options.pauseMs ?? 50;
  const messages = loadHam({ limit: 400 });
  const outcomes: Outcome[] = [];
  let stopping = false;
  let sent = 0;
  const loop = async (session: number) => {
    while (!stopping) {
      const client = await MilterClient.connect(milter, { timeoutMs: 20_000 });
      try {
        await client.open();
        while (!stopping) {
          const n = sent++;
          const m = messages[n % messages.length]!;
          const r = await client.transaction(
            rawToTestMessage(m.bytes, "list@example.org", [`s${session}-${n}@box.lab`]),
          );
          outcomes.push({
            at: Date.now(),
            action: r.eom?.action ?? r.earlyExit ?? "none",
            reply: r.eom?.reply ?? "",
            status: statusOf(r.eom?.modifications ?? []),
          });
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
        await client.quit();
      } catch (error) {
        if (stopping) return;
        failure ??= error as Error;
        stopping = true;
      } finally {
        client.destroy();
      }
    }
  };
  let failure: Error | null = null;
  const running = Promise.all(Array.from({ length: sessions }, (_, i) => loop(i)));
  return {
    outcomes,
    since: (t) => outcomes.filter((o) => o.at > t),
    async stop() {
      stopping = true;
      await running;
      if (failure) throw new Error(`the flood's milter client failed: ${failure.message}`);
    },
  };
}
