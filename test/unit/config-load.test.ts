// Loading the configuration: every mistake at once with its key path and line, unknown keys refused, environment
// overrides, YAML syntax errors, redaction of secrets, and `floodgate check-config`.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatConfigErrors, loadConfig, parseConfigText, type ConfigError } from "../../src/config/load.js";
import { redactConfig } from "../../src/config/redact.js";
import { RENAMES } from "../../src/config/renames.js";
import { defaultConfig } from "../../src/config/schema.js";
import { checkConfigCommand } from "../../src/cli/check-config-command.js";
import { sink } from "../support/output.js";
import { projectRoot } from "../../src/util/paths.js";

function errorsOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigError[] {
  const r = parseConfigText(text, env);
  assert.equal(r.ok, false, "expected the configuration to be refused");
  return r.ok ? [] : r.errors;
}

void describe("loadConfig", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "floodgate-config-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test("no file gives every default", () => {
    const r = loadConfig(null, {});
    assert.ok(r.ok);
    assert.deepEqual(r.config, defaultConfig());
  });

  void test("a file with several mistakes reports all of them, each with its key path and line", () => {
    const text = [
      "milter:", //                         1
      "  listen:", //                       2
      "    - tcp:localhost", //             3
      "  maxSessions: lots", //             4
      "redis:", //                          5
      "  commandTimeoutMs: 0", //           6
      "policy:", //                         7
      "  failMode: panic", //               8
      "alerts:", //                         9
      "  backlog: { high: 10, low: 50 }", // 10
      "log: { level: loud }", //            11
    ].join("\n");
    const errors = errorsOf(text);
    const lines = formatConfigErrors(errors).split("\n");
    assert.deepEqual(lines, [
      "milter.listen[0] (line 3): must be inet:HOST:PORT, inet6:[ADDR]:PORT or unix:/path",
      'milter.maxSessions (line 4): must be a number, not "lots"',
      "redis.commandTimeoutMs (line 6): must be at least 1",
      'policy.failMode (line 8): must be one of "continue", "tempfail", not "panic"',
      "alerts.backlog.low (line 10): low must not be above high",
      'log.level (line 11): must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", not "loud"',
    ]);
  });

  void test("a shutdown grace shorter than the end-of-message deadline is refused", () => {
    const lines = formatConfigErrors(errorsOf("milter:\n  eomDeadlineMs: 5000\n  shutdownGraceSeconds: 2\n"));
    assert.deepEqual(lines.split("\n"), [
      "milter.shutdownGraceSeconds (line 3): must be at least eomDeadlineMs, or a message at its end when the stop " +
        "begins is closed unanswered",
    ]);
    assert.ok(parseConfigText("milter:\n  eomDeadlineMs: 2000\n  shutdownGraceSeconds: 2\n", {}).ok);
  });

  void test("unknown keys are refused at every level, with a suggestion when one is close", () => {
    const errors = errorsOf(
      "milter:\n  maxSesions: 10\nredis:\n  url: null\nmetrix: {}\nalerts:\n  watchdog:\n    bogus: 1\n",
    );
    assert.deepEqual(
      errors.map((e) => [e.path, e.message, e.line]),
      [
        ["milter.maxSesions", "unknown key (did you mean maxSessions?)", 2],
        ["metrix", "unknown key (did you mean metrics?)", 5],
        ["alerts.watchdog.bogus", "unknown key", 8],
      ],
    );
  });

  void test("a scanner of an unknown type names the types there are", () => {
    const errors = errorsOf("scanWorker:\n  scanners:\n    - type: clamav\n");
    assert.deepEqual(
      errors.map((e) => [e.path, e.line]),
      [["scanWorker.scanners[0].type", 3]],
    );
    assert.match(errors[0]!.message, /must be one of "builtin", "spamd", "rspamd", "clamd"/);
  });

  void test("YAML syntax errors are reported with their line", () => {
    const errors = errorsOf("milter:\n  listen: [inet:127.0.0.1:1\nredis:\n  url: null\n");
    assert.ok(errors.length >= 1);
    assert.ok(
      errors.every((e) => e.message.startsWith("YAML: ") && typeof e.line === "number"),
      formatConfigErrors(errors),
    );
    const dup = errorsOf("log: {}\nlog: {}\n");
    assert.deepEqual(
      dup.map((e) => [e.line, e.message]),
      [[2, "YAML: Map keys must be unique"]],
    );
  });

  void test("a file that is not a mapping is refused", () => {
    assert.deepEqual(
      errorsOf("- a\n- b\n").map((e) => e.message),
      ["must be a mapping of sections (milter:, redis:, …)"],
    );
  });

  void test("a missing file says so", () => {
    const r = loadConfig(join(dir, "nope.yaml"), {});
    assert.equal(r.ok, false);
    assert.match(formatConfigErrors(r.ok ? [] : r.errors), /cannot read .*nope\.yaml: no such file/);
  });

  void test("named environment variables override the file", () => {
    const path = join(dir, "env.yaml");
    writeFileSync(
      path,
      "milter:\n  listen: [inet:127.0.0.1:1]\nredis:\n  url: redis://127.0.0.1:1/0\nlog: { level: info }\n",
    );
    const r = loadConfig(path, {
      FLOODGATE_REDIS_URL: "redis://:pw@127.0.0.1:7000/2",
      FLOODGATE_LISTEN: "inet:127.0.0.1:2, unix:/run/fg.sock",
      FLOODGATE_SHADOW: "yes",
      FLOODGATE_LOG_LEVEL: "DEBUG",
      FLOODGATE_METRICS_PORT: "9999",
    });
    assert.ok(r.ok, r.ok ? "" : formatConfigErrors(r.errors));
    assert.equal(r.config.redis.url, "redis://:pw@127.0.0.1:7000/2");
    assert.deepEqual(r.config.milter.listen, ["inet:127.0.0.1:2", "unix:/run/fg.sock"]);
    assert.equal(r.config.policy.shadow, true);
    assert.equal(r.config.log.level, "debug");
    assert.equal(r.config.metrics.port, 9999);
    const cleared = loadConfig(path, { FLOODGATE_REDIS_URL: "" });
    assert.ok(cleared.ok);
    assert.equal(cleared.config.redis.url, null);
  });

  void test("FLOODGATE__SECTION__KEY sets any key: JSON values, strings otherwise, keys case-insensitive", () => {
    const r = parseConfigText("milter:\n  maxSessions: 10\n", {
      FLOODGATE__MILTER__MAXSESSIONS: "500",
      FLOODGATE__MILTER__NOREPLYSTAGES: '["body"]',
      FLOODGATE__REDIS__PREFIX: "123",
      FLOODGATE__ALERTS__BACKLOG__HIGH: "2000",
      FLOODGATE__ALERTS__WEBHOOKS: '[{"url":"http://127.0.0.1:9/hook"}]',
      FLOODGATE__POLICY__ALLOWLIST__SENDERDOMAINS: '["example.org"]',
    });
    assert.ok(r.ok, r.ok ? "" : formatConfigErrors(r.errors));
    assert.equal(r.config.milter.maxSessions, 500);
    assert.deepEqual(r.config.milter.noReplyStages, ["body"]);
    assert.equal(r.config.redis.prefix, "123");
    assert.equal(r.config.alerts.backlog.high, 2000);
    assert.equal(r.config.alerts.webhooks[0]?.maxBackoffMs, 60_000);
    assert.deepEqual(r.config.policy.allowlist.senderDomains, ["example.org"]);
  });

  void test("renamed keys: the old names still work, each with a warning; old and new together are refused", () => {
    const r = parseConfigText(
      "milter:\n  failMode: tempfail\npolicy:\n  failMode: tempfail\nworker:\n  processes: 3\n",
      { FLOODGATE__WORKER__CONCURRENCY: "7" },
    );
    assert.ok(r.ok, r.ok ? "" : formatConfigErrors(r.errors));
    assert.equal(r.config.milter.deadlineFailMode, "tempfail");
    assert.equal(r.config.policy.dependencyFailMode, "tempfail");
    assert.equal(r.config.scanWorker.processes, 3);
    assert.equal(r.config.scanWorker.concurrency, 7);
    assert.deepEqual(r.warnings, [
      "configuration key milter.failMode is now milter.deadlineFailMode; the old name still works",
      "configuration key policy.failMode is now policy.dependencyFailMode; the old name still works",
      "configuration key worker is now scanWorker; the old name still works",
      "FLOODGATE__WORKER__CONCURRENCY: configuration key worker is now scanWorker; the old name still works",
    ]);
    const both = errorsOf("milter:\n  failMode: continue\n  deadlineFailMode: tempfail\n");
    assert.deepEqual(
      both.map((e) => [e.path, e.message]),
      [["milter.failMode", "is the old name of milter.deadlineFailMode: set only one"]],
    );
  });

  void test("every rename is listed in the README", () => {
    const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
    for (const { from, to } of RENAMES)
      assert.ok(readme.includes(`| \`${from.join(".")}\` | \`${to.join(".")}\` |`), `${from.join(".")} in README`);
  });

  void test("bad environment overrides are reported with the variable's name, together with the file's errors", () => {
    const errors = errorsOf("log: { level: loud }\n", {
      FLOODGATE_SHADOW: "maybe",
      FLOODGATE_METRICS_PORT: "http",
      FLOODGATE__MILTER__MAXSESION: "1",
      FLOODGATE__MILTER__MAXSESSIONS: "-1",
      FLOODGATE__LOG__LEVEL__X: "1",
    });
    assert.deepEqual(formatConfigErrors(errors).split("\n"), [
      "log.level (from FLOODGATE__LOG__LEVEL__X): is not a section: X cannot be set under it",
      "milter.maxsesion (from FLOODGATE__MILTER__MAXSESION): unknown key (did you mean maxSessions?)",
      "policy.shadow (from FLOODGATE_SHADOW): must be a boolean (1, 0, true, false, yes, no, on, off)",
      "milter.maxSessions (from FLOODGATE__MILTER__MAXSESSIONS): must be at least 1",
      'metrics.port (from FLOODGATE_METRICS_PORT): must be a number, not "http"',
      'log.level (line 1): must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", not "loud"',
    ]);
  });
});

