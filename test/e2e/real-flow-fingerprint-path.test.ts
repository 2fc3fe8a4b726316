/**
 * The real flow's fingerprint-only path (src/harness/flow-paths.ts, "+ ts engine, fingerprint only") through a real
 * private Postfix: the TypeScript engine in its own process fingerprints each message with Floodgate's pool and
 * answers continue with its one header, so every message is accepted and delivered with that header saying a
 * fingerprint was made; and the path reads the CPU of the engine's main thread, of its fingerprint threads (found by
 * name) and of the other threads apart, as the real flow reports them. Figures are the benchmark's, not judged here.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FINGERPRINT_ONLY_HEADER } from "../../src/harness/fingerprint-only-policy.js";
import { flowSets } from "../../src/harness/flow-messages.js";
import { startFlowPath } from "../../src/harness/flow-paths.js";
import { sendEachOnce } from "../../src/harness/smtp-send.js";
import { headerValues, readSinkDir } from "../../src/lab/maildir.js";
import { pollUntil } from "../support/poll.js";

const SESSIONS = 2;

void describe("real flow: + ts engine, fingerprint only", () => {
  void test("through Postfix, each message is fingerprinted, answered continue with one header, delivered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "floodgate-flow-fingerprint-"));
    const sets = await flowSets({ perRun: 12, rounds: 1, sessions: [SESSIONS], warmUp: 0 });
    const messages = sets.runs.find((r) => r.kind === "distinct")!.messages;
    const path = await startFlowPath("+ ts engine, fingerprint only", { dir });
    try {
      const result = await sendEachOnce(path.postfix.smtpPort, messages, SESSIONS);
      await path.settle();
      assert.equal(result.errors, 0, result.errorSamples.join("; "));
      assert.equal(result.accepted, messages.length, `accepted ${result.accepted} of ${messages.length}`);

      // Postfix has handed every message on once the path has settled; the sink may still be writing the last dumps.
      const dumps = await pollUntil(
        `the ${messages.length} messages at the sink`,
        () => {
          const found = readSinkDir(path.postfix.sinkDir, () => new Set());
          return found.length >= messages.length && found;
        },
        30_000,
      );
      assert.equal(dumps.length, messages.length, `delivered ${dumps.length} of ${messages.length}`);
      for (const m of dumps)
        assert.deepEqual(headerValues(m, FINGERPRINT_ONLY_HEADER), ["ok"], `${m.file}: one header, a fingerprint made`);

      const cpu = path.cpu();
      for (const part of ["milter", "main", "fingerprint", "others", "postfix"])
        assert.ok((cpu[part] ?? -1) >= 0, `the ${part} CPU was read: ${JSON.stringify(cpu)}`);
      assert.ok(path.fingerprintThreads() >= 1, "the engine's fingerprint threads were found by name");
      // The pool's threads fingerprint their warm-up messages before the engine listens: CPU far past one clock tick.
      assert.ok(cpu.fingerprint! > 0, `the fingerprint threads' CPU was counted apart: ${JSON.stringify(cpu)}`);
    } finally {
      await path.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
