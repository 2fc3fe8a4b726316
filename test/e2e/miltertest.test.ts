/**
 * End to end with OpenDKIM's miltertest, a milter client we did not write: the Lua scripts in test/e2e/miltertest/
 * drive the milter server (scripted policy, in this process) over TCP and a unix socket through negotiation, every
 * stage, end of message with header modifications, verdicts and an abort followed by a second message. The test asserts
 * each script's exit code is 0 and prints its output when it is not; then it checks what the policy saw.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, type MilterConfig } from "../../src/config/schema.js";
import { startMilterServer, type MilterServer } from "../../src/server/milter-server.js";
import { createLogger } from "../../src/util/logger.js";
import { runMiltertest, type MiltertestResult } from "../support/miltertest.js";
import { scriptedPolicy } from "../support/scripted-policy.js";

function assertPassed(name: string, result: MiltertestResult): void {
  const output = `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
  assert.equal(result.code, 0, `miltertest ${name} failed:\n${output}`);
  assert.match(result.stdout, new RegExp(`PASS ${name}`), `miltertest ${name} did not report PASS:\n${output}`);
}

void describe("miltertest against the milter server", () => {
  const policy = scriptedPolicy();
  let server: MilterServer | undefined;
  let sockDir: string | undefined;
  let port = 0;
  let sock = "";

  before(async () => {
    sockDir = mkdtempSync(join(tmpdir(), "floodgate-mt-"));
    chmodSync(sockDir, 0o755);
    sock = join(sockDir, "milter.sock");
    const milter: MilterConfig = { ...defaultConfig().milter, socketMode: "0660" };
    server = await startMilterServer({
      listen: ["inet:127.0.0.1:0", `unix:${sock}`],
      policy,
      settings: () => milter,
      logger: createLogger("warn"),
    });
    port = Number(/:(\d+)$/.exec(server.addresses[0]!)?.[1]);
  });

  after(async () => {
    await server?.close(1000);
    if (sockDir) rmSync(sockDir, { recursive: true, force: true });
  });

  void test("a whole session: negotiation, every stage, ESMTP args, header added and changed", async () => {
    const before = policy.seen.length;
    assertPassed("session", await runMiltertest("session.lua", { port }));
    const [first, second] = policy.seen.slice(before);
    assert.ok(first && second, "the policy saw both messages");
    assert.deepEqual(first.connect, {
      hostname: "client.lab.local",
      family: "inet",
      address: "192.0.2.7",
      port: first.connect?.port,
    });
    assert.equal(first.helo, "client.lab.local");
    assert.deepEqual(first.sender, { address: "sender@client.lab.local", args: ["SIZE=1234", "BODY=8BITMIME"] });
    assert.deepEqual(first.recipients, [{ address: "alice@box.lab", args: ["NOTIFY=NEVER"] }]);
    assert.equal(first.queueId, "MT1");
    assert.equal(first.subject, "tag");
    assert.deepEqual(
      second.recipients.map((r) => r.address),
      ["bob@box.lab"],
    );
  });

  void test("connect information for inet, inet6 and an unknown family", async () => {
    const before = policy.seen.length;
    assertPassed("families", await runMiltertest("families.lua", { port }));
    const connects = policy.seen.slice(before).map((s) => s.connect);
    // milter-protocol.md §1.8: family '6' carries the plain address; 'U' carries no port and no address.
    assert.deepEqual(
      connects.map((c) => [c?.family, c?.address]),
      [
        ["inet", "192.0.2.8"],
        ["inet6", "2001:db8::8"],
        ["unknown", null],
      ],
    );
    assert.equal(connects[2]?.port, null);
  });

  void test("verdicts: a recipient rejected, a message rejected and one tempfailed with their reply codes", async () => {
    assertPassed("verdicts", await runMiltertest("verdicts.lua", { port }));
  });

  void test("abort then a second message on the same connection, over a unix socket", async () => {
    const before = policy.seen.length;
    const aborts = policy.aborts();
    assertPassed("abort", await runMiltertest("abort.lua", { sock }));
    const seen = policy.seen.slice(before);
    assert.equal(seen.length, 1, "only the second message reached end of message");
    assert.equal(seen[0]?.sender?.address, "second@client.lab.local");
    assert.equal(seen[0]?.subject, "tag");
    assert.ok(policy.aborts() > aborts, "the policy's abort handler ran");
  });
});
