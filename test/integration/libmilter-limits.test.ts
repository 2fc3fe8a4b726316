/**
 * The libmilter engine on a unix socket (its file mode), the session limit enforced at option negotiation, and a
 * graceful shutdown: new sessions are refused, the session in flight finishes, then libmilter stops. A file of its own, because libmilter runs
 * one smfi_main per process and cannot start again once stopped.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MilterClient, simpleMessage } from "../../src/client/milter-client.js";
import { defaultConfig } from "../../src/config/schema.js";
import { startLibmilterServer } from "../../src/engine/libmilter/engine.js";
import type { MilterServer } from "../../src/engine/engine.js";
import { createLogger } from "../../src/util/logger.js";
import { scriptedPolicy, TAG_HEADER, TAG_VALUE } from "../support/scripted-policy.js";

void describe("libmilter engine: unix socket, session limit, shutdown", () => {
  const dir = mkdtempSync(join(tmpdir(), "fg-libmilter-"));
  const path = join(dir, "milter.sock");
  let server: MilterServer;
  let refused = 0;

  before(async () => {
    const settings = { ...defaultConfig().milter, maxSessions: 2, socketMode: "0600" };
    server = await startLibmilterServer({
      listen: [`unix:${path}`],
      policy: scriptedPolicy(),
      settings: () => settings,
      logger: createLogger("silent"),
      observer: { sessionRefused: () => void refused++ },
    });
  });
  after(async () => {
    await server.close(2000);
    rmSync(dir, { recursive: true, force: true });
  });

  void test("the socket has the configured mode and carries sessions", async () => {
    assert.deepEqual(server.addresses, [`unix:${path}`]);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const client = await MilterClient.connect(`unix:${path}`);
    await client.open({ hostname: "localhost", family: "unix", address: "/var/run/x", port: 0 });
    const r = await client.transaction(simpleMessage("a@b", ["c@d"], "unix", "hi\n"));
    const tag = r.eom?.modifications.find((m) => m.kind === "addHeader" && m.name === TAG_HEADER);
    assert.equal(tag?.kind === "addHeader" ? tag.value.trim() : undefined, TAG_VALUE);
    await client.quit();
  });

  void test("the session limit refuses a third session and keeps the established ones", async () => {
    const a = await MilterClient.connect(`unix:${path}`);
    const b = await MilterClient.connect(`unix:${path}`);
    await a.open();
    await b.open();
    const c = await MilterClient.connect(`unix:${path}`);
    await assert.rejects(c.negotiate(), /closed|reset/);
    assert.equal(refused, 1);
    for (const client of [a, b]) {
      const r = await client.transaction(simpleMessage("a@b", ["c@d"], "kept", "hi\n"));
      assert.equal(r.eom?.action, "continue");
      await client.quit();
    }
  });

  void test("graceful shutdown: new sessions refused, the session in flight finishes, then the socket goes", async () => {
    const client = await MilterClient.connect(`unix:${path}`);
    await client.open();
    const closing = server.close(5000);
    const late = await MilterClient.connect(`unix:${path}`);
    await assert.rejects(late.negotiate(), /closed|reset/);
    for (let i = 0; i < 3; i++) {
      const r = await client.transaction(simpleMessage("a@b", ["c@d"], `in flight ${i}`, "hi\n"));
      assert.equal(r.eom?.action, "continue");
    }
    await client.quit();
    await closing;
    assert.equal(server.sessionCount(), 0);
    assert.equal(existsSync(path), false, "the unix socket is removed, as by the TypeScript engine");
  });
});
