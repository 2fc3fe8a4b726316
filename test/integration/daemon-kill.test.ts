/**
 * `kill -9` of `floodgate run` in the middle of a flood, on the embedded defaults of `make run` (its own private
 * Redis and scan worker process; only the ports and a private state directory given, by environment): the restarted
 * daemon has every block and verdict, and exactly one private redis-server runs. The same after killing both the
 * daemon and its redis-server, where at most the last second of writes may be lost.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MilterClient, type TestMessage } from "../../src/client/milter-client.js";
import { readRecord } from "../../src/state/pidfile.js";
import { DAEMON_NODE_FLAGS } from "../../src/util/node-flags.js";
import { freePort } from "../../src/util/tcp-port.js";
import { campaignCopies } from "../support/distinct-campaigns.js";
import { CLI, runCli } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";

interface Running {
  child: ChildProcess;
  milter: string;
  output: () => string;
}

/** `floodgate run` with no configuration file, as `make run` starts it. */
async function startDefaults(stateDir: string): Promise<Running> {
  const [milterPort, metricsPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLOODGATE_STATE_DIR: stateDir,
    FLOODGATE_LISTEN: `inet:127.0.0.1:${milterPort}`,
    FLOODGATE_METRICS_PORT: String(metricsPort),
  };
  delete env["FLOODGATE_CONFIG"];
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, "run"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await pollUntil(
    `floodgate run to be ready (output so far: ${output.slice(-1500)})`,
    async () => {
      if (child.exitCode !== null) throw new Error(`floodgate run exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => null))?.status === 200;
    },
    60_000,
  );
  return { child, milter: `inet:127.0.0.1:${milterPort}`, output: () => output };
}

/** Pids of redis-server processes working in `dir` (the private Redis's directory). */
function redisServersIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, "utf8").startsWith("redis-server")) continue;
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch {
      // gone, or a zombie
    }
  }
  return pids;
}

/** Scan worker processes the daemon `pid` started (its children running workers/scan-worker.js). */
function scanWorkersOf(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("scan-worker"))
        pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

const running = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

interface Known {
  state: string;
  verdict: string | null;
  /** When the scan that gave the verdict ended (Unix ms). */
  verdictAt: number | null;
  blockedUntil: number | null;
}

/** What `floodgate campaigns --json` says of each campaign's verdict and block. */
async function known(stateDir: string): Promise<Map<string, Known>> {
  const listed = await runCli(["campaigns", "--json", "--limit", "100"], { FLOODGATE_STATE_DIR: stateDir });
  assert.equal(listed.code, 0, listed.stderr);
  const views = JSON.parse(listed.stdout) as Array<{
    id: string;
    state: string;
    verdict: { verdict: string; at: number } | null;
    blockedUntil: number | null;
  }>;
  return new Map(
    views.map((v) => [
      v.id,
      {
        state: v.state,
        verdict: v.verdict?.verdict ?? null,
        verdictAt: v.verdict?.at ?? null,
        blockedUntil: v.blockedUntil,
      },
    ]),
  );
}

/** Every verdict and block of `before` is in `afterwards`. */
function assertKept(before: Map<string, Known>, afterwards: Map<string, Known>, what: string): void {
  for (const [id, was] of before) {
    if (was.verdict === null && was.blockedUntil === null) continue;
    const now = afterwards.get(id);
    assert.ok(now, `${what}: campaign ${id} is gone`);
    // The flood goes on, so a re-scan (queue.rescanAfterCopies) may replace a verdict with a newer one; a lost write
    // leaves an older verdict or none.
    if (now.verdictAt === was.verdictAt) assert.equal(now.verdict, was.verdict, `${what}: campaign ${id}'s verdict`);
    else
      assert.ok((now.verdictAt ?? 0) > (was.verdictAt ?? 0), `${what}: campaign ${id}'s verdict is older than before`);
    assert.equal(now.blockedUntil, was.blockedUntil, `${what}: campaign ${id}'s block`);
  }
}

/** Copies of campaigns sent over `sessions` sessions until `stop()`; a session lost with its daemon reconnects. */
function flood(target: () => string, campaigns: TestMessage[][], sessions = 4) {
  let running = true;
  let sent = 0;
  const loops = Array.from({ length: sessions }, async (_, s) => {
    let i = s;
    while (running) {
      let client: MilterClient | null = null;
      try {
        client = await MilterClient.connect(target(), { timeoutMs: 10_000 });
        await client.open();
        while (running) {
          const copies = campaigns[i % campaigns.length] as TestMessage[];
          await client.transaction(copies[Math.floor(i / campaigns.length) % copies.length] as TestMessage);
          sent++;
          i += sessions;
        }
        await client.quit();
      } catch {
        client?.destroy();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return {
    sent: () => sent,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe("kill -9 of floodgate run under make run's defaults", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "fg-kill-"));
  const redisDir = join(stateDir, "redis");
  let daemon: Running;
  let campaigns: TestMessage[][];
  const daemons: Running[] = [];

  const restart = async () => {
    daemon = await startDefaults(stateDir);
    daemons.push(daemon);
  };
  /**
   * SIGKILL the daemon; its scan worker processes (by default those running now) must end on their own (no orphan).
   */
  const kill9 = async (d: Running, workers = scanWorkersOf(d.child.pid ?? -1)) => {
    assert.ok(workers.length > 0, "the daemon runs a scan worker process");
    d.child.kill("SIGKILL");
    await once(d.child, "exit");
    return async () =>
      pollUntil("the killed daemon's scan worker processes to end", () => !workers.some(running), 30_000);
  };

  before(async () => {
    campaigns = await campaignCopies({
      spamLimit: 60,
      campaigns: 5,
      copies: 40,
      seed: 100,
      sender: "sender",
    });
    await restart();
  });

  after(async () => {
    const live = daemons.filter((d) => d.child.exitCode === null && d.child.signalCode === null);
    await Promise.all(
      live.map((d) => {
        const exited = once(d.child, "exit");
        d.child.kill("SIGTERM");
        return exited;
      }),
    );
    await pollUntil("the private Redis to stop with its daemon", () => redisServersIn(redisDir).length === 0, 30_000);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test("the restarted daemon has every block and verdict; exactly one private redis-server runs", async () => {
    const traffic = flood(() => daemon.milter, campaigns);
    try {
      const judged = await pollUntil(
        "a verdict on every campaign",
        async () => {
          const now = await known(stateDir);
          return now.size >= campaigns.length && [...now.values()].every((k) => k.verdict !== null) ? now : null;
        },
        120_000,
        500,
      );
      const [blockId] = [...judged.keys()];
      const blocked = await runCli(["block", blockId as string, "--ttl", "1d"], { FLOODGATE_STATE_DIR: stateDir });
      assert.equal(blocked.code, 0, blocked.stderr);

      const before = await known(stateDir);
      assert.ok(before.get(blockId as string)?.blockedUntil, "the block is in place");
      const oldRedis = redisServersIn(redisDir);
      assert.equal(oldRedis.length, 1, "one private redis-server before the kill");
      const sentBefore = traffic.sent();
      const orphansGone = await kill9(daemon);
      assert.ok(sentBefore > 0, "the flood was running when the daemon was killed");

      await restart();
      await orphansGone();
      assert.deepEqual(redisServersIn(redisDir).length, 1, "exactly one private redis-server after the restart");
      assert.ok(!oldRedis.some((pid) => redisServersIn(redisDir).includes(pid)), "the old server is not left running");
      assertKept(before, await known(stateDir), "after kill -9 of the daemon");
      const sentAtRestart = traffic.sent();
      await pollUntil("the flood to flow through the restarted daemon", () => traffic.sent() > sentAtRestart + 20);
    } finally {
      await traffic.stop();
    }
  });

  test("killing both the daemon and its redis-server loses at most the last second of writes", async () => {
    const traffic = flood(() => daemon.milter, campaigns);
    try {
      const ids = [...(await known(stateDir)).keys()];
      const blocked = await runCli(["block", ids[1] as string, "--ttl", "2h"], { FLOODGATE_STATE_DIR: stateDir });
      assert.equal(blocked.code, 0, blocked.stderr);
      const before = await known(stateDir);
      // A second of writes for the append-only file's fsync, with the flood still writing.
      await new Promise((r) => setTimeout(r, 1100));
      const server = readRecord(join(redisDir, "redis-server.pid"));
      assert.ok(server, "the private Redis has a pidfile");
      // Taken before Redis goes: a scan worker that loses Redis may end and be started again meanwhile. The daemon
      // restarted by the first test is ready before its worker process is up on a loaded machine, hence the wait.
      const pid = daemon.child.pid ?? -1;
      const workers = await pollUntil("the daemon's scan worker process", () => {
        const running = scanWorkersOf(pid);
        return running.length > 0 ? running : null;
      });
      process.kill(server.pid, "SIGKILL");
      const orphansGone = await kill9(daemon, workers);

      await restart();
      await orphansGone();
      const servers = redisServersIn(redisDir);
      assert.equal(servers.length, 1, "exactly one private redis-server after the restart");
      assert.notEqual(servers[0], server.pid);
      assertKept(before, await known(stateDir), "after kill -9 of the daemon and its redis-server");
      const password = readFileSync(join(redisDir, "password"), "utf8").trim();
      for (const d of daemons) assert.ok(!d.output().includes(password), "the Redis password is in no log");
      const sentAtRestart = traffic.sent();
      await pollUntil("the flood to flow through the restarted daemon", () => traffic.sent() > sentAtRestart + 20);
    } finally {
      await traffic.stop();
    }
  });
});
