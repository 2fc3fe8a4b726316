/**
 * Test support: start either milter engine (issue 7) for the end-to-end suites, so that each suite's cases run
 * unchanged against the TypeScript engine (`startMilterServer`) and the libmilter engine (`startLibmilterServer`).
 * The libmilter engine's limits shape the test files: one listen spec, a real port (an `inet` spec with port 0 gets
 * a free port here), and one libmilter engine per process, ever (node's test runner runs each test file in its own
 * process, so each libmilter run lives in a file of its own; starting a second one here fails with the reason).
 */
import { startLibmilterServer } from "../../src/engine/libmilter/engine.js";
import { loadShim } from "../../src/engine/libmilter/native.js";
import { parseListenSpec } from "../../src/milter/listen-spec.js";
import { startMilterServer } from "../../src/engine/typescript/server.js";
import type { MilterServer, MilterServerOptions } from "../../src/engine/engine.js";
import type { MilterPolicy } from "../../src/vocabulary/policy-api.js";
import { createLogger, type Logger } from "../../src/util/logger.js";
import { freePort } from "../../src/util/tcp-port.js";

/** The two milter engines, as `milter.engine` names them. */
export type EngineName = "typescript" | "libmilter";

/** How the MTA reaches the milter in a suite. */
export type Transport = "tcp" | "unix";

/** Session settings as both engines read them (a `MilterConfig` fits). */
export type EngineSettings = ReturnType<MilterServerOptions["settings"]>;

let libmilterStarted = false;

/**
 * Start `engine` listening on `listen` (Postfix-style specs: `inet:127.0.0.1:0`, `unix:/path`) with `policy`;
 * `settings` is read at every new session. For the libmilter engine: exactly one spec, port 0 replaced by a free
 * port, and at most one call per process; it fails with the reason when the shim cannot load.
 */
export async function startEngine(
  engine: EngineName,
  listen: string | readonly string[],
  policy: MilterPolicy,
  settings: () => EngineSettings,
  logger: Logger = createLogger("warn"),
): Promise<MilterServer> {
  const specs = typeof listen === "string" ? [listen] : [...listen];
  if (engine === "typescript") return startMilterServer({ listen: specs, policy, settings, logger });

  if (libmilterStarted)
    throw new Error(
      "one libmilter engine per process, ever (libmilter cannot start again once stopped): " +
        "run this suite from a test file of its own",
    );
  const loaded = await loadShim();
  if (!loaded.ok)
    throw new Error(`the libmilter engine must load here (make -C native; koffi; libmilter 1.0.1): ${loaded.reason}`);
  libmilterStarted = true;
  return startLibmilterServer({ listen: await withRealPorts(specs), policy, settings, logger });
}

/** The specs with every `inet`/`inet6` port 0 replaced by a free port (libmilter never says which it got). */
async function withRealPorts(specs: readonly string[]): Promise<string[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const target = parseListenSpec(spec);
      if (target.kind === "unix" || target.port !== 0) return spec;
      const port = await freePort();
      return target.host.includes(":") ? `inet6:[${target.host}]:${port}` : `inet:${target.host}:${port}`;
    }),
  );
}

/** The TCP port of a listen address such as `inet:127.0.0.1:10030`. */
export function portOf(address: string): number {
  const port = Number(/:(\d+)$/.exec(address)?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no TCP port in listen address "${address}"`);
  return port;
}

/** A label for test names: "TypeScript engine" or "libmilter engine". */
export function engineLabel(engine: EngineName): string {
  return engine === "typescript" ? "TypeScript engine" : "libmilter engine";
}
