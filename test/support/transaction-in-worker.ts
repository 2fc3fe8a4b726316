/**
 * Test support: one milter transaction sent by src/client on a thread of its own, so that it keeps sending while the
 * test's own event loop is busy (a client on the test's loop cannot write while the loop is stopped). Resolves with
 * the end-of-message modifications the milter returned.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { MilterClient } from "../../src/client/milter-client.js";
import type { TestMessage } from "../../src/client/client-types.js";
import type { Modification } from "../../src/vocabulary/modification.js";

interface Job {
  address: string;
  message: TestMessage;
}

/** Send `message` to the milter at `address` from another thread; its end-of-message modifications. */
export function transactionInWorker(address: string, message: TestMessage): Promise<Modification[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { address, message } satisfies Job });
    worker.once("message", (modifications: Modification[]) => resolve(modifications));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the client's thread exited with ${code} before an answer`)));
  });
}

if (!isMainThread && parentPort) {
  const { address, message } = workerData as Job;
  // A Buffer arrives as a plain Uint8Array: the client's encoder wants a Buffer (a view, not a copy).
  const body =
    typeof message.body === "string"
      ? message.body
      : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
  const client = await MilterClient.connect(address, { timeoutMs: 120_000 });
  await client.open();
  const result = await client.transaction({ ...message, body });
  await client.quit();
  parentPort.postMessage(result.eom?.modifications ?? []);
}
