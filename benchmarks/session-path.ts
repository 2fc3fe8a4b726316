/**
 * The daemon's main-thread work per message that is neither a socket, nor Redis, nor the fingerprint pool: the
 * TypeScript engine's session (codec, macros, capture, session core, deadlines, the summary log line at `info`, the
 * metrics and the mail-flow counters as the daemon wires them), this build's against another's (`--baseline DIR`,
 * a checkout with dist/ built). Each message is one session of Postfix's packets (option negotiation; connect to
 * DATA under the no-reply promises, DATA answered; 20 header fields, end of header, a 6 KiB body, end of message;
 * quit), fed in memory, and answered by a policy that reads its deadline's time and waits twice, as Floodgate's
 * does around the pool and Redis. Through Postfix, per-message costs this small drown in the machine's noise
 * (daemon-ab.js, `floodgate bench real-flow`); here each round is a fresh process of one build, CPU time over
 * thousands of messages after a warm-up, the builds alternating. Prints µs of CPU per message, each round, medians,
 * and the median of the rounds' ratios.
 * Run: node dist/benchmarks/session-path.js --baseline DIR [--messages N] [--warm-up N] [--rounds R]
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    baseline: { type: "string" },
    messages: { type: "string", default: "5000" },
    "warm-up": { type: "string", default: "2000" },
    rounds: { type: "string", default: "8" },
    child: { type: "string" },
  },
});

type Module = Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;

/** One build's session path: µs of CPU per message over `messages`, after `warmUp` of them. */
async function child(root: string, messages: number, warmUp: number): Promise<number> {
  const load = async (path: string) => (await import(join(root, "dist/src", path))) as Module;
  const { MilterSession } = (await load("engine/typescript/protocol-session.js")) as {
    MilterSession: new (...args: unknown[]) => { receive(data: Buffer): void; end(): void };
  };
  const { encodeCommand: enc } = (await load("milter/commands.js")) as { encodeCommand: Record<string, Fn> };
  const C = (await load("milter/constants.js")) as Record<string, number>;
  const { defaultConfig } = (await load("config/schema.js")) as { defaultConfig: () => { milter: unknown } };
  const { createLogger } = (await load("util/logger.js")) as { createLogger: Fn };
  const { createMetrics } = (await load("metrics/metrics.js")) as { createMetrics: Fn };
  const { sessionObserver } = (await load("daemon/engine.js")) as { sessionObserver: Fn };
  const { MailFlow } = (await load("ops/mail-flow.js")) as { MailFlow: new () => unknown };
  const { captureBudget } = (await load("session/capture-budget.js")) as { captureBudget: { listen: Fn } };
  const { eventLoopLag } = (await load("session/loop-lag.js")) as { eventLoopLag: { start: Fn; stop: Fn } };
  const metrics = createMetrics() as Record<string, { set: Fn; inc: Fn }>;
  // As the daemon wires the budget (a build that reports the bytes held at every change gets its listener).
  captureBudget.listen({
    held: (bytes: number) => metrics["captureBytes"]!.set(bytes),
    cut: () => metrics["captureBudgetCutsTotal"]!.inc(),
  });
  eventLoopLag.start();
  const observer = sessionObserver(metrics, new MailFlow()) as Record<string, Fn>;
  const settings = defaultConfig().milter;
  const logger = createLogger("info", "floodgate", { buffered: true });
  const policy = {
    name: "bench",
    decidesAt: new Set(["eom"]),
    actions: C["SMFIF_ADDHDRS"]! | C["SMFIF_CHGHDRS"]! | C["SMFIF_QUARANTINE"]!,
    async endOfMessage(_ctx: unknown, message: { raw: Buffer }, deadline: { remaining: () => number; race: Fn }) {
      if (deadline.remaining() <= 0) throw new Error("deadline");
      await Promise.resolve(message.raw.length);
      await deadline.race(Promise.resolve(1));
      return {
        verdict: { kind: "continue" },
        status: "new; campaign=abcdefabcdef",
        labels: [{ name: "X-Floodgate-Campaign", value: "abcdefabcdef; copies=1" }],
        modifications: [],
      };
    },
  };
  const packets = postfixPackets(enc, C);
  let waiter: (() => void) | null = null;
  const transport = {
    write: () => {
      const w = waiter;
      waiter = null;
      w?.();
    },
    close: () => undefined,
  };
  const answered = () => new Promise<void>((resolve) => (waiter = resolve));
  const one = async () => {
    observer["sessionOpened"]!();
    const session = new MilterSession(policy, () => settings, transport, logger, observer);
    for (const packet of packets.answered) {
      const reply = answered();
      session.receive(packet);
      await reply;
    }
    session.receive(packets.quit);
    session.end();
    observer["sessionClosed"]!();
  };
  for (let i = 0; i < warmUp; i++) await one();
  const t0 = process.cpuUsage();
  for (let i = 0; i < messages; i++) await one();
  const t = process.cpuUsage(t0);
  eventLoopLag.stop();
  return (t.user + t.system) / messages;
}

