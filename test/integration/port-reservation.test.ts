/**
 * Port reservations across real processes (src/util/port-reservation.ts): node processes reserving side by side never
 * get the same port, a port held by a live process is not handed out, one held by a killed process is, a process's
 * reservations go when it exits, and a port something listens on is skipped. Each test has its own directory and a
 * small range, so that the processes meet on the same candidates.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bindable, defaultRange, reservePort } from "../../src/util/port-reservation.js";

const MODULE = fileURLToPath(new URL("../../src/util/port-reservation.js", import.meta.url));

/**
 * A node process that reserves `count` ports from `range` in `dir` once `go` appears (all start together), prints
 * them as one JSON line (or the error), then waits for stdin to close (or is killed).
 */
function reserver(dir: string, range: [number, number], count: number, go: string): ChildProcess {
  const script = `
    import { existsSync } from "node:fs";
    import { reservePort } from ${JSON.stringify(MODULE)};
    while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 5));
    const ports = [];
    try {
      for (let i = 0; i < ${count}; i++) ports.push(await reservePort({ dir: ${JSON.stringify(dir)}, range: ${JSON.stringify(range)} }));
      console.log(JSON.stringify({ ports }));
    } catch (error) {
      console.log(JSON.stringify({ ports, error: String(error) }));
    }
    process.stdin.resume();
    process.stdin.on("end", () => process.exit(0));`;
  return spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
}

async function result(child: ChildProcess): Promise<{ ports: number[]; error?: string }> {
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  while (!out.includes("\n")) await once(child.stdout!, "data");
  return JSON.parse(out.split("\n")[0]!) as { ports: number[]; error?: string };
}

async function end(child: ChildProcess, how: "exit" | "kill"): Promise<void> {
  const exited = once(child, "exit");
  if (how === "kill") child.kill("SIGKILL");
  else child.stdin!.end();
  await exited;
}

/**
 * A private dir, a range of `size` ports below the ephemeral range where nothing listens now (others on this machine
 * bind ports there too), and the start signal.
 */
async function place(size: number): Promise<{ dir: string; range: [number, number]; go: string }> {
  const [low, high] = defaultRange();
  for (;;) {
    const start = low + Math.floor(Math.random() * (high - low - size));
    const ports = Array.from({ length: size }, (_, i) => start + i);
    if (!(await Promise.all(ports.map(bindable))).every(Boolean)) continue;
    const dir = mkdtempSync(join(tmpdir(), "floodgate-port-test-"));
    return { dir, range: [start, start + size - 1], go: join(dir, "go") };
  }
}

test("processes reserving side by side from the same 120 ports each get their own", async () => {
  const { dir, range, go } = await place(120);
  try {
    const children = Array.from({ length: 4 }, () => reserver(dir, range, 25, go));
    const results = children.map(result);
    await new Promise((r) => setTimeout(r, 300)); // every process loaded and polling
    writeFileSync(go, "");
    const got = await Promise.all(results);
    const all = got.flatMap((g) => g.ports);
    assert.deepEqual(
      got.map((g) => g.error),
      [undefined, undefined, undefined, undefined],
    );
    assert.equal(all.length, 100);
    assert.equal(new Set(all).size, 100, "a port was handed to two processes");
    for (const [i, g] of got.entries())
      for (const port of g.ports) assert.equal(readFileSync(join(dir, String(port)), "utf8"), String(children[i]!.pid));
    await Promise.all(children.map((c) => end(c, "exit")));
    assert.deepEqual(readdirSync(dir).sort(), ["go"], "reservations left after their processes exited");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a port held by a live process is not handed out; once that process is killed, it is", async () => {
  const { dir, range, go } = await place(3);
  try {
    writeFileSync(go, "");
    const holder = reserver(dir, range, 3, go);
    assert.equal((await result(holder)).ports.length, 3);
    await assert.rejects(reservePort({ dir, range }), /no free port to reserve/);
    await end(holder, "kill"); // no exit handler runs: its files stay, naming a pid that is gone
    assert.equal(readdirSync(dir).length, 4);
    const next = reserver(dir, range, 3, go);
    const got = await result(next);
    assert.equal(got.error, undefined);
    assert.deepEqual(
      [...got.ports].sort((a, b) => a - b),
      [range[0], range[0] + 1, range[0] + 2],
    );
    await end(next, "exit");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a port something listens on is skipped", async () => {
  const { dir, range } = await place(2);
  const server = createServer();
  try {
    server.listen(range[0], "127.0.0.2");
    await once(server, "listening");
    assert.equal(await reservePort({ dir, range }), range[1]);
    assert.deepEqual(readdirSync(dir), [String(range[1])]);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the machine's ports come from below the kernel's ephemeral range", () => {
  const [low, high] = defaultRange();
  const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  assert.ok(low >= 1024 && high < ephemeralLow, `${low}-${high} against ${ephemeralLow}`);
});
