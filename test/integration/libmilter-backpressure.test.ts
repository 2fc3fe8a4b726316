/**
 * The libmilter engine never buffers a message without bound: while JavaScript is behind (its event loop busy),
 * the shim's libmilter thread stops queueing header and body events at 16 MiB and waits, so a 40 MiB body streamed
 * with no replies owed (SMFIP_NR_BODY) passes through a bounded queue, and arrives whole. A file of its own: one
 * libmilter engine per process.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MilterClient } from "../../src/client/milter-client.js";
import { defaultConfig } from "../../src/config/schema.js";
import { SMFIF_ADDHDRS } from "../../src/milter/constants.js";
import { startLibmilterServer } from "../../src/engine/libmilter/engine.js";
import { loadShim } from "../../src/engine/libmilter/native.js";
import type { MilterServer } from "../../src/engine/engine.js";
import type { MilterPolicy } from "../../src/vocabulary/policy-api.js";
import { createLogger } from "../../src/util/logger.js";
import { freePort } from "../../src/util/tcp-port.js";

const QUEUE_LIMIT = 16 * 1024 * 1024;
const BODY = 40 * 1024 * 1024;

/** Keeps the event loop busy right after end of headers, while the body streams in; labels the size it saw. */
function busyAfterHeaders(): MilterPolicy {
  return {
    name: "busy-after-headers",
    decidesAt: new Set(["eoh", "eom"]),
    actions: SMFIF_ADDHDRS,
    endOfHeaders: () => {
      setImmediate(() => {
        const until = Date.now() + 3000;
        while (Date.now() < until) {
          // JavaScript is behind: nothing drains the shim's queue.
        }
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

  before(async () => {
    const settings = { ...defaultConfig().milter, eomDeadlineMs: 60_000 };
    server = await startLibmilterServer({
      listen: [`inet:127.0.0.1:${await freePort()}`],
      policy: busyAfterHeaders(),
      settings: () => settings,
      logger: createLogger("silent"),
    });
  });
  after(async () => {
    await server.close(2000);
  });

  void test("a 40 MiB body through a busy event loop: the queue stays under its bound, the body arrives whole", async () => {
    const client = await MilterClient.connect(server.addresses[0]!, { timeoutMs: 120_000 });
    await client.open();
    const r = await client.transaction({
      sender: "a@b",
      recipients: ["c@d"],
      headers: [["Subject", "large"]],
      body: Buffer.alloc(BODY, "0123456789abcdef\r\n"),
    });
    await client.quit();
    const size = r.eom?.modifications.find((m) => m.kind === "addHeader" && m.name === "X-Size");
    assert.equal(
      size?.kind === "addHeader" ? size.value.trim() : undefined,
      String("Subject: large\r\n\r\n".length + BODY),
    );
    const loaded = await loadShim();
    assert.ok(loaded.ok, "the shim is loaded");
    const peak = loaded.shim.queuePeak();
    console.log(`peak bytes queued for JavaScript: ${peak}`);
    // One event over the limit at most: the check happens before each event is queued.
    assert.ok(peak <= QUEUE_LIMIT + 128 * 1024, `the shim queued ${peak} bytes at once, over its bound`);
    // And the queue did fill while JavaScript was busy: a peak far below the bound would leave the bound untested.
    assert.ok(peak >= QUEUE_LIMIT / 2, `the shim queued at most ${peak} bytes: the busy loop never filled its queue`);
  });
});