void describe("redactConfig", () => {
  void test("hides Redis passwords, webhook paths, queries and headers, and scanner passwords; keeps the rest", () => {
    const r = parseConfigText(
      [
        "redis: { url: 'redis://floodgate:s3cret@10.0.0.5:6380/1' }",
        "alerts:",
        "  webhooks:",
        "    - url: https://hooks.example.com/services/T000/B000/XXXXSECRET?token=abc",
        "      headers: { Authorization: Bearer sekrit }",
        "    - url: http://127.0.0.1:9093/",
        "scanWorker:",
        "  scanners:",
        "    - { type: rspamd, url: 'http://127.0.0.1:11333', password: hunter2 }",
        "    - { type: spamd }",
      ].join("\n"),
      {},
    );
    assert.ok(r.ok, r.ok ? "" : formatConfigErrors(r.errors));
    const red = redactConfig(r.config);
    const text = JSON.stringify(red);
    for (const secret of ["s3cret", "XXXXSECRET", "abc", "sekrit", "hunter2", "T000"])
      assert.ok(!text.includes(secret), secret);
    assert.equal(red.redis.url, "redis://floodgate:[redacted]@10.0.0.5:6380/1");
    assert.equal(red.alerts.webhooks[0]?.url, "https://hooks.example.com/[redacted]");
    assert.deepEqual(red.alerts.webhooks[0]?.headers, { Authorization: "[redacted]" });
    assert.equal(red.alerts.webhooks[1]?.url, "http://127.0.0.1:9093/");
    assert.deepEqual(red.scanWorker.scanners[0], {
      type: "rspamd",
      url: "http://127.0.0.1:11333/",
      timeoutMs: 30000,
      password: "[redacted]",
      controllerUrl: null,
    });
    // The original is untouched.
    assert.equal(r.config.redis.url, "redis://floodgate:s3cret@10.0.0.5:6380/1");
  });
});

