/**
 * Engine selection: the TypeScript engine unless the libmilter engine is asked for and can run; one log line when
 * the choice differs from the configuration, and why.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/schema.js";
import { startLibmilterServer } from "../../src/engine/libmilter/engine.js";
import { loadShim } from "../../src/engine/libmilter/native.js";
import { selectEngine } from "../../src/engine/select-engine.js";
import { startMilterServer } from "../../src/engine/typescript/server.js";
import type { Logger } from "../../src/util/logger.js";

function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const log = (level: string) => (_obj: unknown, msg: string) => void lines.push({ level, msg });
  return { lines, logger: { info: log("info"), warn: log("warn"), error: log("error") } as unknown as Logger };
}

function config(engine: "typescript" | "libmilter", listen: string[]) {
  const c = defaultConfig();
  return { ...c, milter: { ...c.milter, engine, listen } };
}

void describe("selectEngine", () => {
  void test("typescript when asked, silently", async () => {
    const { lines, logger } = recordingLogger();
    const selected = await selectEngine(config("typescript", ["inet:127.0.0.1:10030"]), logger);
    assert.equal(selected.name, "typescript");
    assert.equal(selected.start, startMilterServer);
    assert.deepEqual(lines, []);
  });

  void test("libmilter when asked and available (koffi, the shim and libmilter load here)", async () => {
    const { lines, logger } = recordingLogger();
    const selected = await selectEngine(config("libmilter", ["inet:127.0.0.1:10030"]), logger);
    assert.equal(selected.name, "libmilter", JSON.stringify(lines));
    assert.equal(selected.start, startLibmilterServer);
    assert.deepEqual(lines, [{ level: "info", msg: "using the libmilter engine" }]);
  });

  void test("several listen sockets fall back to the TypeScript engine with one line saying why", async () => {
    const { lines, logger } = recordingLogger();
    const selected = await selectEngine(config("libmilter", ["inet:127.0.0.1:10030", "unix:/run/x.sock"]), logger);
    assert.equal(selected.name, "typescript");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, "warn");
    assert.match(lines[0]!.msg, /one socket only; using the TypeScript engine/);
  });

  void test("a missing shim is reported, not thrown", async () => {
    const loaded = await loadShim("/nonexistent/libfloodgate_shim.so");
    assert.equal(loaded.ok, false);
    assert.match(loaded.ok ? "" : loaded.reason, /libfloodgate_shim\.so is missing \(run make -C native/);
  });
});
