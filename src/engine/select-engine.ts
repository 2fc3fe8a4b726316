/**
 * Picks the milter engine for `floodgate run`: the libmilter engine when `milter.engine` asks for it and it can run
 * (koffi loads, native/build/libfloodgate_shim.so exists, libmilter.so.1.0.1 loads), otherwise the TypeScript
 * engine, with one log line saying why. koffi and libmilter are optional: without them Floodgate still runs.
 *
 * Note: libmilter keeps global state (one smfi_main per process, and it cannot start again once stopped), so a
 * process runs at most one libmilter engine, on one listen socket.
 */
import type { Config } from "../config/schema.js";
import { startMilterServer } from "./typescript/server.js";
import type { Logger } from "../util/logger.js";
import type { MilterEngine } from "./engine.js";
import { startLibmilterServer } from "./libmilter/engine.js";
import { loadShim } from "./libmilter/native.js";

const TYPESCRIPT: MilterEngine = { name: "typescript", start: startMilterServer };
const LIBMILTER: MilterEngine = { name: "libmilter", start: startLibmilterServer };

/** The engine to start, decided once at start. */
export async function selectEngine(config: Pick<Config, "milter">, logger: Logger): Promise<MilterEngine> {
  if (config.milter.engine !== "libmilter") return TYPESCRIPT;
  if (config.milter.listen.length !== 1) {
    logger.warn(
      { listen: config.milter.listen },
      "milter.engine is libmilter but libmilter listens on one socket only; using the TypeScript engine",
    );
    return TYPESCRIPT;
  }
  const loaded = await loadShim();
  if (!loaded.ok) {
    logger.warn(
      { reason: loaded.reason },
      "milter.engine is libmilter but it cannot load; using the TypeScript engine",
    );
    return TYPESCRIPT;
  }
  logger.info(
    { libmilter: loaded.shim.libmilterVersion, koffi: loaded.shim.koffiVersion },
    "using the libmilter engine",
  );
  return LIBMILTER;
}
