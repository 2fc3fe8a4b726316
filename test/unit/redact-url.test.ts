// Secrets out of URLs in every form a Redis URL carries one, in the log and in `floodgate check-config --print`: the
// user-info password (with or without a user name), a `password=` (or token, auth…) query parameter, and text that is
// not a URL at all; the unix-socket form the private Redis uses is read back into connection options.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { redactUrl, redactUrlsIn } from "../../src/util/redact-url.js";
import { checkConfigCommand } from "../../src/cli/check-config-command.js";
import { unixSocketOptions } from "../../src/redis/connect.js";
import { sink } from "../support/output.js";

const SECRET = "hunter2";

void describe("redactUrl", () => {
  const cases: Array<[string, string]> = [
    ["redis://:hunter2@127.0.0.1:6379/0", "redis://:[redacted]@127.0.0.1:6379/0"],
    ["redis://floodgate:hunter2@10.0.0.5:6380/1", "redis://floodgate:[redacted]@10.0.0.5:6380/1"],
    ["rediss://u:hunter2@redis.example.com:6380", "rediss://u:[redacted]@redis.example.com:6380"],
    [
      "unix:///var/lib/floodgate/redis/redis.sock?password=hunter2",
      "unix:///var/lib/floodgate/redis/redis.sock?password=[redacted]",
    ],
    ["redis://10.0.0.5:6379/0?db=2&Password=hunter2&x=1", "redis://10.0.0.5:6379/0?db=2&Password=[redacted]&x=1"],
    [
      "https://hooks.example.com/x?token=hunter2&auth_key=hunter2",
      "https://hooks.example.com/x?token=[redacted]&auth_key=[redacted]",
    ],
    ["redis://10.0.0.5:6379", "redis://10.0.0.5:6379"],
  ];
  for (const [url, expected] of cases) {
    void test(url.replace(SECRET, "…"), () => assert.equal(redactUrl(url), expected));
  }

  void test("text that does not parse as a URL is redacted by the same rules", () => {
    for (const text of ["//:hunter2@host", "redis://u:hunter2@[bad", "/run/redis.sock?password=hunter2&db=1"]) {
      const out = redactUrl(text);
      assert.ok(!out.includes(SECRET), out);
      assert.match(out, /\[redacted\]/);
    }
  });

  void test("URLs inside an error message", () => {
    const out = redactUrlsIn("connect to redis://:hunter2@h:1 failed; retrying unix:///s.sock?password=hunter2.");
    assert.ok(!out.includes(SECRET), out);
  });
});

void describe("secrets in output", () => {
  for (const url of [
    "redis://:hunter2@127.0.0.1:7000/0",
    "redis://user:hunter2@127.0.0.1:7000/0",
    "unix:///var/lib/floodgate/redis/redis.sock?password=hunter2",
    "redis://127.0.0.1:7000/0?password=hunter2",
  ]) {
    void test(`check-config --print hides the secret of ${url.replace(SECRET, "…")}`, () => {
      const out = sink();
      assert.equal(checkConfigCommand(null, out, sink(), { FLOODGATE_REDIS_URL: url }, { print: true }), 0);
      assert.ok(!out.text.includes(SECRET), out.text);
      assert.match(out.text, /\[redacted\]/);
    });
  }

  void test("a unix: URL gives the socket path, password, user name and database", () => {
    assert.deepEqual(unixSocketOptions("unix:///run/redis/redis.sock?password=p%40ss&username=fg&db=3"), {
      path: "/run/redis/redis.sock",
      password: "p@ss",
      username: "fg",
      db: 3,
    });
    assert.equal(unixSocketOptions("redis://127.0.0.1:6379"), null);
  });
});
