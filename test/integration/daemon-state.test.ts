/**
 * `floodgate run` and the files it keeps: nothing is written through a link planted where the private Redis's URL
 * used to be left (a runtime directory any local user could prepare), the state directory holds the private Redis
 * with its secret, and the one-shot commands find that Redis through the state directory alone; the admin token is
 * generated there at the first start, `floodgate shadow` uses it, a request without it is refused, and no log shows it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { runCli, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";

describe("floodgate run's files", () => {
  const runtime = mkdtempSync(join(tmpdir(), "fg-runtime-"));
  const victim = join(runtime, "victim");
  let daemon: DaemonProcess;
  let stateDir: string;

  before(async () => {
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(runtime, "private-redis.url"));
    daemon = await startDaemonProcess({}, { env: { FLOODGATE_RUNTIME_DIR: runtime, XDG_RUNTIME_DIR: runtime } });
    const config = parse(readFileSync(daemon.configPath, "utf8")) as { state: { dir: string } };
    stateDir = config.state.dir;
  });
  after(async () => {
    await daemon?.stop();
  });

  test("a link planted in the runtime directory is not written through", () => {
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
  });

  test("the private Redis lives in the state directory, its directory 0700 and its password 0600", () => {
    assert.equal(statSync(join(stateDir, "redis")).mode & 0o777, 0o700);
    assert.equal(statSync(join(stateDir, "redis", "password")).mode & 0o777, 0o600);
    assert.ok(statSync(join(stateDir, "redis", "redis.sock")).isSocket());
    assert.equal(dirname(stateDir), dirname(daemon.configPath));
  });

  test("the admin token is generated at the first start (0600); `floodgate shadow on|off` switches with it", async () => {
    const tokenFile = join(stateDir, "admin-token");
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const token = readFileSync(tokenFile, "utf8").trim();
    assert.match(token, /^[0-9a-f]{64}$/);
    const refused = await fetch(`${daemon.metricsUrl}/shadow?on=1`, { method: "POST" });
    assert.equal(refused.status, 401);
    let r = await runCli(["shadow", "on", "--config", daemon.configPath]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.stdout, "shadow mode is on\n");
    r = await runCli(["shadow", "--config", daemon.configPath]);
    assert.equal(r.stdout, "shadow mode is on\n");
    r = await runCli(["shadow", "off", "--config", daemon.configPath]);
    assert.equal(r.stdout, "shadow mode is off\n");
    const password = readFileSync(join(stateDir, "redis", "password"), "utf8").trim();
    for (const secret of [token, password]) assert.ok(!daemon.logs().includes(secret), "no secret in the log");
  });

  test("`floodgate campaigns` finds the private Redis through the state directory", async () => {
    const listed = await runCli(["campaigns", "--config", daemon.configPath]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, "no campaigns\n");
    const elsewhere = await runCli(["campaigns"], { FLOODGATE_STATE_DIR: mkdtempSync(join(tmpdir(), "fg-empty-")) });
    assert.equal(elsewhere.code, 2);
    assert.match(elsewhere.stderr, /no Redis to talk to/);
  });
});
