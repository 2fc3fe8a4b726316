// deploy/prometheus-rules.yml checked and unit-tested by Prometheus' own promtool (unpacked into .lab by
// scripts/install-deps.sh test), so the rules shipped for Prometheus parse, fire and resolve as the comments say.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/util/paths.js";
import { dashboardQueries } from "../support/grafana.js";

const run = promisify(execFile);
const PROMTOOL = join(projectRoot, ".lab/prometheus/root/usr/bin/promtool");

async function promtool(...args: string[]): Promise<string> {
  return promtoolIn(join(projectRoot, "deploy"), ...args);
}

async function promtoolIn(cwd: string, ...args: string[]): Promise<string> {
  assert.ok(existsSync(PROMTOOL), `${PROMTOOL} is missing: run scripts/install-deps.sh test`);
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd, timeout: 60_000 });
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

  void test("every query of deploy/grafana-dashboard.json parses as PromQL (checked as recording rules)", async () => {
    const dashboard = JSON.parse(readFileSync(join(projectRoot, "deploy/grafana-dashboard.json"), "utf8")) as unknown;
    const rules = dashboardQueries(dashboard).map((q, i) => ({
      record: `dashboard:query_${i}`,
      expr: q.expr.replaceAll("$__rate_interval", "5m").replaceAll("$instance", ".*"),
    }));
    const dir = mkdtempSync(join(tmpdir(), "floodgate-dashboard-"));
    try {
      writeFileSync(join(dir, "dashboard.yml"), JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
      assert.match(await promtoolIn(dir, "check", "rules", "dashboard.yml"), /SUCCESS: \d+ rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
