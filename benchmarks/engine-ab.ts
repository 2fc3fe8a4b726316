/**
 * The TypeScript engine with the no-op policy, this build's against another's (`--baseline DIR`, a checkout with dist/
 * built), over real sockets with one connection per message, as Postfix opens one per SMTP session: what every
 * Floodgate message rides on (accept, the socket's set-up and tear-down, reading and parsing Postfix's packets,
 * the answers). Each build runs as its own no-op daemon (src/harness/noop-daemon.js, the daemon's V8 flags); one
 * client in this process sends each a round of messages in turn, the order turned every round, and the daemon's main
 * thread's CPU over the round is read from the scheduler (/proc/PID/task/PID/schedstat, ns). Prints µs of CPU per
 * message of the main thread and of the whole process, each round, medians and the median of the rounds' ratios.
 * Run: node dist/benchmarks/engine-ab.js --baseline DIR [--messages N] [--rounds R] [--sessions S]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MilterClient, type TestMessage } from "../src/client/milter-client.js";
import { processSchedule, threadSchedule } from "../src/harness/procs.js";
import { DAEMON_NODE_FLAGS } from "../src/util/node-flags.js";

const { values: opts } = parseArgs({
  options: {
    baseline: { type: "string" },
    messages: { type: "string", default: "2000" },
    "warm-up": { type: "string", default: "2000" },
    rounds: { type: "string", default: "7" },
    sessions: { type: "string", default: "1" },
  },
});

/** Twenty header fields and a 6 KiB body, in Postfix's order of packets. */
function message(i: number): TestMessage {
  const headers: Array<[string, string]> = [
    ["Received", `from x.example.com (x.example.com [192.0.2.7]) by mail.example.org with ESMTP id ${i}`],
    ["From", "Some One <someone@example.com>"],
    ["To", "bob@example.org"],
    ["Subject", `A subject line of message ${i}`],
    ["Date", "Tue, 1 Dec 2026 10:00:00 +0000"],
    ["Message-ID", `<abc.${i}@example.com>`],
    ["MIME-Version", "1.0"],
    ["Content-Type", "text/plain; charset=us-ascii"],
  ];
  for (let h = 0; h < 12; h++) headers.push([`X-Header-${h}`, `value ${h} of a header`]);
  const body = `Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod ${i}.\r\n`.repeat(80);
  return { sender: "someone@example.com", recipients: ["bob@example.org"], headers, body };
}

/** One connection, one message, QUIT: what Postfix does for each SMTP session. */
async function send(spec: string, i: number): Promise<void> {
  const client = await MilterClient.connect(spec);
  await client.open();
  const result = await client.transaction(message(i));
  if (!result.eom) throw new Error("no end of message answer");
  await client.quit();
}

async function drive(spec: string, count: number, sessions: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: sessions }, async () => {
      while (next < count) await send(spec, next++);
    }),
  );
}

async function startDaemon(root: string): Promise<{ child: ChildProcess; spec: string }> {
  const script = join(root, "dist/src/harness/noop-daemon.js");
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, script, "inet:127.0.0.1:0", "warn"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, "line")) as string[];
  return { child, spec: String(line).replace(/^listening /, "") };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(", ");

async function main(): Promise<void> {
  if (!opts.baseline) throw new Error("--baseline DIR (a checkout with dist/ built) is required");
  const [messages, rounds, sessions] = [Number(opts.messages), Number(opts.rounds), Number(opts.sessions)];
  const builds = [
    { name: "baseline", root: opts.baseline },
    { name: "this build", root: join(import.meta.dirname, "../..") },
  ];
  console.log(`Engine A/B over sockets, one connection per message, ${new Date().toISOString()}`);
  console.log(`machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version}; load ${loadavg()}`);
  console.log(`baseline ${opts.baseline}; ${messages} messages a round, ${sessions} sessions; µs of CPU per message`);
  const daemons = await Promise.all(builds.map((b) => startDaemon(b.root)));
  for (const d of daemons) await drive(d.spec, Number(opts["warm-up"]), sessions);
  const main: number[][] = [[], []];
  const all: number[][] = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const pid = daemons[i]!.child.pid!;
      const [t0, p0] = [threadSchedule(pid)!.cpuSeconds, processSchedule(pid).cpuSeconds];
      await drive(daemons[i]!.spec, messages, sessions);
      main[i]!.push(((threadSchedule(pid)!.cpuSeconds - t0) * 1e6) / messages);
      all[i]!.push(((processSchedule(pid).cpuSeconds - p0) * 1e6) / messages);
    }
    console.log(`round ${r + 1}: main thread ${main[0]![r]!.toFixed(1)} / ${main[1]![r]!.toFixed(1)}`);
  }
  for (const [i, b] of builds.entries())
    console.log(
      `${b.name}: main thread ${median(main[i]!).toFixed(1)} (${fmt(main[i]!)}), process ${median(all[i]!).toFixed(1)} (${fmt(all[i]!)})`,
    );
  const ratio = (xs: number[][]) => median(xs[1]!.map((x, r) => x / xs[0]![r]!)).toFixed(3);
  console.log(`this build ÷ baseline, median of the rounds' ratios: main thread ${ratio(main)}, process ${ratio(all)}`);
  console.log(`load average at the end ${loadavg()}`);
  for (const d of daemons) d.child.kill("SIGTERM");
}

await main();
