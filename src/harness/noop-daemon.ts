/**
 * A process running only a milter engine with the no-op policy: the "protocol cost" side of the engine benchmarks,
 * in its own process (its own event loop and RSS, like the C no-op milter): the TypeScript engine, or with
 * `libmilter` the libmilter engine (one listen socket, a real port). Usage:
 * `node dist/src/harness/noop-daemon.js inet:127.0.0.1:PORT [logLevel] [typescript|libmilter]`; prints
 * `listening <spec>` on stdout, stops on SIGTERM or SIGINT, or when its parent goes away (stdin closes).
 */
import { defaultConfig } from "../config/schema.js";
import { startLibmilterServer } from "../engine/libmilter/engine.js";
import { startMilterServer } from "../engine/typescript/server.js";
import { noopPolicy } from "../policy/noop-policy.js";
import { createLogger } from "../util/logger.js";
import { serveUntilStopped } from "./bench-milter-process.js";

const spec = process.argv[2] ?? "inet:127.0.0.1:0";
const logger = createLogger(process.argv[3] ?? "warn", "floodgate-noop");
const settings = defaultConfig().milter;
const start = process.argv[4] === "libmilter" ? startLibmilterServer : startMilterServer;
serveUntilStopped(await start({ listen: [spec], policy: noopPolicy(), settings: () => settings, logger }));
