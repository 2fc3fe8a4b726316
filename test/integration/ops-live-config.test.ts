// LiveConfig on real files and a real SIGHUP: a valid reload applies and notifies, a broken file keeps the running
// configuration and is counted as refused, restart-only keys keep their running values, and the shadow switch.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { LiveConfig } from "../../src/config/live.js";
import { createMetrics } from "../../src/metrics/metrics.js";

const metrics = createMetrics();

async function reloads(result: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric("floodgate_config_reloads_total")?.get();
  return metric?.values.find((v) => v.labels["result"] === result)?.value ?? 0;
}

/** A pino logger whose lines the test can read. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

void describe("LiveConfig", () => {
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "floodgate-live-"));
    path = join(dir, "floodgate.yaml");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test("a broken file keeps the running configuration, logs every error and counts refused", async () => {
    writeFileSync(path, "milter:\n  maxSessions: 100\npolicy:\n  holdSeconds: 60\n");
    const { logger, lines } = captureLogger();
    const loaded = LiveConfig.load({ path, env: {}, logger, metrics });
    assert.ok(loaded.ok);
    const live = loaded.live;
    const before = live.current();
    const refusedBefore = await reloads("refused");
    let changes = 0;
    live.onChange(() => changes++);

    writeFileSync(path, "milter:\n  maxSessions: -5\npolicy:\n  holdSeconds: soon\n  bogus: 1\n");
    const result = live.reload();
    assert.equal(result.ok, false);
    assert.equal(live.current(), before, "the running configuration object is kept");
    assert.equal(live.current().milter.maxSessions, 100);
    assert.equal(changes, 0);
    assert.equal((await reloads("refused")) - refusedBefore, 1);
    const logged = lines.find((l) => l["msg"] === "configuration reload refused; the running configuration stays");
    assert.ok(logged, "the refusal is logged");
    assert.deepEqual(logged["errors"], [
      "milter.maxSessions (line 2): must be at least 1",
      'policy.holdSeconds (line 4): must be a number, not "soon"',
      "policy.bogus (line 5): unknown key",
    ]);
    assert.equal(logged["level"], 50);
  });

  void test("SIGHUP reloads a valid file: listeners see the change, restart-only keys keep their running values", async () => {
    writeFileSync(path, "milter:\n  listen: [inet:127.0.0.1:10030]\n  maxSessions: 100\npolicy:\n  holdSeconds: 60\n");
    const { logger, lines } = captureLogger();
    const loaded = LiveConfig.load({ path, env: {}, logger, metrics });
    assert.ok(loaded.ok);
    const live = loaded.live;
    const okBefore = await reloads("ok");
    const stop = live.watchSignal("SIGHUP");
    try {
      const changed = new Promise<readonly string[]>((resolve) => live.onChange((_c, _p, paths) => resolve(paths)));
      writeFileSync(
        path,
        "milter:\n  listen: [inet:127.0.0.1:10031]\n  maxSessions: 200\npolicy:\n  holdSeconds: 30\n",
      );
      process.kill(process.pid, "SIGHUP");
      // The signal arrives asynchronously; the timer keeps the event loop alive and bounds the wait.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no reload within 10 s of SIGHUP")), 10_000);
      });
      try {
        assert.deepEqual([...(await Promise.race([changed, timeout]))].sort(), [
          "milter.maxSessions",
          "policy.holdSeconds",
        ]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      stop();
    }
    assert.equal(live.current().milter.maxSessions, 200);
    assert.equal(live.current().policy.holdSeconds, 30);
    assert.deepEqual(live.current().milter.listen, ["inet:127.0.0.1:10030"], "listeners change at restart only");
    assert.equal((await reloads("ok")) - okBefore, 1);
    const warned = lines.find((l) => l["msg"] === "these changes take effect at the next restart");
    assert.deepEqual(warned?.["restartRequired"], ["milter.listen"]);
  });

  void test("shadow switched at run time survives reloads until the file's own policy.shadow changes", () => {
    writeFileSync(path, "policy:\n  shadow: false\n");
    const loaded = LiveConfig.load({ path, env: {}, metrics });
    assert.ok(loaded.ok);
    const live = loaded.live;
    const seen: boolean[] = [];
    live.onChange((c) => seen.push(c.policy.shadow));

    live.setShadow(true);
    assert.equal(live.current().policy.shadow, true);
    assert.ok(live.shadowOverridden());
    writeFileSync(path, "policy:\n  shadow: false\n  holdSeconds: 10\n");
    assert.ok(live.reload().ok);
    assert.equal(live.current().policy.shadow, true, "an unrelated reload keeps the run-time switch");
    writeFileSync(path, "policy:\n  shadow: true\n");
    assert.ok(live.reload().ok);
    writeFileSync(path, "policy:\n  shadow: false\n");
    assert.ok(live.reload().ok);
    assert.equal(live.current().policy.shadow, false, "a change of policy.shadow in the file wins");
    assert.ok(!live.shadowOverridden());
    // Four changes: the switch, the holdSeconds reload, the file's shadow + holdSeconds reload, the file's shadow off.
    assert.deepEqual(seen, [true, true, true, false]);
  });
});