/** One session's packets as Postfix writes them, grouped by the reply each group waits for. */
function postfixPackets(enc: Record<string, Fn>, C: Record<string, number>) {
  const frame = (name: string, ...args: unknown[]) => enc[name]!(...args) as Buffer;
  const macro = (code: string, pairs: Array<[string, string]>) => frame("macro", C[code], pairs);
  const queueId: Array<[string, string]> = [["i", "4ABCDEF12"]];
  const headers: Array<[string, string]> = [
    ["Received", " from x.example.com (x.example.com [192.0.2.7]) by mail.example.org; Tue, 1 Dec 2026 10:00:00 +0000"],
    ["From", " Some One <someone@example.com>"],
    ["To", " bob@example.org"],
    ["Subject", " A subject line of a message"],
    ["Date", " Tue, 1 Dec 2026 10:00:00 +0000"],
    ["Message-ID", " <abc.123@example.com>"],
    ["MIME-Version", " 1.0"],
    ["Content-Type", " text/plain; charset=us-ascii"],
  ];
  for (let i = 0; i < 12; i++) headers.push([`X-Header-${i}`, ` value ${i} of a header`]);
  const body = Buffer.from("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n".repeat(80));
  const connect = { family: "inet", hostname: "x.example.com", address: "192.0.2.7", port: 4321 };
  const envelope = Buffer.concat([
    macro("SMFIC_CONNECT", [["j", "mail.example.org"]]),
    frame("connect", connect),
    frame("helo", "x.example.com"),
    macro("SMFIC_MAIL", [["{mail_addr}", "someone@example.com"]]),
    frame("mail", "someone@example.com", ["BODY=8BITMIME"]),
    macro("SMFIC_RCPT", [["{rcpt_addr}", "bob@example.org"]]),
    frame("rcpt", "bob@example.org"),
    macro("SMFIC_DATA", queueId),
    frame("data"),
  ]);
  const content = Buffer.concat([
    ...headers.flatMap(([name, value]) => [macro("SMFIC_HEADER", queueId), frame("header", name, value)]),
    macro("SMFIC_EOH", queueId),
    frame("eoh"),
    frame("body", body),
    macro("SMFIC_BODYEOB", queueId),
    frame("eob"),
  ]);
  return { answered: [frame("optneg", 6, 0x1ff, 0x1fffff), envelope, content], quit: frame("quit") };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function round(root: string): number {
  const args = [process.argv[1]!, "--child", root, "--messages", opts.messages, "--warm-up", opts["warm-up"]];
  // The child's log lines go to its stderr, which is dropped: the line is formatted and buffered all the same.
  const out = execFileSync(process.execPath, [...process.execArgv, ...args], { stdio: ["ignore", "pipe", "ignore"] });
  return Number(out.toString().trim());
}

async function main(): Promise<void> {
  if (opts.child) {
    console.log((await child(opts.child, Number(opts.messages), Number(opts["warm-up"]))).toFixed(2));
    process.exit(0);
  }
  if (!opts.baseline) throw new Error("--baseline DIR (a checkout with dist/ built) is required");
  const self = join(import.meta.dirname, "../..");
  const builds = [
    { name: "baseline", root: opts.baseline },
    { name: "this build", root: self },
  ];
  console.log(`Session path A/B, ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus()[0]?.model}, ${cpus().length} cores; Node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `baseline ${opts.baseline}; ${opts.messages} messages a round after ${opts["warm-up"]}; µs of CPU per message\n`,
  );
  const rounds: number[][] = [];
  for (let r = 0; r < Number(opts.rounds); r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    const row: number[] = [];
    for (const i of order) row[i] = round(builds[i]!.root);
    rounds.push(row);
    console.log(`round ${r + 1}: baseline ${row[0]!.toFixed(1)}, this build ${row[1]!.toFixed(1)}`);
  }
  for (const [i, b] of builds.entries())
    console.log(`${b.name}: median ${median(rounds.map((r) => r[i]!)).toFixed(1)}`);
  console.log(
    `this build ÷ baseline, median of the rounds' ratios: ${median(rounds.map((r) => r[1]! / r[0]!)).toFixed(2)}`,
  );
  console.log(
    `load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

await main();
