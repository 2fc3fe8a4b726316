/**
 * Engines benchmark: the no-op policy on the TypeScript engine and on the libmilter engine, against the no-op C milter
 * on stock libmilter (native/build/noop-milter, with and without TCP_NODELAY): the cost of the protocol itself.
 * A driver process (this file with --drive) replays Postfix-style sessions through src/client at 1, 10 and 100
 * concurrent sessions; the milters run in this process (the two engines) or as a child (the C milter), so the driver
 * never shares an event loop with the milter it measures. Prints messages/s, p50/p99 per command, the ratio to the
 * C milter, and the machine and versions. Run: `node dist/benchmarks/engines.js [--messages N]`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MilterClient, type StepResult, type TestMessage } from "../src/client/milter-client.js";
import { defaultConfig } from "../src/config/schema.js";
import { startLibmilterServer } from "../src/engine/libmilter/engine.js";
import { loadShim } from "../src/engine/libmilter/native.js";
import { startMilterServer } from "../src/engine/typescript/server.js";
import type { MilterServer } from "../src/engine/engine.js";
import { processCpuMs } from "../src/harness/thread-cpu.js";
import { noopPolicy } from "../src/policy/noop-policy.js";
import { createLogger } from "../src/util/logger.js";
import { projectRoot } from "../src/util/paths.js";
import { freePort, waitForPort } from "../src/util/tcp-port.js";

const CONCURRENCY = [1, 10, 100];
const MESSAGES_PER_SESSION = 5;

interface DriveResult {
  messages: number;
  seconds: number;
  /** Per command: [p50, p99] in ms. */
  latency: Record<string, [number, number]>;
  errors: number;
}

/** A 4 KB message with ten headers, like the lab's smtp-source runs. */
function benchMessage(i: number): TestMessage {
  const headers: Array<[string, string]> = [
    ["Received", "from client.example (client.example [192.0.2.1]) by mx.lab.local (Postfix) with ESMTP"],
    ["From", "<sender@lab.local>"],
    ["To", "<bob@example.com>"],
    ["Subject", `bench message ${i}`],
    ["Message-ID", `<bench-${i}@lab.local>`],
    ["Date", "Sat, 28 Nov 2026 05:00:00 +0000"],
    ["MIME-Version", "1.0"],
    ["Content-Type", "text/plain; charset=us-ascii"],
    ["X-Mailer", "floodgate-bench"],
    ["X-Bench", String(i)],
  ];
  return {
    sender: "sender@lab.local",
    recipients: ["bob@example.com"],
    headers,
    body: "spam and eggs, ".repeat(273) + "\r\n",
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The driver: `sessions` concurrent sessions, `MESSAGES_PER_SESSION` messages each, until `total` messages. */
async function drive(spec: string, sessions: number, total: number): Promise<DriveResult> {
  const times = new Map<string, number[]>();
  let next = 0;
  let errors = 0;
  const record = (steps: StepResult[]) => {
    for (const s of steps) {
      if (s.response === null) continue;
      let list = times.get(s.command);
      if (!list) times.set(s.command, (list = []));
      list.push(s.ms);
    }
  };
  const worker = async () => {
    while (next < total) {
      const client = await MilterClient.connect(spec, { style: "postfix", timeoutMs: 60_000 });
      try {
        record(await client.open());
        for (let k = 0; k < MESSAGES_PER_SESSION && next < total; k++) {
          const r = await client.transaction(benchMessage(next++));
          record(r.steps);
          if (r.eom?.action !== "continue") errors++;
        }
        await client.quit();
      } catch {
        errors++;
        client.destroy();
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: sessions }, worker));
  const seconds = (performance.now() - started) / 1000;
  const latency: Record<string, [number, number]> = {};
  for (const [command, list] of times) {
    list.sort((a, b) => a - b);
    latency[command] = [percentile(list, 50), percentile(list, 99)];
  }
  return { messages: total, seconds, latency, errors };
}

/** Run the driver in a child process and read its JSON result. */
async function driveInChild(spec: string, sessions: number, total: number): Promise<DriveResult> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self, "--drive", spec, String(sessions), String(total)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`driver exited with ${code}`);
  return JSON.parse(out) as DriveResult;
}

