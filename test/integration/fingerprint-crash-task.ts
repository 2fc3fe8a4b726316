/**
 * A piscina task file for the pool tests only: the real fingerprint task, except for messages that start with
 * a command word, which make the thread die ("EXIT"), throw outside the task ("THROW") or hang in a busy loop
 * ("HANG"), the way a parser bug on a hostile message would.
 */
import { runFingerprintTask, type FingerprintTask, type FingerprintTaskResult } from "../../src/fingerprint/task.js";

export default function crashingTask(task: FingerprintTask): Promise<FingerprintTaskResult> {
  const head = Buffer.from(task.message.buffer, task.message.byteOffset, Math.min(5, task.message.byteLength)).toString(
    "latin1",
  );
  if (head.startsWith("EXIT")) process.exit(3);
  if (head.startsWith("THROW")) {
    setImmediate(() => {
      throw new Error("thread blew up outside the task");
    });
    return new Promise(() => undefined);
  }
  if (head.startsWith("HANG")) {
    for (;;) {
      // a parser stuck on a hostile message
    }
  }
  return runFingerprintTask(task);
}
