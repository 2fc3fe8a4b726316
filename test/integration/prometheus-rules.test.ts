// deploy/prometheus-rules.yml checked and unit-tested by Prometheus' own promtool (unpacked into .lab by
// scripts/install-deps.sh test), so the rules shipped for Prometheus parse, fire and resolve as the comments say.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/util/paths.js";

const run = promisify(execFile);
const PROMTOOL = join(projectRoot, ".lab/prometheus/root/usr/bin/promtool");

async function promtool(...args: string[]): Promise<string> {
  assert.ok(existsSync(PROMTOOL), `${PROMTOOL} is missing: run scripts/install-deps.sh test`);
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: join(projectRoot, "deploy"), timeout: 60_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    assert.fail(`promtool ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

void describe("deploy/prometheus-rules.yml under promtool", () => {
  void test("promtool check rules accepts every rule", async () => {
    assert.match(await promtool("check", "rules", "prometheus-rules.yml"), /SUCCESS: \d+ rules found/);
  });

  void test("promtool test rules: the alerts fire and resolve as prometheus-rules.test.yml expects", async () => {
    assert.match(await promtool("test", "rules", "prometheus-rules.test.yml"), /SUCCESS/);
  });
});
