/**
 * Sendmail's release as the helper drives it, with a small stand-in for the sendmail command that records its
 * arguments (and unquarantines as Sendmail does: `hf` back to `qf`): the quarantine run selects the quarantined jobs
 * (`-Q -qQ -qI<id>`) and then delivers the id; an id that another quarantined job's id contains is not released
 * (`-qI` matches substrings) and gets no outcome, so it stays held and recorded; an id no longer quarantined is gone.
 * The real Sendmail runs this in test/e2e/sendmail-hold-queue.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sendmailQueue } from "../../src/mta-hold/sendmail-queue.js";

function lab() {
  const dir = mkdtempSync(join(tmpdir(), "fg-sendmail-queue-"));
  const log = join(dir, "calls");
  const fake = join(dir, "sendmail");
  // Logs its arguments; on a quarantine run (-Q -qQ -qI<id>) renames hf<id> to qf<id>.
  writeFileSync(
    fake,
    `#!/bin/sh\necho "$*" >> ${log}\nif [ "$1" = -Q ] && [ "$2" = -qQ ]; then id=\${3#-qI}; ` +
      `mv ${dir}/hf$id ${dir}/qf$id; fi\n`,
  );
  chmodSync(fake, 0o755);
  const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  return { dir, calls, queue: sendmailQueue({ command: [fake], queueDir: dir }) };
}

void describe("Sendmail's release", () => {
  void test("unquarantines with a run over the quarantined jobs of the id, then delivers it", async () => {
    const { dir, calls, queue } = lab();
    writeFileSync(join(dir, "hf5B2BxQ1N012345"), "");
    assert.deepEqual(await queue.release(["5B2BxQ1N012345", "5B2BxQ1N099999"]), {
      "5B2BxQ1N012345": "released",
      "5B2BxQ1N099999": "gone",
    });
    assert.deepEqual(calls(), ["-Q -qQ -qI5B2BxQ1N012345", "-qI5B2BxQ1N012345"]);
  });
  void test("an id another quarantined job's id contains is left held, with no outcome", async () => {
    const { dir, calls, queue } = lab();
    writeFileSync(join(dir, "hf5B2BxQ1N012345"), "");
    writeFileSync(join(dir, "hf5B2BxQ1N0123456"), "");
    assert.deepEqual(await queue.release(["5B2BxQ1N012345"]), {});
    assert.deepEqual(calls(), []);
    assert.ok(existsSync(join(dir, "hf5B2BxQ1N012345")));
  });
});
