// The daemon's private Redis, a real redis-server: reached only through a unix socket in a 0700 directory with a
// random password that is on no command line, no TCP port, an append-only file fsynced every second (its data outlives
// a restart and a SIGKILL of the server), maxmemory with noeviction, and one left behind is stopped by the next start.
// A server busy in a script, which defers SIGTERM until the script ends, is still ended by a stop and by its daemon's
// death.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { createRedis, unixSocketOptions } from "../../src/redis/connect.js";
import { privateRedisUrl, startPrivateRedis, type PrivateRedis } from "../../src/redis/private-server.js";
import { isRunning, readRecord, recordOf } from "../../src/state/pidfile.js";
import { openStateDir } from "../../src/state/state-dir.js";
import { distRoot } from "../../src/util/paths.js";
import { pollUntil } from "../support/poll.js";

const settings = { binary: "redis-server", maxMemoryMb: 64 };
const modeOf = (path: string) => statSync(path).mode & 0o777;

async function client(url: string): Promise<Redis> {
  const r = createRedis(defaultConfig().redis, url, "bullmq") as Redis;
  await r.ping();
  return r;
}

/**
 * Start a script that never ends on the server (a runaway Lua loop) and resolve once Redis says it is busy in it: from
 * then on it defers SIGTERM until the script ends. Returns the two connections, to disconnect after.
 */
async function busyInScript(url: string): Promise<Redis[]> {
  const running = await client(url);
  const probe = await client(url);
  // Redis answers BUSY 100 ms into a script instead of 5 s.
  await running.config("SET", "lua-time-limit", "100");
  running.eval("while true do end", 0).catch(() => undefined);
  await pollUntil("Redis to answer BUSY: the script runs", () =>
    probe.ping().then(
      () => false,
      (error: Error) => /^BUSY/.test(error.message),
    ),
  );
  return [running, probe];
}

