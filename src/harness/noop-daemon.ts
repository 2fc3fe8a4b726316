/**
 * A process running only the TypeScript milter engine with the no-op policy: the "protocol cost" side of the
 * engine benchmarks, in its own process (its own event loop and RSS, like the C no-op milter). Usage:
 * `node dist/src/harness/noop-daemon.js inet:127.0.0.1:PORT [logLevel]`; prints `listening <spec>` on stdout, stops on
 * SIGTERM or SIGINT, or when its parent goes away (stdin closes).
 */
import { defaultConfig } from "../config/schema.js";
import { startMilterServer } from "../engine/typescript/server.js";
import { noopPolicy } from "../policy/noop-policy.js";
import { createLogger } from "../util/logger.js";

const spec = process.argv[2] ?? "inet:127.0.0.1:0";
const logger = createLogger(process.argv[3] ?? "warn", "floodgate-noop");
const settings = defaultConfig().milter;
const server = await startMilterServer({ listen: [spec], policy: noopPolicy(), settings: () => settings, logger });
process.stdout.write(`listening ${server.addresses[0]}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void server.close(1000).then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
process.stdin.on("close", stop);
process.stdin.resume();
