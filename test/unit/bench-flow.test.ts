/**
 * The real-mail-flow comparison's pure parts: a CPU profile cut to a window and summed by place and function (idle
 * left out), the CPU of a process's threads told apart by name, and the floors read from the rows.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { placeOf, summarizeProfile, type CpuProfile } from "../../src/harness/cpu-profile.js";
import { DEFAULT_FLOW_PATHS, FLOW_PATHS, parseFlowPaths } from "../../src/harness/flow-path-names.js";
import { flowFloors, flowText, type FlowRow } from "../../src/harness/flow-report.js";
import type { FlowMeasurement, RealFlowReport } from "../../src/harness/real-flow.js";
import { emptySmtpResult } from "../../src/harness/smtp-path.js";
import { daemonThreadsCpu, perMessage } from "../../src/harness/thread-cpu.js";

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

void describe("CPU profile summary", () => {
  void test("places: packages, Floodgate's folders, Node's internals, V8's own entries", () => {
    assert.equal(placeOf(frame("add", "file:///x/node_modules/ioredis/built/Redis.js")), "npm ioredis");
    assert.equal(placeOf(frame("x", "file:///x/node_modules/@stdlib/a/lib/b.js")), "npm @stdlib/a");
    assert.equal(placeOf(frame("x", "file:///w/dist/src/policy/decide.js")), "floodgate src/policy");
    assert.equal(placeOf(frame("x", "node:internal/streams/writable")), "node internals");
    assert.equal(placeOf(frame("(garbage collector)", "")), "(garbage collector)");
    assert.equal(placeOf(frame("writeBuffer", "")), "native (bindings, builtins)");
  });

  void test("only samples inside the window count, idle is left out, per message", () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame("(idle)", "") },
        { id: 2, callFrame: frame("decide", "file:///w/dist/src/policy/decide.js") },
        { id: 3, callFrame: frame("add", "file:///w/node_modules/ioredis/a.js") },
      ],
      startTime: 1000,
      endTime: 2000,
      // Sample times 1100, 1200, 1300, 1400, 1500; each stands for the 100 µs to the next.
      samples: [2, 2, 1, 3, 2, 2],
      timeDeltas: [100, 100, 100, 100, 100, 100],
    };
    const s = summarizeProfile(profile, { fromUs: 1150, toUs: 1450 }, 2);
    // In the window: 1200 (decide), 1300 (idle), 1400 (ioredis).
    assert.equal(s.busyUsPerMessage, 100);
    assert.deepEqual(
      s.byPlace.map((l) => [l.name, l.usPerMessage, l.share]),
      [
        ["floodgate src/policy", 50, 0.5],
        ["npm ioredis", 50, 0.5],
      ],
    );
  });
});

void describe("per-thread CPU", () => {
  void test("a named thread is counted apart from the main thread and the others", async () => {
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       require("node:fs").writeFileSync("/proc/thread-self/comm", "fg-unit-test");
       const fs = require("node:fs");
       const cpuMs = () => { const f = fs.readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1].split(" ");
         return (Number(f[11]) + Number(f[12])) * 10; };
       while (cpuMs() < 150);
       parentPort.postMessage("busy done");
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once("message", resolve));
    try {
      const cpu = daemonThreadsCpu(process.pid, "fg-unit-test");
      assert.equal(cpu.namedThreads, 1);
      assert.ok(cpu.named >= 150, `the named thread's 150 ms of CPU shows: ${cpu.named} ms`);
      assert.ok(cpu.otherThreads >= 1);
      // Asked for apart (as the libmilter engine's C threads are), the same thread counts there and not as "others".
      const apart = daemonThreadsCpu(process.pid, "fg-none", ["fg-unit-test", "fg-absent"]);
      assert.ok(apart.apart["fg-unit-test"]! >= 150, `apart: ${apart.apart["fg-unit-test"]} ms`);
      assert.equal(apart.apart["fg-absent"], 0);
      assert.equal(apart.otherThreads, cpu.otherThreads);
    } finally {
      await worker.terminate();
    }
  });

  void test("per message: the difference of two readings over the messages", () => {
    assert.deepEqual(perMessage({ main: 100, redis: 10 }, { main: 300, redis: 30 }, 100), { main: 2, redis: 0.2 });
    assert.deepEqual(
      perMessage({ main: 100 }, { main: 300, scanner: 5000 }, 100),
      { main: 2 },
      "a process that started during the run has no figure, not its CPU since its start",
    );
  });
});

void describe("real-flow floors", () => {
  const row = (path: FlowRow["path"], sessions: number, ofReference: number, milter: number, addedP50: number) =>
    ({
      kind: "distinct",
      sessions,
      path,
      mps: [],
      p50: [],
      mpsMedian: 0,
      p50Median: 0,
      p99Median: 0,
      ofPostfix: null,
      ofReference,
      addedP50,
      cpuMs: { milter },
      scanJobs: null,
      scanCpuPerScanMs: null,
      outcomes: { accepted: 0, tempfailed: 0, rejected: 0, errors: 0 },
      answers: null,
      scansUnsettledRounds: [],
    }) satisfies FlowRow;

  void test("throughput and CPU against the C no-op reading the message at each session count, p50 at one", () => {
    const floors = flowFloors([
      row("+ c-noop reading the message", 20, 1, 0.5, 0),
      row("+ floodgate, scan workers off-host", 20, 0.95, 0.9, 3),
      row("+ c-noop reading the message", 1, 1, 0.5, 0),
      row("+ floodgate, scan workers off-host", 1, 0.8, 1.2, 1.2),
    ]);
    assert.deepEqual(
      floors.map((f) => [f.value, f.pass]),
      [
        [0.95, true],
        [1.8, true],
        [0.8, false],
        [2.4, false],
        [1.2, true],
      ],
    );
  });
});

void describe("real-flow paths", () => {
  void test("by default every path but the libmilter engine's two; named ones in the run's order", () => {
    assert.deepEqual(parseFlowPaths("default"), DEFAULT_FLOW_PATHS);
    assert.equal(DEFAULT_FLOW_PATHS.length, 9);
    assert.ok(!DEFAULT_FLOW_PATHS.some((p) => p.includes("libmilter")));
    assert.deepEqual(parseFlowPaths("all"), FLOW_PATHS);
    assert.deepEqual(parseFlowPaths("libmilter-off-host,c-noop,off-host,libmilter-noop"), [
      "+ c-noop reading the message",
      "+ libmilter engine, no-op policy",
      "+ floodgate, scan workers off-host",
      "+ floodgate on libmilter, scan workers off-host",
    ]);
    assert.deepEqual(
      parseFlowPaths("default,libmilter-noop"),
      [...FLOW_PATHS].filter((p) => !p.includes("floodgate on libmilter")),
    );
  });

  void test("the crossings-only and fingerprint-only engines run by default, in that order after the no-op one", () => {
    const noop = DEFAULT_FLOW_PATHS.indexOf("+ ts engine, no-op policy");
    assert.ok(noop >= 0);
    assert.deepEqual(DEFAULT_FLOW_PATHS.slice(noop + 1, noop + 3), [
      "+ ts engine, crossings only",
      "+ ts engine, fingerprint only",
    ]);
    assert.deepEqual(parseFlowPaths("off-host,ts-fingerprint,ts-crossings,ts-noop"), [
      "+ ts engine, no-op policy",
      "+ ts engine, crossings only",
      "+ ts engine, fingerprint only",
      "+ floodgate, scan workers off-host",
    ]);
  });

  void test("the design's least work in C runs by default, after the C no-op's two modes", () => {
    const data = DEFAULT_FLOW_PATHS.indexOf("+ c-noop at DATA and end of message");
    assert.equal(DEFAULT_FLOW_PATHS[data + 1], "+ c milter, the design's least work");
    assert.deepEqual(parseFlowPaths("off-host,c-least-work"), [
      "+ c milter, the design's least work",
      "+ floodgate, scan workers off-host",
    ]);
  });

  void test("an unknown name is refused with the names it knows", () => {
    assert.throws(() => parseFlowPaths("c-noop,libmilter"), /unknown path "libmilter" \(postfix, c-noop/);
  });
});

void describe("real-flow report", () => {
  const measurement = (path: FlowMeasurement["path"], cpuMs: Record<string, number>): FlowMeasurement => ({
    path,
    round: 1,
    kind: "distinct",
    sessions: 1,
    campaignCopies: 0,
    result: { ...emptySmtpResult(1), sent: 10, accepted: 10, messagesPerSecond: 50 },
    cpuMs,
    scanJobs: null,
    fingerprintThreads: path === "+ ts engine, fingerprint only" ? 1 : 0,
    answers: null,
    scansSettled: true,
  });
  const report: RealFlowReport = {
    kind: "floodgate-real-flow",
    startedAt: "2026-12-04T16:00:00.000Z",
    finishedAt: "2026-12-04T16:01:00.000Z",
    machine: {
      cpuModel: "test",
      cores: 2,
      memoryMiB: 1,
      kernel: "k",
      node: "v20",
      floodgate: "f",
      postfix: null,
      redis: null,
      loadAverage: null,
    },
    versions: {},
    options: { perRun: 10, rounds: 1, sessions: [1], profile: false, warmUp: 10 },
    measurements: [
      measurement("+ c-noop reading the message", { milter: 0.5, postfix: 3 }),
      measurement("+ ts engine, no-op policy", { milter: 0.7, main: 0.6, fingerprint: 0, others: 0.1, postfix: 3 }),
      measurement("+ ts engine, fingerprint only", {
        milter: 1.5,
        main: 0.8,
        fingerprint: 0.6,
        others: 0.1,
        postfix: 3,
      }),
    ],
    failed: [],
    profile: null,
    groupCounted: { "+ c-noop reading the message": ["milter", "postfix"], "+ ts engine, no-op policy": [] },
  };

  void test("the report says which CPU figures a control group counted and which are /proc's ticks", () => {
    assert.ok(
      flowText(report).includes(
        "CPU: threads by the scheduler's count (ns); processes by a control group each (µs): " +
          "+ c-noop reading the message: milter, postfix; any other by /proc's clock ticks (10 ms)",
      ),
    );
    assert.ok(
      flowText({ ...report, groupCounted: {} }).includes(
        "CPU: threads by the scheduler's count (ns); processes by /proc's clock ticks (10 ms)",
      ),
    );
  });

  void test("the fingerprint-only engine has its row in the CPU table, its fingerprint threads apart", () => {
    const text = flowText(report);
    const cpuTable = text.slice(text.indexOf("CPU per message"));
    const rows = cpuTable.split("\n").filter((l) => l.startsWith("| + ts engine"));
    assert.deepEqual(rows, [
      "| + ts engine, no-op policy | 0.70 | 0.60 | 0.00 | – | 0.10 | – | – | – | 3.00 | – | – | – |",
      "| + ts engine, fingerprint only | 1.50 | 0.80 | 0.60 | – | 0.10 | – | – | – | 3.00 | – | – | – |",
    ]);
  });

  /** The report with `extra` runs (rounds numbered by the caller) beside the no-op ones, as text. */
  const textWith = (extra: FlowMeasurement[]) =>
    flowText({
      ...report,
      options: { ...report.options, rounds: Math.max(...extra.map((m) => m.round)) },
      measurements: [...report.measurements, ...extra],
    });

  void test("Floodgate's answers by kind of status are listed under its table, the rounds added up", () => {
    const fg = (round: number, answers: Record<string, number>): FlowMeasurement => ({
      ...measurement("+ floodgate, scan workers off-host", { milter: 1, postfix: 3 }),
      round,
      answers,
    });
    const text = textWith([
      fg(1, { "continue; new": 9, "tempfail; bulk-hold": 1 }),
      fg(2, { "continue; new": 8, "tempfail; bulk-hold": 2 }),
    ]);
    const listed = text.split("\n").filter((l) => l.startsWith("- + "));
    assert.deepEqual(listed, ["- + floodgate, scan workers off-host: continue; new 17, tempfail; bulk-hold 3"]);
  });

  void test("a path whose scans were still running when the next round began is named with those rounds", () => {
    const defaults = (round: number, scansSettled: boolean): FlowMeasurement => ({
      ...measurement("+ floodgate on defaults", { milter: 1, postfix: 3 }),
      round,
      scansSettled,
    });
    const text = textWith([defaults(1, true), defaults(2, false), defaults(3, false)]);
    const named = text.split("\n").filter((l) => l.includes("scans were still running"));
    assert.deepEqual(named, [
      "+ floodgate on defaults: its scans were still running 30 s after round(s) 2, 3, and went on beside the next " +
        "paths' rounds, which they disturb.",
    ]);
    assert.equal(textWith([defaults(1, true), defaults(2, true)]).includes("scans were still running"), false);
  });

  void test("the scans' CPU a scan: scan workers and scanner over the run's answers, per scan queued, median", () => {
    const defaults = (round: number, scanWorker: number, scanner: number, scanJobs: number): FlowMeasurement => ({
      ...measurement("+ floodgate on defaults", { milter: 1, scanWorker, scanner, postfix: 3 }),
      round,
      scanJobs,
    });
    // 10 answers a run: (0.2 + 0.8) × 10 / 2 = 5 ms, (0.1 + 0.5) × 10 / 1 = 6, and a run with no scan left out.
    const text = textWith([defaults(1, 0.2, 0.8, 2), defaults(2, 0.1, 0.5, 1), defaults(3, 0.1, 0, 0)]);
    const row = text.split("\n").find((l) => l.startsWith("| + floodgate on defaults | 1.00"));
    assert.equal(row, "| + floodgate on defaults | 1.00 | – | – | – | – | 0.10 | 0.50 | – | 3.00 | – | 1 | 5.50 |");
  });

  void test("a part a round has no figure for is left out of that part's median, not counted as free", () => {
    const fg = (round: number, cpuMs: Record<string, number>): FlowMeasurement => ({
      ...measurement("+ floodgate, scan workers off-host", cpuMs),
      round,
    });
    const text = textWith([
      fg(1, { milter: 1, redis: 0.6, postfix: 3 }),
      fg(2, { milter: 1, postfix: 3 }),
      fg(3, { milter: 1, redis: 0.8, postfix: 3 }),
    ]);
    const row = text.split("\n").find((l) => l.startsWith("| + floodgate, scan workers off-host | 1.00"));
    assert.equal(
      row,
      "| + floodgate, scan workers off-host | 1.00 | – | – | – | – | – | – | 0.70 | 3.00 | – | – | – |",
    );
  });

  void test("what the floors leave after the crossings: their rate and CPU against the limits, the work above", () => {
    const crossings: FlowMeasurement = {
      ...measurement("+ ts engine, crossings only", { milter: 0.8, main: 0.7, redis: 0.05, postfix: 3 }),
      result: { ...emptySmtpResult(1), sent: 10, accepted: 10, messagesPerSecond: 47 },
    };
    const fg = measurement("+ floodgate, scan workers off-host", { milter: 1.4, redis: 0.65, postfix: 3 });
    const text = textWith([crossings, fg]);
    const budget = text.slice(text.indexOf("## What the floors leave"));
    const rows = budget.split("\n").filter((l) => /^\| \d/.test(l));
    // Rate 47 ÷ 50 = 0.94 (0.04 above 0.9); CPU allowed 2 × 0.5 = 1.00, 0.20 left; Floodgate 0.60 and 0.60 above.
    assert.deepEqual(rows, ["| 1 | 0.94 | 0.04 | 0.80 | 1.00 | 0.20 | 0.60 | 0.60 |"]);
    assert.ok(!flowText(report).includes("## What the floors leave"), "no crossings-only run, no budget");
  });

  void test("the design's least work in C beside Floodgate: rate and CPU of the C no-op's, and each one's Redis", () => {
    const least: FlowMeasurement = {
      ...measurement("+ c milter, the design's least work", { milter: 0.6, redis: 0.07, postfix: 3 }),
      result: { ...emptySmtpResult(1), sent: 10, accepted: 10, messagesPerSecond: 48 },
    };
    const fg: FlowMeasurement = {
      ...measurement("+ floodgate, scan workers off-host", { milter: 2, redis: 0.5, postfix: 3 }),
      result: { ...emptySmtpResult(1), sent: 10, accepted: 10, messagesPerSecond: 30 },
    };
    const text = textWith([least, fg]);
    const section = text.slice(text.indexOf("## The design's least work"));
    const rows = section.split("\n").filter((l) => /^\| \d/.test(l));
    // Of the C no-op's 50 msg/s and 0.5 ms: 48 → 0.96 and 0.6 → 1.20×; 30 → 0.60 and 2 → 4.00×.
    assert.deepEqual(rows, [
      "| 1 | + c milter, the design's least work | 0.96 | 0.60 | 1.20 | 0.07 |",
      "| 1 | + floodgate, scan workers off-host | 0.60 | 2.00 | 4.00 | 0.50 |",
    ]);
    assert.ok(!textWith([fg]).includes("## The design's least work"), "no least-work run, no section");
  });
});
