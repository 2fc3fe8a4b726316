/**
 * The libmilter engine never buffers a message without bound: while JavaScript is behind (its event loop busy),
 * the shim's libmilter thread stops queueing header and body events at 16 MiB and waits, so a 40 MiB body streamed
 * with no replies owed (SMFIP_NR_BODY) passes through a bounded queue, and arrives whole. The client sends from a
 * thread of its own, so it keeps sending while this loop is busy, and the loop stays busy until the queue has reached
 * its bound and a while longer: how far the body got before the loop stopped does not decide whether the bound is
 * met. A file of its own: one libmilter engine per process.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/schema.js";
import { SMFIF_ADDHDRS } from "../../src/milter/constants.js";
import { startLibmilterServer } from "../../src/engine/libmilter/engine.js";
import { loadShim } from "../../src/engine/libmilter/native.js";
import type { MilterServer } from "../../src/engine/engine.js";
import type { MilterPolicy } from "../../src/vocabulary/policy-api.js";
import { createLogger } from "../../src/util/logger.js";
import { freePort } from "../../src/util/tcp-port.js";
import { transactionInWorker } from "../support/transaction-in-worker.js";

const QUEUE_LIMIT = 16 * 1024 * 1024;
const BODY = 40 * 1024 * 1024;

/** Within one event of the bound: the shim checks the bound before it queues each event (64 KiB of body at most). */
const ONE_EVENT = 128 * 1024;
/** How long the loop stays busy once the queue reached its bound: a queue without one would grow past it meanwhile. */
const BUSY_AT_BOUND_MS = 500;
/** The most the loop waits for the queue to reach its bound. */
const FILL_LIMIT_MS = 60_000;

/**
 * Keeps the event loop busy right after end of headers, while the body streams in, until the shim's queue reached its
 * bound and BUSY_AT_BOUND_MS longer (or FILL_LIMIT_MS passed); labels the size it saw.
 */
function busyAfterHeaders(queuePeak: () => number): MilterPolicy {
  return {
    name: "busy-after-headers",
    decidesAt: new Set(["eoh", "eom"]),
    actions: SMFIF_ADDHDRS,
    endOfHeaders: () => {
      setImmediate(() => {
        // JavaScript is behind: nothing drains the shim's queue.
        const giveUp = Date.now() + FILL_LIMIT_MS;
        while (queuePeak() < QUEUE_LIMIT - ONE_EVENT && Date.now() < giveUp);
        const until = Date.now() + BUSY_AT_BOUND_MS;
        while (Date.now() < until);
      });
      return { kind: "continue" };
    },
    endOfMessage: async (_ctx, message) => ({
      verdict: { kind: "continue" },
      modifications: [{ kind: "addHeader", name: "X-Size", value: String(message.totalBytes) }],
    }),
  };
}

void describe("libmilter engine: a bounded event queue", () => {
  let server: MilterServer;
  let queuePeak: () => number;

  before(async () => {
    const loaded = await loadShim();
    assert.ok(loaded.ok, "the shim is loaded");
    queuePeak = () => loaded.shim.queuePeak();
    const settings = { ...defaultConfig().milter, eomDeadlineMs: 120_000 };
    server = await startLibmilterServer({
      listen: [`inet:127.0.0.1:${await freePort()}`],
      policy: busyAfterHeaders(queuePeak),
      settings: () => settings,
      logger: createLogger("silent"),
    });
  });
  after(async () => {
    await server.close(2000);
  });

  void test("a 40 MiB body through a busy event loop: the queue stays under its bound, the body arrives whole", async () => {
    const modifications = await transactionInWorker(server.addresses[0]!, {
      sender: "a@b",
      recipients: ["c@d"],
      headers: [["Subject", "large"]],
      body: Buffer.alloc(BODY, "0123456789abcdef\r\n"),
    });
    const size = modifications.find((m) => m.kind === "addHeader" && m.name === "X-Size");
    assert.equal(
      size?.kind === "addHeader" ? size.value.trim() : undefined,
      String("Subject: large\r\n\r\n".length + BODY),
    );
    const peak = queuePeak();
    console.log(`peak bytes queued for JavaScript: ${peak}`);
    // One event over the limit at most: the check happens before each event is queued.
    assert.ok(peak <= QUEUE_LIMIT + ONE_EVENT, `the shim queued ${peak} bytes at once, over its bound`);
    // And the queue did reach its bound while JavaScript was busy: else the bound went untested.
    assert.ok(
      peak >= QUEUE_LIMIT - ONE_EVENT,
      `the shim queued at most ${peak} bytes in ${FILL_LIMIT_MS} ms of a busy loop: the body stopped short of the bound`,
    );
  });
});