void describe("checkConfigCommand", () => {
  void test("--print adds the effective configuration with secrets redacted, and it loads back", () => {
    const out = sink();
    const env = { FLOODGATE_REDIS_URL: "redis://:hunter2@127.0.0.1:7000/0", FLOODGATE_SHADOW: "1" };
    assert.equal(checkConfigCommand(null, out, sink(), env, { print: true }), 0);
    assert.ok(!out.text.includes("hunter2"));
    assert.match(out.text, /^ {2}url: redis:\/\/:\[redacted\]@127\.0\.0\.1:7000\/0$/m);
    const printed = parseConfigText(out.text.split("\n").slice(1).join("\n"), {});
    assert.ok(printed.ok, printed.ok ? "" : formatConfigErrors(printed.errors));
    assert.equal(printed.config.policy.shadow, true);
    assert.equal(printed.config.milter.maxSessions, defaultConfig().milter.maxSessions);
  });

  void test("prints OK for a valid file and every error for a broken one", () => {
    const dir = mkdtempSync(join(tmpdir(), "floodgate-check-"));
    try {
      const good = join(dir, "good.yaml");
      const bad = join(dir, "bad.yaml");
      writeFileSync(good, "policy: { shadow: true }\n");
      writeFileSync(bad, "policy: { shadow: maybe }\nmilter: { listen: [] }\n");
      let out = sink();
      let err = sink();
      assert.equal(checkConfigCommand(good, out, err, {}), 0);
      assert.equal(out.text, `OK: ${good} is a valid Floodgate configuration\n`);
      assert.equal(err.text, "");
      out = sink();
      err = sink();
      assert.equal(checkConfigCommand(bad, out, err, {}), 1);
      assert.equal(out.text, "");
      assert.equal(
        err.text,
        `${bad}: 2 errors\n` +
          'policy.shadow (line 1): must be a boolean (true or false), not "maybe"\n' +
          "milter.listen (line 2): must have at least 1 item\n",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
