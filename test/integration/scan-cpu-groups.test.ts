/**
 * The real flow's scan side counted apart from the milter (src/harness/scan-cpu-groups.ts), on this host's kernel: a
 * stand-in daemon (a process moved into the milter's group, as the real flow moves `floodgate run`) forks scan
 * workers the way the daemon does, the first before it moved and a second, as after a worker died, from inside the
 * milter's group. The second's work is the workers' figure and not the milter's, before its move and after it. Run as
 * root, as `make test` runs on Debian.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { CpuGroup } from "../../src/harness/cpu-group.js";
import { ScanCpuGroups } from "../../src/harness/scan-cpu-groups.js";

/** A worker: at each line on stdin it does a fixed amount of work, then prints the CPU it has used in all, ms. */
const WORKER = `
process.stdin.on("data", () => {
  let x = 0;
  for (let i = 0; i < 2e8; i++) x += i % 7;
  const used = process.cpuUsage();
  console.log(JSON.stringify({ done: x >= 0, ms: (used.user + used.system) / 1000 }));
});
`;

/** A stand-in daemon: "fork" starts a worker and prints its pid; any other line goes to its newest worker, whose
 * answers it prints. */
const DAEMON = `
const { spawn } = require("node:child_process");
let worker = null;
require("node:readline").createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "fork") {
    worker = spawn(process.execPath, ["-e", ${JSON.stringify(WORKER)}], { stdio: ["pipe", "pipe", "inherit"] });
    worker.stdout.on("data", (d) => process.stdout.write(d));
    console.log(JSON.stringify({ pid: worker.pid }));
  } else worker.stdin.write(line + "\\n");
});
`;

/** Sends a line to the stand-in daemon and reads its answer. */
function talker(daemon: ChildProcess) {
  const lines = createInterface({ input: daemon.stdout! })[Symbol.asyncIterator]();
  return async (line: string): Promise<{ pid?: number; ms?: number }> => {
    daemon.stdin!.write(`${line}\n`);
    const next = await lines.next();
    assert.equal(next.done, false, "the stand-in daemon ended");
    return JSON.parse(next.value) as { pid?: number; ms?: number };
  };
}

void test("a scan worker forked again inside the milter's group is the workers' figure, not the milter's", async () => {
  assert.equal(process.getuid?.(), 0, "run the suite as root, as make test does on Debian: only root moves processes");
  const milter = CpuGroup.create("test-milter");
  assert.ok(milter, "this host has no writable cgroup v2 hierarchy (see /proc/self/mounts): the benchmark reads /proc");
  const daemon = spawn(process.execPath, ["-e", DAEMON], { stdio: ["pipe", "pipe", "inherit"] });
  const say = talker(daemon);
  const workers: number[] = [];
  let groups: ScanCpuGroups | null = null;
  try {
    // As in the real flow: the daemon's first worker is up before the daemon moves into the milter's group.
    workers.push((await say("fork")).pid!);
    assert.equal(milter.adopt(daemon.pid!), true, "the daemon moved into the milter's group");
    groups = ScanCpuGroups.start({ workerPids: () => workers.slice(-1), scannerPids: () => [] }, milter);
    assert.ok(groups, "the scan worker's group was made");
    assert.deepEqual(groups.parts, ["scan worker"], "no spamd: the workers' group alone");
    assert.equal(groups.claim(), 0, "the first worker came from outside the milter's group: nothing to give back");

    // The first worker dies; the daemon forks another, born in the milter's group, which works before it is moved.
    process.kill(workers[0]!, "SIGKILL");
    const second = (await say("fork")).pid!;
    workers.push(second);
    assert.equal(milter.holds(second), true, "the daemon's new worker was born in the milter's group");
    const milterBefore = milter.usageMs()!;
    const workersBefore = groups.workersMs()!;
    const early = (await say("burn")).ms!;
    const moved = groups.claim();
    assert.equal(milter.holds(second), false, "the reading moved the new worker out of the milter's group");
    // /proc's figure of the moved worker is two counts of clock ticks of 10 ms (user and system), each rounded down:
    // up to 20 ms short of what the worker counts of itself, and a tick more for the scheduler's split between them.
    const TICKS = 30;
    assert.ok(moved >= early - TICKS, `what it used in the milter's group went with it: ${moved} ms of ${early}`);
    const milterOwn = milter.usageMs()! - milterBefore - moved;
    assert.ok(milterOwn < early / 4, `the milter's figure kept ${milterOwn} ms of the worker's ${early}`);

    // After the move its group counts it.
    const total = (await say("burn")).ms!;
    const counted = groups.workersMs()! - workersBefore;
    assert.ok(counted >= 0.98 * total - TICKS, `the workers' figure counted ${counted} ms of the worker's ${total}`);
    assert.ok(counted <= total + 200, `the workers' figure counted ${counted} ms, far more than ${total}`);
  } finally {
    daemon.kill("SIGKILL");
    for (const pid of workers) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    if (daemon.exitCode === null && daemon.signalCode === null) await once(daemon, "exit");
    await groups?.remove();
    await milter.remove();
  }
});
