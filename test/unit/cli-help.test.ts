/**
 * Every `floodgate` command answers `--help` with its usage, each of its options and an example, exit 0; an unknown
 * option or a wrong argument count is refused with the command's usage, exit 64.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { COMMANDS } from "../../src/cli/commands.js";
import { distRoot } from "../../src/util/paths.js";

const CLI = join(distRoot, "src/cli/main.js");
const floodgate = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

void describe("floodgate --help", () => {
  for (const [name, spec] of Object.entries(COMMANDS)) {
    void test(`${name} --help lists its options and an example`, () => {
      const r = floodgate(name, "--help");
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: floodgate ${name}\\b`));
      for (const option of Object.keys(spec.options)) assert.ok(r.stdout.includes(`--${option}`), `--${option}`);
      assert.match(r.stdout, /\nexamples?:\n {2}floodgate /);
    });
  }

  void test("floodgate help lists every command; floodgate help COMMAND is that command's help", () => {
    const all = floodgate("help");
    assert.equal(all.status, 0);
    for (const name of Object.keys(COMMANDS)) assert.match(all.stdout, new RegExp(`\\n {2}${name} `));
    assert.equal(floodgate("help", "campaigns").stdout, floodgate("campaigns", "-h").stdout);
  });

  void test("an unknown option and a missing argument are refused with the usage, exit 64", () => {
    const unknown = floodgate("campaigns", "--limt", "3");
    assert.equal(unknown.status, 64);
    assert.match(unknown.stderr, /floodgate campaigns: .*--limt/);
    assert.match(unknown.stderr, /usage: floodgate campaigns /);
    const missing = floodgate("unblock");
    assert.equal(missing.status, 64);
    assert.match(missing.stderr, /expected CAMPAIGN-ID/);
    assert.equal(floodgate("no-such-command").status, 64);
  });
});
