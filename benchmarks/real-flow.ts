/**
 * Real mail flow through a private Postfix (src/harness/real-flow.ts): Postfix alone, with the C no-op milter reading
 * the whole message, with the C no-op at DATA and end of message, with the TypeScript engine's no-op policy, with
 * the TypeScript engine fingerprinting each message with Floodgate's pool and nothing more, with Floodgate (scan
 * workers off-host) and with Floodgate on its defaults (and, named with `--paths`, the libmilter
 * engine's no-op and Floodgate on the libmilter engine); distinct corpus messages and a mix with a few
 * campaigns, each message once per run, at 20 and 1 sessions, three interleaved rounds; CPU per message per process
 * and per thread of the daemon; the main thread's profile. The same as `floodgate bench real-flow`.
 * Run: node dist/benchmarks/real-flow.js [--messages N] [--rounds R] [--sessions 20,1] [--warm-up N] [--paths L]
 *      [--no-profile] [--out DIR]
 */
import { realFlowCommand } from "../src/harness/real-flow-command.js";

process.exitCode = await realFlowCommand(process.argv.slice(2), process.stdout);