void describe("the private Redis", () => {
  const started: PrivateRedis[] = [];
  const clients: Redis[] = [];
  after(async () => {
    for (const c of clients) c.disconnect();
    for (const r of started) await r.stop();
  });
  const start = async (state: ReturnType<typeof openStateDir>) => {
    const r = await startPrivateRedis(state, settings);
    started.push(r);
    return r;
  };

  void test("listens on a 0700 socket only, requires its 0600 password, which no command line shows", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-pr-")));
    const redis = await start(state);
    const dir = join(state.path, "redis");
    assert.equal(redis.socket, join(dir, "redis.sock"));
    assert.equal(modeOf(dir), 0o700);
    assert.equal(modeOf(redis.socket), 0o700);
    assert.equal(modeOf(join(dir, "password")), 0o600);
    assert.equal(modeOf(join(dir, "redis.conf")), 0o600);
    const password = readFileSync(join(dir, "password"), "utf8").trim();
    assert.match(password, /^[0-9a-f]{64}$/);
    assert.equal(unixSocketOptions(redis.url)?.password, password);
    const pid = redis.service.process.pid ?? -1;
    assert.ok(!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(password), "the password is not in argv");

    const anonymous = new Redis({ path: redis.socket, lazyConnect: true, maxRetriesPerRequest: 0 });
    anonymous.on("error", () => undefined);
    await anonymous.connect().catch(() => undefined);
    await assert.rejects(anonymous.set("k", "v"), /NOAUTH/);
    anonymous.disconnect();

    const r = await client(redis.url);
    clients.push(r);
    const config = async (key: string) => (await r.config("GET", key))[1];
    assert.equal(await config("port"), "0", "no TCP port");
    assert.equal(await config("appendonly"), "yes");
    assert.equal(await config("appendfsync"), "everysec");
    assert.equal(await config("maxmemory"), String(64 * 1024 * 1024));
    assert.equal(await config("maxmemory-policy"), "noeviction");
    assert.equal(privateRedisUrl(state), redis.url, "the one-shot commands find it through the state directory");
  });

  void test("its data outlives a restart, and a SIGKILL of the server once a second has passed", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-pr-")));
    let redis = await start(state);
    let r = await client(redis.url);
    await r.set("verdict", "spam");
    r.disconnect();
    await redis.stop();
    redis = await start(state);
    r = await client(redis.url);
    assert.equal(await r.get("verdict"), "spam", "kept across a clean restart");
    await r.set("block", "until-tomorrow");
    await new Promise((res) => setTimeout(res, 1500));
    r.disconnect();
    const record = recordOf(redis.service.process.pid ?? -1);
    redis.service.process.kill("SIGKILL");
    await new Promise<void>((res) => redis.service.process.once("exit", () => res()));
    assert.ok(!isRunning(record));
    redis = await start(state);
    r = await client(redis.url);
    clients.push(r);
    assert.equal(await r.get("block"), "until-tomorrow", "kept across a SIGKILL of the server");
    assert.equal(await r.get("verdict"), "spam");
  });

  void test("past maxmemory it refuses writes (OOM) and still answers reads", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-pr-")));
    const redis = await startPrivateRedis(state, { ...settings, maxMemoryMb: 16 });
    started.push(redis);
    const r = await client(redis.url);
    clients.push(r);
    await r.set("known", "spam");
    const blob = "x".repeat(1024 * 1024);
    let refused: Error | null = null;
    for (let i = 0; i < 64 && !refused; i++) await r.set(`fill:${i}`, blob).catch((e: Error) => (refused = e));
    assert.match(String(refused), /OOM command not allowed/);
    assert.equal(await r.get("known"), "spam");
  });

  void test("its pidfile names the running server", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-pr-")));
    const redis = await start(state);
    assert.equal(readRecord(join(state.path, "redis", "redis-server.pid"))?.pid, redis.service.process.pid);
  });

  void test("a stop ends a server busy in a script, which defers SIGTERM: SIGKILL after the grace period", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-pr-")));
    const redis = await startPrivateRedis(state, { ...settings, stopGraceMs: 1000 });
    const connections = await busyInScript(redis.url);
    try {
      await redis.stop();
      assert.equal(redis.service.process.signalCode, "SIGKILL", "SIGTERM was not enough: the stop escalated");
      assert.ok(!existsSync(join(state.path, "redis", "redis-server.pid")), "its pidfile is gone");
    } finally {
      for (const c of connections) c.disconnect();
    }
  });

  void test("a daemon killed while its server is busy in a script leaves no server behind", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-pr-")));
    const module = (file: string) => JSON.stringify(join(distRoot, "src", file));
    // A daemon's part: the private Redis started by a process of its own, which prints the server's pid and URL.
    const daemon = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { startPrivateRedis } = await import(${module("redis/private-server.js")});
         const { openStateDir } = await import(${module("state/state-dir.js")});
         const r = await startPrivateRedis(openStateDir(${JSON.stringify(state.path)}), ${JSON.stringify(settings)});
         console.log(JSON.stringify({ pid: r.service.process.pid, url: r.url }));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = once(daemon, "exit");
    let out = "";
    daemon.stdout.on("data", (d: Buffer) => (out += d.toString()));
    let server: ReturnType<typeof recordOf> | null = null;
    const connections: Redis[] = [];
    try {
      await pollUntil("the private Redis of the daemon", () => out.includes("\n"));
      const { pid, url } = JSON.parse(out) as { pid: number; url: string };
      server = recordOf(pid);
      connections.push(...(await busyInScript(url)));
      daemon.kill("SIGKILL");
      await exited;
      const record = server;
      await pollUntil("the server to end with its daemon", () => !isRunning(record));
    } finally {
      for (const c of connections) c.disconnect();
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill("SIGKILL");
      if (server && isRunning(server)) process.kill(server.pid, "SIGKILL");
    }
  });
});
