// Private services and the instance lock with real processes: a service dies with the daemon that started it (kernel
// parent-death signal), one a killed daemon left behind is stopped by the next start, a second daemon on one state
// directory is refused while the first lives, and a lock whose process is gone is taken over.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireInstanceLock, InstanceLockedError } from "../../src/state/instance-lock.js";
import { isRunning, processStartTime, readRecord, recordOf, writeRecord } from "../../src/state/pidfile.js";
import { startPrivateService, stopLeftover } from "../../src/state/private-service.js";
import { openStateDir } from "../../src/state/state-dir.js";
import { distRoot } from "../../src/util/paths.js";
import { pollUntil } from "../support/poll.js";

const scratch = () => openStateDir(mkdtempSync(join(tmpdir(), "fg-service-")));
const sleeper = (dir: string) => ({ name: "sleeper", dir, command: "sleep", args: ["1000"], ready: async () => {} });

/** A node process that runs `code` (an ES module body) and prints what it is told to on stdout. */
function node(code: string) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

const stateModule = (file: string) => JSON.stringify(join(distRoot, "src/state", file));

void describe("private services", () => {
  void test("pidfile records name a process by pid and start time; a dead one is not running", async () => {
    const self = recordOf(process.pid);
    assert.ok(isRunning(self));
    assert.ok(!isRunning({ ...self, startTime: `${Number(self.startTime) + 1}` }), "a reused pid is not the process");
    const child = spawn("sleep", ["1000"]);
    const record = recordOf(child.pid ?? -1);
    child.kill("SIGKILL");
    await once(child, "exit");
    assert.equal(processStartTime(record.pid), null);
    assert.ok(!isRunning(record));
  });

  void test("a service is recorded while it runs, and stop() ends it and removes its pidfile", async () => {
    const dir = scratch().subdir("svc");
    const service = await startPrivateService(sleeper(dir));
    const record = readRecord(join(dir, "sleeper.pid"));
    assert.equal(record?.pid, service.process.pid);
    assert.ok(record && isRunning(record));
    await service.stop();
    assert.ok(!isRunning(record));
    assert.ok(!existsSync(join(dir, "sleeper.pid")));
  });

  void test("a service dies with the process that started it, even one killed with SIGKILL", async () => {
    const dir = scratch().subdir("svc");
    const daemon = node(`
      const { startPrivateService } = await import(${stateModule("private-service.js")});
      const s = await startPrivateService({ name: "sleeper", dir: ${JSON.stringify(dir)}, command: "sleep",
        args: ["1000"], ready: async () => {} });
      console.log(s.process.pid);
      setInterval(() => {}, 1000);`);
    await pollUntil("the service's pid", () => daemon.out().includes("\n"), 10_000, 20);
    const pid = Number(daemon.out().trim());
    const record = recordOf(pid);
    daemon.child.kill("SIGKILL");
    await once(daemon.child, "exit");
    await pollUntil("the orphaned service to end", () => !isRunning(record), 10_000, 20);
  });

  void test("the next start stops a service a killed daemon left behind: never two", async () => {
    const dir = scratch().subdir("svc");
    // A leftover not tied to any parent (as when setpriv is missing): detached, recorded in the pidfile.
    const leftover = spawn("sleep", ["1000"], { detached: true, stdio: "ignore" });
    leftover.unref();
    const old = recordOf(leftover.pid ?? -1);
    writeRecord(join(dir, "sleeper.pid"), old);
    const service = await startPrivateService(sleeper(dir));
    try {
      assert.ok(!isRunning(old), "the leftover was stopped before the new service started");
      assert.equal(readRecord(join(dir, "sleeper.pid"))?.pid, service.process.pid);
    } finally {
      await service.stop();
    }
    assert.equal(await stopLeftover(dir, "sleeper"), null, "nothing is left after a clean stop");
  });

  void test("a pidfile naming a pid now used by an unrelated process leaves that process alone", async () => {
    const dir = scratch().subdir("svc");
    const unrelated = spawn("sleep", ["1000"], { stdio: "ignore" });
    const record = recordOf(unrelated.pid ?? -1);
    writeRecord(join(dir, "sleeper.pid"), { pid: record.pid, startTime: "1" });
    assert.equal(await stopLeftover(dir, "sleeper"), null);
    assert.ok(isRunning(record));
    unrelated.kill("SIGKILL");
  });

  void test("a missing program fails with the install hint", async () => {
    const dir = scratch().subdir("svc");
    await assert.rejects(
      startPrivateService({ ...sleeper(dir), command: "no-such-server-x", installHint: "apt-get install -y x" }),
      /no-such-server-x is not on PATH \(install it: apt-get install -y x\)/,
    );
  });

  void test("one daemon per state directory: a second is refused while the first lives; a dead one's lock is taken", async () => {
    const state = scratch();
    const holder = node(`
      const { acquireInstanceLock } = await import(${stateModule("instance-lock.js")});
      acquireInstanceLock(${JSON.stringify(state.path)});
      console.log("locked");
      setInterval(() => {}, 1000);`);
    await pollUntil("the first daemon's lock", () => holder.out().includes("locked"), 10_000, 20);
    assert.throws(
      () => acquireInstanceLock(state.path),
      (e: unknown) => e instanceof InstanceLockedError && e.holder.pid === holder.child.pid,
    );
    holder.child.kill("SIGKILL");
    await once(holder.child, "exit");
    const lock = acquireInstanceLock(state.path);
    assert.equal(readRecord(lock.path)?.pid, process.pid);
    lock.release();
    assert.ok(!existsSync(lock.path));
  });
});
