/**
 * `floodgate fingerprint FILE…`: one JSON line per file through the real thread pool; exit code 1 when a file
 * cannot be read.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fingerprintCommand } from "../../src/cli/fingerprint-command.js";
import { defaultConfig } from "../../src/config/schema.js";
import { campaignBase, campaignVariants } from "../../src/lab/campaign-variants.js";
import { loadSpam } from "../../src/lab/corpus.js";

async function run(files: string[]): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => (text += d.toString()));
  const config = defaultConfig();
  config.fingerprint.threads = 1;
  const code = await fingerprintCommand(files, config, out);
  return {
    code,
    lines: text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

void describe("fingerprint command", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "floodgate-fp-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test("two copies of one campaign give lines with the same fingerprint keys", async () => {
    const [spam] = loadSpam({ limit: 1 });
    assert.ok(spam);
    const variants = campaignVariants(await campaignBase(spam.bytes), 2, { seed: 7, names: false });
    const files = variants.map((v, i) => {
      const file = join(dir, `v${i}.eml`);
      writeFileSync(file, v.message);
      return file;
    });
    const { code, lines } = await run(files);
    assert.equal(code, 0);
    assert.equal(lines.length, 2);
    const [a, b] = lines as { file: string; status: string; fingerprint: { direct: string; minhash: number[] } }[];
    assert.equal(a?.file, files[0]);
    assert.equal(a?.status, "ok");
    assert.equal(b?.status, "ok");
    assert.equal(a?.fingerprint.direct, b?.fingerprint.direct);
    assert.deepEqual(a?.fingerprint.minhash, b?.fingerprint.minhash);
  });

  void test("an unreadable file gives an error line and exit code 1; the others are still done", async () => {
    const good = join(dir, "good.eml");
    writeFileSync(good, "Subject: hi\r\n\r\nhello\r\n");
    const { code, lines } = await run([join(dir, "missing.eml"), good]);
    assert.equal(code, 1);
    assert.equal(lines[0]?.status, "error");
    assert.match(String(lines[0]?.reason), /ENOENT/);
    assert.equal(lines[1]?.status, "ok");
  });
});
