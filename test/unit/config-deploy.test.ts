// The deploy/ files: the example configuration loads, the systemd unit starts an existing command, the MTA snippets
// carry the placeholders the e2e lab fills in.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatConfigErrors, loadConfig } from "../../src/config/load.js";
import { projectRoot } from "../../src/util/paths.js";
import { shippedUnit } from "../support/systemd-unit.js";

const deploy = (...p: string[]) => join(projectRoot, "deploy", ...p);

void describe("deploy/", () => {
  void test("the example configuration passes loadConfig and differs from the defaults only where it says so", () => {
    const r = loadConfig(deploy("floodgate.example.yaml"), {});
    assert.ok(r.ok, r.ok ? "" : formatConfigErrors(r.errors));
    assert.equal(r.config.policy.shadow, true);
    assert.equal(r.config.scanWorker.scanners[0]?.type, "spamd");
    assert.equal(r.config.metrics.host, "127.0.0.1");
  });

  void test("the systemd unit runs `floodgate run --config`, reloads with SIGHUP, and its commands exist", () => {
    const unit = shippedUnit("floodgate.service");
    const service = unit.get("Service");
    assert.ok(service, "no [Service] section");
    assert.ok(unit.get("Install")?.get("WantedBy")?.includes("multi-user.target"));
    const execStart = service.get("ExecStart");
    assert.equal(execStart?.length, 1);
    const [program, ...args] = execStart[0]!.split(/\s+/);
    assert.deepEqual(args, ["run", "--config", "/etc/floodgate/floodgate.yaml"]);
    assert.deepEqual(service.get("ExecReload"), ["/bin/kill -HUP $MAINPID"]);
    assert.ok(existsSync("/bin/kill"), "/bin/kill is missing");
    for (const hardening of [
      "NoNewPrivileges",
      "ProtectSystem",
      "PrivateTmp",
      "RestrictAddressFamilies",
      "CapabilityBoundingSet",
    ]) {
      assert.ok(service.has(hardening), `no ${hardening}`);
    }

    // The program is the package's `floodgate` bin; its compiled entry exists and knows the subcommand.
    const pkg = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { bin: Record<string, string> };
    const name = program!.split("/").pop()!;
    const entry = pkg.bin[name];
    assert.ok(entry, `package.json has no bin named ${name}`);
    assert.ok(existsSync(join(projectRoot, entry)), `${entry} does not exist (build first)`);
    const usage = execFileSync(process.execPath, [join(projectRoot, entry), "run", "--help"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.match(usage, /^usage: floodgate run \[--config FILE\]/);

    // ExecStartPre checks the configuration with the real command: run it on the example file.
    const pre = service.get("ExecStartPre")?.[0]?.split(/\s+/);
    assert.deepEqual(pre?.slice(1), ["check-config", "/etc/floodgate/floodgate.yaml"]);
    const out = execFileSync(
      process.execPath,
      [join(projectRoot, entry), "check-config", deploy("floodgate.example.yaml")],
      {
        encoding: "utf8",
        timeout: 30_000,
        env: { PATH: process.env["PATH"] ?? "" },
      },
    );
    assert.match(out, /^OK: /);
  });

  void test("the Postfix and Sendmail snippets carry the @MILTER@ placeholder, timeouts and the default action", () => {
    const postfix = readFileSync(deploy("postfix", "main.cf.snippet"), "utf8");
    assert.match(
      postfix,
      /^smtpd_milters = \{ @MILTER@, connect_timeout=\d+s, command_timeout=\d+s, content_timeout=\d+s, default_action=@DEFAULT_ACTION@ \}$/m,
    );
    assert.match(postfix, /^milter_protocol = 6$/m);
    assert.match(postfix, /^enable_long_queue_ids = yes$/m, "held copies' queue ids are never reused");
    const sendmail = readFileSync(deploy("sendmail", "floodgate.mc.snippet"), "utf8");
    assert.match(sendmail, /^INPUT_MAIL_FILTER\(`floodgate', `S=@MILTER@, F=T, T=C:\d+s;S:\d+s;R:\d+s;E:\d+m'\)dnl$/m);
  });
});
