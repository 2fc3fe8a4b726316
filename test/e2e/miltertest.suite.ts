/**
 * The end-to-end cases with OpenDKIM's miltertest, a milter client we did not write, for either milter engine
 * (issue 7): the Lua scripts in test/e2e/miltertest/ drive the engine (scripted policy, in the test process) over TCP
 * and a unix socket through negotiation, every stage, end of message with header modifications, verdicts and an abort
 * followed by a second message. Each case asserts its script's exit code is 0 (printing its output when it is not),
 * then checks what the policy saw. Each script reaches the milter on one transport (TCP: session, families, verdicts;
 * unix socket: abort); the TypeScript engine listens on both at once, a libmilter engine on one per test file.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, type MilterConfig } from "../../src/config/schema.js";
import type { MilterServer } from "../../src/engine/engine.js";
import { engineLabel, portOf, startEngine, type EngineName, type Transport } from "../support/e2e-engines.js";
import { runMiltertest, type MiltertestResult } from "../support/miltertest.js";
import { scriptedPolicy } from "../support/scripted-policy.js";

function assertPassed(name: string, result: MiltertestResult): void {
  const output = `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
  assert.equal(result.code, 0, `miltertest ${name} failed:\n${output}`);
  assert.match(result.stdout, new RegExp(`PASS ${name}`), `miltertest ${name} did not report PASS:\n${output}`);
}

/** Define the miltertest cases against `engine`, those of the given transports, on one engine listening on them. */
export function defineMiltertestSuite(engine: EngineName, transports: readonly Transport[] = ["tcp", "unix"]): void {
  const tcp = transports.includes("tcp");
  const unix = transports.includes("unix");
  const over = transports.map((t) => (t === "tcp" ? "TCP" : "a unix socket")).join(" and ");

  void describe(`miltertest against the milter on ${over} (${engineLabel(engine)})`, () => {
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
      const listen = [...(tcp ? ["inet:127.0.0.1:0"] : []), ...(unix ? [`unix:${sock}`] : [])];
      server = await startEngine(engine, listen, policy, () => milter);
      if (tcp) port = portOf(server.addresses[0]!);
    });

    after(async () => {
      await server?.close(1000);
      if (sockDir) rmSync(sockDir, { recursive: true, force: true });
    });

    if (tcp) {
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
    }

    if (unix) {
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
    }
  });
}
