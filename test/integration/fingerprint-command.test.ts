/**
 * `floodgate fingerprint FILE…`: one JSON line per file through the real thread pool; exit code 1 when a file
 * cannot be read. `--explain FILE`: the text a reader sees with hidden text marked, the words, the keys;
 * `--compare A B`: the values two messages share and whether they are one campaign (exit 0) or not (exit 1).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { spawnSync } from "node:child_process";
import { compareCommand, explainCommand, fingerprintCommand } from "../../src/cli/fingerprint-command.js";
import { defaultConfig } from "../../src/config/schema.js";
import { campaignBase, campaignVariants } from "../../src/lab/campaign-variants.js";
import { loadHam, loadSpam } from "../../src/lab/corpus.js";
import { CLI } from "../support/daemon.js";

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
    assert.ok(!("minhashText" in (a?.fingerprint ?? {})), "the values are printed once, not again as the store's text");
    assert.ok(!("sampleText" in (a?.fingerprint ?? {})), "nor as the store's sample");
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

  const capture = () => {
    let text = "";
    return { out: { write: (t: string) => (text += t) }, text: () => text };
  };
  const salted = (salt: string, greeting: string) =>
    [
      "From: offers@example.net",
      "To: Mary Smith <mary.smith@example.org>",
      "Subject: Your parcel",
      "Content-Type: text/html; charset=utf-8",
      "",
      `<style>.x{display:none}</style><p>${greeting}</p>`,
      `<p>${Array.from({ length: 90 }, (_, i) => `parcel${"abcdefghij"[i % 10]}${"klmnopqrst"[Math.floor(i / 10)]}`).join(" ")}</p>`,
      `<div class="x">${salt}</div>`,
      `<p><a href="https://track.example.com/p?u=1">Track it</a></p>`,
    ].join("\r\n");

  void test("--explain marks the hidden text, lists the words, the names and what the exact key is made of", async () => {
    const file = join(dir, "explain.eml");
    writeFileSync(file, salted("hidden salt words here", "Dear Mary,"));
    const c = capture();
    assert.equal(await explainCommand(file, defaultConfig(), c.out), 0);
    const text = c.text();
    assert.match(text, /⟦hidden salt words here⟧/);
    assert.match(text, /recipient names \(from To and Cc, left out of the exact key\): (mary smith|smith mary)/);
    assert.match(text, /exact key [0-9a-f]{40}, made of:\n {2}link domains: urlhost_example\.com/);
    assert.match(text, /MinHash: 9\d values/);
    const lines = text.split("\n");
    const from = lines.findIndex((line) => line.startsWith("words ("));
    const to = lines.findIndex((line) => line.startsWith("recipient names"));
    assert.ok(from >= 0 && to > from + 1, "the words are listed before the names");
    const listed = lines.slice(from + 1, to).join(" ");
    assert.ok(/\bparcel\w+/.test(listed) && !/\bhidden\b/.test(listed), "hidden words are not among the words");
  });

  void test("--compare: two salted copies are one campaign and show the text they share; ham is not", async () => {
    const a = join(dir, "a.eml");
    const b = join(dir, "b.eml");
    const ham = join(dir, "ham.eml");
    writeFileSync(a, salted("first copy's salt", "Dear Mary,"));
    writeFileSync(b, salted("another salt entirely", "Hi Ahmed,"));
    writeFileSync(ham, loadHam({ limit: 1 })[0]!.bytes);
    const same = capture();
    assert.equal(await compareCommand(a, b, defaultConfig(), same.out), 0);
    assert.match(same.text(), /MinHash values shared: \d+ .*: met/);
    assert.match(same.text(), /\[parcel\w+ parcel\w+ parcel\w+\]/);
    assert.match(same.text(), /one campaign \(by MinHash\)/);
    const other = capture();
    assert.equal(await compareCommand(a, ham, defaultConfig(), other.out), 1);
    assert.match(other.text(), /not one campaign/);
  });

  void test("the command line takes --explain FILE and --compare A B, and refuses the wrong number of files", () => {
    const a = join(dir, "a.eml");
    writeFileSync(a, salted("salt", "Dear Mary,"));
    const explain = spawnSync(process.execPath, [CLI, "fingerprint", "--explain", a], { encoding: "utf8" });
    assert.equal(explain.status, 0, explain.stderr);
    assert.match(explain.stdout, /the text a reader sees/);
    const compare = spawnSync(process.execPath, [CLI, "fingerprint", "--compare", a, a], { encoding: "utf8" });
    assert.equal(compare.status, 0, compare.stderr);
    const wrong = spawnSync(process.execPath, [CLI, "fingerprint", "--compare", a], { encoding: "utf8" });
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr + wrong.stdout, /--compare takes two FILEs/);
  });
});
