/**
 * `floodgate bench` from a built checkout (issue 6), short: every part runs against the real pieces (private Redis,
 * the C no-op milter, `floodgate run`, a private Postfix fed by smtp-source, the SMTP flood) and the results land in
 * bench.json and bench.html. Figures are not judged here (speed belongs to the benchmark, not to a test); what is
 * asserted is that each part ran, measured something and behaved: the Redis outage shows in the fail mode, the flood
 * is refused once judged, every smtp-source path ran its three rounds, and each floor's ratio has both figures.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchReport } from "../../src/harness/bench-report.js";
import { SMTP_SOURCE_ROUNDS } from "../../src/harness/smtp-runs.js";
import { CLI } from "../support/daemon.js";
import {
  CROSSINGS_PATH,
  DEFAULT_FLOW_PATHS,
  LEAST_WORK_PATH,
  OFF_HOST_PATH,
} from "../../src/harness/flow-path-names.js";
import type { FlowMeasurement } from "../../src/harness/real-flow.js";

/** Run `floodgate bench` with `args`; its exit code and the tail of its progress output. */
function bench(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "bench", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15 * 60_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

void describe("floodgate bench", () => {
  void test("a short run measures every part and writes bench.json and bench.html", async () => {
    const out = mkdtempSync(join(tmpdir(), "floodgate-bench-test-"));
    // The daemons' state directories are in it: the private spamd's user must pass through (mkdtemp makes it 0700).
    chmodSync(out, 0o711);
    try {
      const flow = ["--flow-messages", "20", "--flow-rounds", "1", "--flow-sessions", "2", "--flow-warm-up", "40"];
      flow.push("--no-profile");
      // Sizes as small as what is asserted allows: every part runs, answers and is counted, not measured well.
      const sizes = ["--duration", "2", "--baseline-duration", "1", "--messages", "50", "--sessions", "20"];
      const args = [...sizes, "--no-peers", ...flow, "--out", out];
      const { code, stderr } = await bench(args);
      const tail = stderr.split("\n").slice(-15).join("\n");
      // 0: every floor passed; 1: a floor failed or a part is missing (the peers, with --no-peers). Never a crash.
      assert.ok(code === 0 || code === 1, `floodgate bench exited ${code}:\n${tail}`);
      const jsonPath = join(out, "bench.json");
      assert.ok(existsSync(jsonPath), `no bench.json:\n${tail}`);
      const report = JSON.parse(readFileSync(jsonPath, "utf8")) as BenchReport;
      assert.equal(report.kind, "floodgate-bench");

      for (const name of ["c-noop", "floodgate-ts-noop", "floodgate", "floodgate-known"]) {
        const baseline = report.baselines.find((b) => b.name === name);
        assert.ok(baseline?.load, `baseline ${name} did not run: ${baseline?.error ?? "absent"}`);
        assert.ok(baseline.load.tally.messages > 0, `baseline ${name} answered no message`);
        assert.equal(baseline.load.tally.byOutcome.error, 0, `baseline ${name} had errors`);
      }

      assert.deepEqual(
        report.scenarios.map((s) => s.name),
        ["normal", "flood", "scanner-outage", "redis-outage"],
      );
      for (const s of report.scenarios) {
        assert.ok(s.load, `scenario ${s.name} did not run: ${s.error ?? "?"}`);
        assert.ok(s.load.tally.messages > 0, `scenario ${s.name} sent nothing`);
      }
      const outage = report.scenarios.find((s) => s.name === "redis-outage")!;
      assert.ok(outage.load!.tally.failModeActivations > 0, "Redis stopped, yet no message went through the fail mode");
      const flood = report.scenarios.find((s) => s.name === "flood")!;
      assert.ok(flood.load!.tally.byOutcome.reject > 0, "no copy of the flood was refused");

      for (const name of ["postfix alone", "postfix + c-noop", "postfix + c-noop-eom", "postfix + floodgate"]) {
        const path = report.smtpSource.find((p) => p.name === name);
        assert.ok(path?.result, `smtp-source ${name} did not run: ${path?.error ?? "absent"}`);
        assert.equal(path.result.exitCode, 0, `smtp-source ${name} exited ${path.result.exitCode}`);
        assert.equal(path.rounds?.length, SMTP_SOURCE_ROUNDS, `smtp-source ${name}: rounds ${String(path.rounds)}`);
        const median = [...path.rounds].sort((a, b) => a - b)[Math.floor((SMTP_SOURCE_ROUNDS - 1) / 2)];
        assert.equal(path.result.messagesPerSecond, median, `smtp-source ${name}: the median round counts`);
      }
      const flowRun = report.realFlow;
      assert.ok(flowRun, "the real mail flow did not run");
      assert.deepEqual(flowRun.failed, [], "every path of the real flow started");
      for (const path of DEFAULT_FLOW_PATHS) {
        const runs: FlowMeasurement[] = flowRun.measurements.filter((m) => m.path === path);
        assert.deepEqual(
          runs.map((m) => m.kind),
          ["distinct", "mix"],
          `real flow ${path}: one distinct and one mixed run`,
        );
        for (const m of runs) {
          assert.equal(m.result.sent, 20, `real flow ${path} ${m.kind}: each message once`);
          assert.equal(m.result.errors, 0, `real flow ${path} ${m.kind}: ${m.result.errorSamples.join("; ")}`);
          // On a host without control groups the figure is /proc's clock ticks of 10 ms: 20 messages through a cheap
          // path may cost Postfix less than one, so one run only proves the figure was read; the sum below, that it counts.
          assert.ok((m.cpuMs.postfix ?? -1) >= 0, `real flow ${path}: Postfix's CPU was read`);
          if (path === LEAST_WORK_PATH)
            assert.ok((m.cpuMs.redis ?? -1) >= 0, `real flow ${path}: its private Redis was found`);
          if (path.includes("floodgate")) {
            assert.ok((m.cpuMs.redis ?? -1) >= 0, `real flow ${path}: the daemon's private Redis was found`);
            // Every answer of the run is in the daemon's log with its status, and only this run's.
            const logged = Object.values(m.answers ?? {}).reduce((a, n) => a + n, 0);
            assert.equal(logged, m.result.sent, `real flow ${path} ${m.kind}: answers ${JSON.stringify(m.answers)}`);
            if (path === OFF_HOST_PATH) assert.equal(m.cpuMs.scanWorker, undefined, "no scan worker on this host");
            else {
              assert.ok((m.cpuMs.scanWorker ?? -1) >= 0, `real flow ${path}: its scan worker's CPU was read`);
              // make run's defaults scan with the private spamd first: a spamd that did not start is a part of the
              // bench that failed, not another configuration. Its CPU is the scanner's, read from the first run on.
              const log = readFileSync(join(out, "flow-defaults.daemon.log"), "utf8");
              const scanning = /"msg":"(?:[^"]*: )?scanning with ([^"]+)"/.exec(log)?.[1] ?? "(no start line)";
              const why = log.split("\n").find((l) => l.includes("the private spamd cannot start")) ?? "";
              assert.match(
                scanning,
                /spamd/,
                `real flow ${path}: the defaults scan with ${scanning}, not spamd ${why}`,
              );
              assert.ok((m.cpuMs.scanner ?? -1) >= 0, `real flow ${path}: the private spamd's CPU was read`);
            }
          } else {
            assert.equal(m.answers, null, `real flow ${path}: answers from a log only for Floodgate`);
            if (path === CROSSINGS_PATH)
              assert.ok((m.cpuMs.redis ?? -1) >= 0, `real flow ${path}: its private Redis was found`);
          }
        }
      }
      const postfixCpu = flowRun.measurements.reduce((sum, m) => sum + (m.cpuMs.postfix ?? 0), 0);
      assert.ok(postfixCpu > 0, "Postfix's CPU over every run of the real flow was zero: /proc was not read");
      const offHost = flowRun.measurements.find((m) => m.path === OFF_HOST_PATH && m.kind === "distinct")!;
      assert.ok(offHost.fingerprintThreads >= 1, "the daemon's fingerprint threads were told apart by name");
      // Distinct ham is a campaign of its own each (a near-duplicate pair of list mail may make one of two copies).
      assert.ok(offHost.scanJobs !== null && offHost.scanJobs <= 2, `scans for distinct mail: ${offHost.scanJobs}`);
      const smtpFlood = report.smtpFlood.find((p) => p.name === "postfix + floodgate");
      assert.ok(smtpFlood?.result, `the SMTP flood did not run: ${smtpFlood?.error ?? "absent"}`);
      assert.ok(smtpFlood.result.rejected > 0, "no copy of the SMTP flood was refused with 5xx");

      const ratio = (prefix: string) => report.ratios.find((r) => r.name.startsWith(prefix));
      for (const prefix of ["Postfix+Floodgate / Postfix alone", "Floodgate milter / C no-op", "TS engine"]) {
        const row = ratio(prefix);
        assert.ok(row && row.numerator !== null && row.denominator !== null, `ratio "${prefix}": ${row?.note}`);
      }
      const peers = ratio("Floodgate / spamass-milter");
      assert.ok(peers && peers.denominator === null, "spamass-milter must not have run with --no-peers");

      const html = readFileSync(join(out, "bench.html"), "utf8");
      assert.match(html, /<svg/, "bench.html has no chart");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
