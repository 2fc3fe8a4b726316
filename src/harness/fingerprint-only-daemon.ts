/**
 * A process running the TypeScript engine with the fingerprint-only policy (./fingerprint-only-policy.ts): the no-op
 * engine process of ./noop-daemon.ts plus Floodgate's fingerprint pool as the daemon runs it (src/daemon/daemon.ts:
 * the `fingerprint` section's defaults, so the same threads, batch limits and task options; its threads started and
 * warmed up before it listens), the rest of the daemon left out: no Redis, no campaign store, no metrics, no ops
 * server. Started with the daemon's V8 flags (src/harness/targets.ts). Usage:
 * `node dist/src/harness/fingerprint-only-daemon.js inet:127.0.0.1:PORT [logLevel]`; prints `listening <spec>` on
 * stdout, stops on SIGTERM or SIGINT, or when its parent goes away (stdin closes).
 */
import { defaultConfig } from "../config/schema.js";
import { startMilterServer } from "../engine/typescript/server.js";
import { FingerprintPool } from "../fingerprint/pool.js";
import { createLogger } from "../util/logger.js";
import { serveUntilStopped } from "./bench-milter-process.js";
import { fingerprintOnlyPolicy } from "./fingerprint-only-policy.js";

const spec = process.argv[2] ?? "inet:127.0.0.1:0";
const logger = createLogger(process.argv[3] ?? "warn", "floodgate-fingerprint-only");
const config = defaultConfig();
const pool = new FingerprintPool(config.fingerprint, logger);
// The daemon's store tells its pool whether fingerprints need the earlier versions' keys
// (src/daemon/start-versions.ts); the benchmark daemons' stores are new and hold none, so their fingerprints are made
// without them: these too.
pool.setEarlierVersions(false);
await pool.ready();
const server = await startMilterServer({
  listen: [spec],
  policy: fingerprintOnlyPolicy(pool),
  settings: () => config.milter,
  logger,
});
serveUntilStopped(server, () => pool.close());
