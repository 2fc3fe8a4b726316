/**
 * The real flow's two engine-only paths beside Floodgate (src/harness/flow-paths.ts) through a real private Postfix,
 * each in its own process:
 * - "+ ts engine, crossings only": each message handed to a fingerprint thread whose task does not read it, then one
 *   GET on the process's private Redis, answered continue with its one header saying both were done;
 * - "+ ts engine, fingerprint only": each message fingerprinted with Floodgate's pool, answered continue with its one
 *   header saying a fingerprint was made.
 * Every message is accepted and delivered with that header; the path reads the CPU of the engine's main thread, of
 * its fingerprint threads (found by name) and of the other threads apart, and of the private Redis where there is
 * one, as the real flow reports them, each process by a control group of its own (src/harness/cpu-group.ts), which
 * over a run counts what the engine's threads count. Figures are the benchmark's, not judged here.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CROSSINGS_HEADER } from "../../src/harness/crossings-policy.js";
import { FINGERPRINT_ONLY_HEADER } from "../../src/harness/fingerprint-only-policy.js";
import { flowSets } from "../../src/harness/flow-messages.js";
import { CROSSINGS_PATH, type FlowPathName } from "../../src/harness/flow-path-names.js";
import { startFlowPath } from "../../src/harness/flow-paths.js";
import { sendEachOnce } from "../../src/harness/smtp-send.js";
import { headerValues, readSinkDir } from "../../src/lab/maildir.js";
import { pollUntil } from "../support/poll.js";

const SESSIONS = 2;

const CASES: Array<{ path: FlowPathName; header: string; value: string; parts: string[]; grouped: string[] }> = [
  {
    path: CROSSINGS_PATH,
    header: CROSSINGS_HEADER,
    value: "ok; ok",
    parts: ["milter", "main", "fingerprint", "others", "redis", "postfix"],
    grouped: ["milter", "redis", "postfix"],
  },
  {
    path: "+ ts engine, fingerprint only",
    header: FINGERPRINT_ONLY_HEADER,
    value: "ok",
    parts: ["milter", "main", "fingerprint", "others", "postfix"],
    grouped: ["milter", "postfix"],
  },
];

for (const c of CASES) {
  void describe(`real flow: ${c.path}`, () => {
    void test("through Postfix, each message is answered continue with the path's one header, and delivered", async () => {
      const dir = mkdtempSync(join(tmpdir(), "floodgate-flow-engine-"));
      const sets = await flowSets({ perRun: 12, rounds: 1, sessions: [SESSIONS], warmUp: 0 });
      const messages = sets.runs.find((r) => r.kind === "distinct")!.messages;
      const path = await startFlowPath(c.path, { dir });
      try {
        // Root on a cgroup v2 hierarchy, as make test runs: every process of the path counted by a group of its own.
        assert.deepEqual(path.groupCounted, c.grouped, "the parts a control group counts");
        const before = path.cpu();
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
        for (const m of dumps) assert.deepEqual(headerValues(m, c.header), [c.value], `${m.file}: the path's header`);

        const cpu = path.cpu();
        for (const part of c.parts)
          assert.ok((cpu[part] ?? -1) >= 0, `the ${part} CPU was read: ${JSON.stringify(cpu)}`);
        // The engine's threads live as long as it does: its group counts over the run what their own counts add up to.
        const delta = (part: string) => cpu[part]! - before[part]!;
        const threads = delta("main") + delta("fingerprint") + delta("others");
        assert.ok(
          Math.abs(delta("milter") - threads) <= 1 + 0.02 * threads,
          `the group counted ${delta("milter")} ms, the threads ${threads} ms`,
        );
        assert.ok(path.fingerprintThreads() >= 1, "the engine's fingerprint threads were found by name");
      } finally {
        await path.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

void test("the fingerprint-only path's threads fingerprint their warm-up before the engine listens", async () => {
  const dir = mkdtempSync(join(tmpdir(), "floodgate-flow-engine-"));
  const path = await startFlowPath("+ ts engine, fingerprint only", { dir });
  try {
    // Built-in messages fingerprinted at start: CPU far past one clock tick, counted apart from the main thread's.
    const cpu = path.cpu();
    assert.ok(cpu.fingerprint! > 0, `the fingerprint threads' CPU was counted apart: ${JSON.stringify(cpu)}`);
  } finally {
    await path.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
