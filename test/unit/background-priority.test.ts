/**
 * The scanning side's priority as a command prefix (src/state/background-priority.ts): which programs go before the
 * command for each `scanWorker.priority`, what a host without chrt or ionice gets instead, and the default.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/load.js";
import { defaultConfig } from "../../src/config/schema.js";
import { atPriority, priorityPrefix } from "../../src/state/background-priority.js";

/** A PATH holding only `programs`, in /usr/bin. */
const host =
  (...programs: string[]) =>
  (name: string) =>
    programs.includes(name) ? `/usr/bin/${name}` : null;

void describe("the scanning side's priority", () => {
  void test("idle: SCHED_IDLE and the idle I/O class, set before the program starts", () => {
    const prefix = priorityPrefix("idle", host("chrt", "ionice", "nice"));
    assert.deepEqual(prefix.argv, ["/usr/bin/chrt", "--idle", "0", "/usr/bin/ionice", "-c", "3"]);
    assert.equal(prefix.described, "SCHED_IDLE, idle I/O");
    assert.deepEqual(atPriority(prefix, "/usr/sbin/spamd", ["--a", "--b"]), {
      file: "/usr/bin/chrt",
      args: ["--idle", "0", "/usr/bin/ionice", "-c", "3", "/usr/sbin/spamd", "--a", "--b"],
    });
  });

  void test("idle without chrt: nice 19, and the start log says why", () => {
    const prefix = priorityPrefix("idle", host("ionice", "nice"));
    assert.deepEqual(prefix.argv, ["/usr/bin/nice", "-n", "19", "/usr/bin/ionice", "-c", "3"]);
    assert.match(prefix.described, /nice 19 \(no chrt for SCHED_IDLE\), idle I\/O/);
  });

  void test("low: nice 19 and the idle I/O class, even where chrt is", () => {
    const prefix = priorityPrefix("low", host("chrt", "ionice", "nice"));
    assert.deepEqual(prefix.argv, ["/usr/bin/nice", "-n", "19", "/usr/bin/ionice", "-c", "3"]);
    assert.equal(prefix.described, "nice 19, idle I/O");
  });

  void test("normal, or a host with none of the programs: the command as it is", () => {
    for (const prefix of [priorityPrefix("normal", host("chrt", "ionice", "nice")), priorityPrefix("idle", host())]) {
      assert.deepEqual(prefix.argv, []);
      assert.deepEqual(atPriority(prefix, "/usr/bin/node", ["w.js"]), { file: "/usr/bin/node", args: ["w.js"] });
    }
    assert.deepEqual(atPriority(undefined, "/usr/bin/node", ["w.js"]), { file: "/usr/bin/node", args: ["w.js"] });
    assert.match(priorityPrefix("idle", host()).described, /neither chrt, nice nor ionice/);
  });

  void test("idle by default; the configuration takes the three words and no other", () => {
    assert.equal(defaultConfig().scanWorker.priority, "idle");
    const low = parseConfigText("scanWorker:\n  priority: low\n");
    assert.ok(low.ok && low.config.scanWorker.priority === "low");
    assert.ok(!parseConfigText("scanWorker:\n  priority: realtime\n").ok);
  });
});
