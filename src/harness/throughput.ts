/**
 * The engine benchmark: the TypeScript engine with the no-op policy beside the C no-op milter on
 * libmilter, closed loop at 1, 10 and 100 concurrent sessions on the same corpus messages, in the same run. The two
 * milters alternate at each level so that neither always runs on a warmer or cooler machine.
 */
import { parseArgs } from "node:util";
import { formatProgress, runLoad, type LoadResult } from "./load.js";
import { formatMachine, machineInfo, type MachineInfo } from "./machine.js";
import { corpusMix, type BenchMessage } from "./messages.js";
import { progress, resultsDir, writeResults } from "./output.js";
import { ratioTable, renderHtml, svgBarChart, textTable, type RatioRow } from "./report.js";
import { startCNoop, startTsNoop, type MilterTarget } from "./targets.js";

/** One milter at one concurrency. */
export interface ThroughputRow {
  target: string;
  sessions: number;
  result: LoadResult | null;
  peakRssKb: number | null;
  error?: string;
}

/** The JSON result of the engine benchmark. */
export interface ThroughputReport {
  kind: "milter-throughput";
  machine: MachineInfo;
  startedAt: string;
  messages: number;
  secondsPerRun: number;
  rows: ThroughputRow[];
  ratios: RatioRow[];
}

/** Run the engine benchmark with the given limits; progress goes to stderr. */
export async function measureEngines(options: {
  sessions: readonly number[];
  secondsPerRun: number;
  maxMessages: number;
  messages: readonly BenchMessage[];
}): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const starters: Array<[string, () => Promise<MilterTarget>]> = [
    ["c-noop", () => startCNoop()],
    ["floodgate-ts-noop", () => startTsNoop()],
  ];
  const targets = new Map<string, MilterTarget | Error>();
  for (const [name, start] of starters) targets.set(name, await start().catch((e: Error) => e));
  try {
    for (const [level, sessions] of options.sessions.entries()) {
      const order = level % 2 === 0 ? starters : [...starters].reverse();
      for (const [name] of order) {
        const t = targets.get(name)!;
        if (t instanceof Error) {
          rows.push({ target: name, sessions, result: null, peakRssKb: null, error: t.message.split("\n")[0] });
          continue;
        }
        const result = await runLoad({
          mode: "closed",
          label: `${name} ×${sessions}`,
          target: t.spec,
          concurrency: sessions,
          messages: options.messages,
          maxMessages: options.maxMessages,
          durationMs: options.secondsPerRun * 1000,
          onProgress: (p) => progress(formatProgress(p)),
        });
        rows.push({ target: name, sessions, result, peakRssKb: t.memory.sample().selfKb });
      }
    }
  } finally {
    for (const t of targets.values()) if (!(t instanceof Error)) await t.stop();
  }
  return rows;
}

/** The per-level table: messages/s, and p50/p99 of each command, in ms. */
export function throughputTable(rows: readonly ThroughputRow[]): string {
  const commands = ["connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "eom"];
  const header = [
    "milter",
    "sessions",
    "msg/s",
    "errors",
    ...commands.flatMap((c) => [`${c} p50`, `${c} p99`]),
    "peak RSS MiB",
  ];
  return textTable(
    header,
    rows.map((r) => {
      if (!r.result) return [r.target, r.sessions, null, r.error ?? "did not run"];
      const c = r.result.commands;
      return [
        r.target,
        r.sessions,
        Math.round(r.result.messagesPerSecond),
        r.result.tally.byOutcome.error,
        ...commands.flatMap((name) => [c[name]?.p50 ?? null, c[name]?.p99 ?? null]),
        r.peakRssKb === null ? null : Math.round(r.peakRssKb / 102.4) / 10,
      ];
    }),
  );
}

/** TS / C at each level; the floor 1.0 applies at 100 sessions, the others are for information. */
export function engineRatios(rows: readonly ThroughputRow[]): RatioRow[] {
  const levels = [...new Set(rows.map((r) => r.sessions))];
  return levels.map((sessions) => {
    const ts = rows.find((r) => r.sessions === sessions && r.target === "floodgate-ts-noop");
    const c = rows.find((r) => r.sessions === sessions && r.target === "c-noop");
    return {
      name: `TS engine / C no-op, ${sessions} sessions`,
      numerator: ts?.result ? Math.round(ts.result.messagesPerSecond) : null,
      denominator: c?.result ? Math.round(c.result.messagesPerSecond) : null,
      floor: sessions === 100 ? 1.0 : null,
      note: !c?.result
        ? `C no-op: ${c?.error ?? "did not run"}`
        : !ts?.result
          ? `TS: ${ts?.error ?? "did not run"}`
          : "",
    };
  });
}

/** `milter-throughput [--messages N] [--seconds S] [--sessions 1,10,100] [--out DIR]`; returns an exit code. */
export async function runMilterThroughput(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: "string", default: "20000" },
      seconds: { type: "string", default: "8" },
      sessions: { type: "string", default: "1,10,100" },
      out: { type: "string" },
    },
    strict: true,
  });
  const sessions = values.sessions
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
  const machine = machineInfo();
  progress(`machine: ${formatMachine(machine)}`);
  const messages = corpusMix({ ham: 300, spam: 100 });
  const startedAt = new Date().toISOString();
  const rows = await measureEngines({
    sessions,
    secondsPerRun: Number(values.seconds),
    maxMessages: Number(values.messages),
    messages,
  });
  const ratios = engineRatios(rows);
  const report: ThroughputReport = {
    kind: "milter-throughput",
    machine,
    startedAt,
    messages: messages.length,
    secondsPerRun: Number(values.seconds),
    rows,
    ratios,
  };
  const table = throughputTable(rows);
  const ratioText = ratioTable(ratios);
  out.write(`${formatMachine(machine)}\n\n${table}\n\n${ratioText}\n`);
  const html = renderHtml("Floodgate milter throughput", `${formatMachine(machine)}; ${startedAt}`, [
    { title: "Throughput and latency per command (ms)", tables: [table] },
    { title: "Ratios", tables: [ratioText] },
    {
      title: "Messages per second",
      charts: [
        svgBarChart(
          "messages/s",
          rows
            .filter((r) => r.result)
            .map((r) => ({ label: `${r.target} ×${r.sessions}`, value: Math.round(r.result!.messagesPerSecond) })),
        ),
      ],
    },
  ]);
  const dir = resultsDir(values.out);
  const paths = writeResults(dir, "milter-throughput", report, html);
  progress(`results: ${paths.join(", ")}`);
  return rows.some((r) => r.result === null) ? 1 : 0;
}
