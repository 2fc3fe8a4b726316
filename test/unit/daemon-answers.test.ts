/**
 * A daemon's answers to one run read from its log by status: only message lines after the run's offset, a line not
 * yet complete left for later, and the wait for lines the log's writer still buffers.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answersSince, countStatuses, logOffset, statusKind } from "../../src/harness/daemon-answers.js";

const line = (status: string, msg = "message") => JSON.stringify({ level: 30, verdict: "x", status, msg }) + "\n";

void describe("daemon answers from its log", () => {
  void test("message lines by status; other lines, broken lines and an incomplete last line left out", () => {
    const text =
      line("continue; new") +
      line("tempfail; bulk-hold") +
      line("continue; new") +
      line("ignored", "fingerprint pool ready") +
      '{"msg":"message","status":\n' +
      line("continue; new").slice(0, 30);
    assert.deepEqual(countStatuses(text), {
      statuses: { "continue; new": 2, "tempfail; bulk-hold": 1 },
      messages: 3,
    });
  });

  void test("a status's kind leaves its figures out and keeps its words and named reasons", () => {
    assert.equal(
      statusKind("reject; campaign-spam; scanner=spamd score=12.9 threshold=5"),
      "reject; campaign-spam; scanner=spamd",
    );
    assert.equal(statusKind("continue; ham; scanner=spamd score=-1 threshold=5"), "continue; ham; scanner=spamd");
    assert.equal(statusKind("skipped; reason=redis-timeout"), "skipped; reason=redis-timeout");
    assert.equal(statusKind("reject; campaign-blocked; by=operator"), "reject; campaign-blocked; by=operator");
    assert.equal(statusKind("tempfail; bulk-hold"), "tempfail; bulk-hold");
    assert.deepEqual(
      countStatuses(
        line("reject; campaign-spam; scanner=spamd score=10.1 threshold=5") +
          line("reject; campaign-spam; scanner=spamd score=7 threshold=5"),
      ),
      { statuses: { "reject; campaign-spam; scanner=spamd": 2 }, messages: 2 },
    );
  });

  void test("only what was logged after the offset, waiting for lines written late", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-answers-"));
    try {
      const log = join(dir, "daemon.log");
      assert.equal(logOffset(log), 0, "a log not written yet starts at 0");
      writeFileSync(log, line("continue; new") + line("reject; campaign-blocked; by=operator"));
      const from = logOffset(log);
      appendFileSync(log, line("tempfail; bulk-hold"));
      setTimeout(() => appendFileSync(log, line("continue; new")), 200);
      const answers = await answersSince(log, from, 2);
      assert.deepEqual(answers, { "tempfail; bulk-hold": 1, "continue; new": 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
