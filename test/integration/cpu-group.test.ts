/**
 * The benchmark's CPU accounting by control group (src/harness/cpu-group.ts) on this host's kernel: a process moved
 * into a group is counted with a thread that ended and a child it forked after the move, which /proc's figures of the
 * live process do not hold, and the group is gone once removed. Run as root, as `make test` runs on Debian.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { once } from "node:events";
import { CpuGroup } from "../../src/harness/cpu-group.js";

/** Waits for a line on stdin, then does a fixed amount of work in a worker thread that ends and in a child it forks,
 * and prints the CPU it used itself since the line and the child's, in ms. */
const CHILD = `
const { Worker } = require("node:worker_threads");
const { spawnSync } = require("node:child_process");
const burn = "let x = 0; for (let i = 0; i < 2e8; i++) x += i % 7; if (x < 0) console.log(x);";
process.stdin.once("data", async () => {
  const c0 = process.cpuUsage();
  await new Promise((r) => new Worker(burn, { eval: true }).on("exit", r));
  const out = spawnSync(process.execPath, ["-e", burn + "process.stdout.write(JSON.stringify(process.cpuUsage()))"]);
  const forked = JSON.parse(out.stdout.toString());
  const own = process.cpuUsage(c0);
  console.log(JSON.stringify({ own: (own.user + own.system) / 1000, forked: (forked.user + forked.system) / 1000 }));
  process.stdin.destroy();
});
`;

void test("a control group counts a process's ended thread and the child it forked after it joined", async () => {
  assert.equal(process.getuid?.(), 0, "run the suite as root, as make test does on Debian: only root moves processes");
  const group = CpuGroup.create("test");
  assert.ok(group, "this host has no writable cgroup v2 hierarchy (see /proc/self/mounts): the benchmark reads /proc");
  const child = spawn(process.execPath, ["-e", CHILD], { stdio: ["pipe", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  try {
    assert.equal(group.adopt(child.pid!), true, "the child moved into the group");
    const before = group.usageMs()!;
    child.stdin.write("go\n");
    await once(child, "exit");
    const used = group.usageMs()! - before;
    const { own, forked } = JSON.parse(output) as { own: number; forked: number };
    // A fixed amount of work, not a time: it costs CPU however busy the machine is.
    assert.ok(own >= 20 && forked >= 20, `the worker thread and the forked child burnt ${own} and ${forked} ms`);
    // Everything after the move counts: what the child and its child report of themselves, and their exits besides.
    assert.ok(used >= 0.98 * (own + forked), `the group counted ${used} ms of ${own} + ${forked}`);
    assert.ok(used <= own + forked + 200, `the group counted ${used} ms, far more than ${own} + ${forked}`);
  } finally {
    child.kill();
    await group.remove();
  }
  assert.equal(existsSync(group.dir), false, "the group's folder is removed");
  assert.equal(group.adopt(child.pid!), false, "nothing moves into a removed group");
  assert.equal(group.usageMs(), null, "a removed group has no figure");
});

void test("a process that is gone cannot be adopted, and the group is removed all the same", async () => {
  const group = CpuGroup.create("gone");
  assert.ok(group, "this host has no writable cgroup v2 hierarchy (see /proc/self/mounts)");
  const child = spawn(process.execPath, ["-e", ""]);
  await once(child, "exit");
  assert.equal(group.adopt(child.pid!), false);
  assert.equal(group.usageMs(), 0);
  assert.equal(existsSync(group.dir), true);
  await group.remove();
  assert.equal(existsSync(group.dir), false, "the group's folder is removed");
});