async function startCMilter(nodelay: boolean): Promise<{ spec: string; child: ChildProcess }> {
  const binary = join(projectRoot, "native", "build", "noop-milter");
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run make -C native`);
  const port = await freePort();
  const args = [...(nodelay ? ["-n"] : []), `inet:${port}@127.0.0.1`];
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "ignore"] });
  await waitForPort(port, { what: "the C milter", timeoutMs: 5000, intervalMs: 50 });
  return { spec: `inet:127.0.0.1:${port}`, child };
}

interface Target {
  name: string;
  spec: string;
  /** CPU time used so far by the process that runs this milter, in ms. */
  cpuMs: () => number;
  stop: () => Promise<void>;
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--drive") {
    const result = await drive(argv[1]!, Number(argv[2]), Number(argv[3]));
    process.stdout.write(JSON.stringify(result));
    return;
  }
  const mIndex = argv.indexOf("--messages");
  const perRun = mIndex >= 0 ? Number(argv[mIndex + 1]) : 1000;
  const rIndex = argv.indexOf("--rounds");
  const rounds = rIndex >= 0 ? Number(argv[rIndex + 1]) : 3;

  const loaded = await loadShim();
  const logger = createLogger("warn");
  const settings = { ...defaultConfig().milter, maxSessions: 10_000 };
  const policy = noopPolicy();
  const cpu = cpus();
  console.log(`machine: ${cpu[0]?.model ?? "unknown"}, ${cpu.length} cores; node ${process.version}`);
  console.log(
    `koffi ${loaded.ok ? loaded.shim.koffiVersion : "-"}, libmilter ${loaded.ok ? loaded.shim.libmilterVersion : "-"}` +
      `${loaded.ok ? "" : ` (libmilter engine unavailable: ${loaded.reason})`}`,
  );
  console.log(
    `${perRun} messages of 4 KB per run, Postfix style, ${MESSAGES_PER_SESSION} messages per session, ` +
      `median of ${rounds} interleaved rounds\n`,
  );

  const selfCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const targets: Target[] = [];
  const cNoDelay = await startCMilter(true);
  targets.push({
    name: "C no-op, TCP_NODELAY",
    spec: cNoDelay.spec,
    cpuMs: () => processCpuMs(cNoDelay.child.pid!),
    stop: async () => void cNoDelay.child.kill(),
  });
  const cStock = await startCMilter(false);
  targets.push({
    name: "C no-op, stock Nagle",
    spec: cStock.spec,
    cpuMs: () => processCpuMs(cStock.child.pid!),
    stop: async () => void cStock.child.kill(),
  });
  const ts: MilterServer = await startMilterServer({
    listen: ["inet:127.0.0.1:0"],
    policy,
    settings: () => settings,
    logger,
  });
  targets.push({ name: "TypeScript engine", spec: ts.addresses[0]!, cpuMs: selfCpu, stop: () => ts.close(1000) });
  if (loaded.ok) {
    const port = await freePort();
    const lib = await startLibmilterServer({
      listen: [`inet:127.0.0.1:${port}`],
      policy,
      settings: () => settings,
      logger,
    });
    targets.push({ name: "libmilter engine", spec: lib.addresses[0]!, cpuMs: selfCpu, stop: () => lib.close(1000) });
  }

  try {
    const rows: string[][] = [];
    for (const sessions of CONCURRENCY) {
      // Rounds interleave the milters so that load from elsewhere on the machine spreads over all of them.
      const runs = new Map<Target, Array<DriveResult & { rate: number; cpuPerMsg: number }>>();
      for (let round = 0; round < rounds; round++) {
        for (const target of targets) {
          const cpuBefore = target.cpuMs();
          const r = await driveInChild(target.spec, sessions, perRun);
          const cpuPerMsg = (target.cpuMs() - cpuBefore) / r.messages;
          runs.set(target, [...(runs.get(target) ?? []), { ...r, rate: r.messages / r.seconds, cpuPerMsg }]);
        }
      }
      const median = (t: Target) => {
        const list = [...runs.get(t)!].sort((a, b) => a.rate - b.rate);
        return list[Math.floor(list.length / 2)]!;
      };
      const baseline = median(targets[0]!).rate;
      for (const target of targets) {
        const r = median(target);
        const rate = r.rate;
        const lat = (c: string) => (r.latency[c] ? `${fmt(r.latency[c][0])}/${fmt(r.latency[c][1])}` : "-");
        rows.push([
          String(sessions),
          target.name,
          fmt(rate, 0),
          fmt(rate / baseline),
          fmt(r.cpuPerMsg, 3),
          lat("connect"),
          lat("mail"),
          lat("rcpt"),
          lat("data"),
          lat("eoh"),
          lat("eom"),
          String(r.errors),
        ]);
      }
    }
    const head = [
      "sessions",
      "milter",
      "msg/s",
      "vs C",
      "CPU ms/msg",
      "connect",
      "mail",
      "rcpt",
      "data",
      "eoh",
      "eom",
      "errors",
    ];
    console.log(`| ${head.join(" | ")} |`);
    console.log(`|${head.map(() => "---").join("|")}|`);
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
    console.log("\nlatency columns: p50/p99 in ms from the command to its reply (headers and body are no-reply).");
    console.log("CPU ms/msg: the milter process's CPU time (user + system) per message; the driver is not counted.");
  } finally {
    for (const t of targets) await t.stop();
  }
}

await main();
