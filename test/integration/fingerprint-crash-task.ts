/**
 * A piscina task file for the pool tests only: the real fingerprint task, except for messages that start with
 * a command word, which make the thread die ("EXIT"), throw outside the task ("THROW"), hang in a busy loop
 * ("HANG") or grow its heap until the thread's limit ("OOM"), the way a parser bug on a hostile message would, or
 * take a second before the real work ("SLOW"), as a large message on a busy machine. The first such message of a
 * batch acts.
 */
import { runFingerprintBatch, type FingerprintBatch, type FingerprintTaskResult } from "../../src/fingerprint/task.js";

export default function crashingTask(batch: FingerprintBatch): Promise<FingerprintTaskResult[]> {
  for (const message of batch.messages) {
    const head = Buffer.from(message.buffer, message.byteOffset, Math.min(5, message.byteLength)).toString("latin1");
    if (head.startsWith("EXIT")) process.exit(3);
    if (head.startsWith("THROW")) {
      setImmediate(() => {
        throw new Error("thread blew up outside the task");
      });
      return new Promise(() => undefined);
    }
    if (head.startsWith("OOM")) {
      // Small steps, as a runaway loop grows: the thread's heap limit ends the thread, not the process.
      const held: string[] = [];
      for (let i = 0; ; i++) held.push(`${i}`.padEnd(1024, "x"));
    }
    if (head.startsWith("SLOW")) {
      const until = Date.now() + 1000;
      while (Date.now() < until) {
        // parsing
      }
    }
    if (head.startsWith("HANG")) {
      for (;;) {
        // a parser stuck on a hostile message
      }
    }
  }
  return runFingerprintBatch(batch);
}
