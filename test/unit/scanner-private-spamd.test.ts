/**
 * The private spamd's pure parts: its arguments (a unix socket only, learning on, Bayes in its own directory, no
 * network tests unless asked), the default scanners (the private spamd, then the built-in rules), which scanners a
 * worker process runs when the private spamd did or did not start, how a worker process finds its socket, and the
 * service user looked up in a passwd file.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/load.js";
import { isPrivateSpamd } from "../../src/config/scanner-schema.js";
import { defaultConfig } from "../../src/config/schema.js";
import { privateSpamdSocketOf, PRIVATE_SPAMD_ENV } from "../../src/queue/scan-processor.js";
import { createScanners } from "../../src/scanners/index.js";
import { privateSpamdArgs, privateSpamdSocket } from "../../src/scanners/private-spamd.js";
import { ATTACHMENT_RULES } from "../../src/scanners/spamd-attachment-rules.js";
import { findGroupId, findUser, firstUser } from "../../src/state/service-user.js";

const settings = { binary: "spamd", children: 2, networkTests: false, user: null };

void describe("the private spamd", () => {
  void test("listens on a 0600 unix socket in its directory only, learns, keeps Bayes there, runs local tests", () => {
    const args = privateSpamdArgs("/var/lib/floodgate/spamd", settings);
    assert.ok(args.includes("--socketpath=/var/lib/floodgate/spamd/spamd.sock"));
    assert.ok(args.includes("--socketmode=0600"));
    assert.ok(!args.some((a) => /^--(listen|port)|^-[ip]$/.test(a)), "no TCP listener");
    assert.ok(args.includes("--allow-tell"), "reports teach it");
    assert.ok(args.includes("--cf=bayes_path /var/lib/floodgate/spamd/bayes"));
    assert.ok(args.includes("--cf=use_bayes 1"));
    assert.ok(args.includes("--nouser-config"));
    assert.ok(args.includes("--local"), "no DNS blocklists by default");
    for (const line of ATTACHMENT_RULES) assert.ok(args.includes(`--cf=${line}`), `the attachment rule: ${line}`);
    assert.ok(!privateSpamdArgs("/d", { ...settings, networkTests: true }).includes("--local"));
    assert.ok(privateSpamdArgs("/d", { ...settings, children: 5 }).includes("--max-children=5"));
    assert.equal(privateSpamdSocket("/var/lib/floodgate"), "/var/lib/floodgate/spamd/spamd.sock");
  });

  void test("is the default scanner, with the built-in rules after it", () => {
    const scanners = defaultConfig().scanWorker.scanners;
    assert.equal(scanners.length, 2);
    assert.ok(isPrivateSpamd(scanners[0]!));
    assert.equal(scanners[1]!.type, "builtin");
    const external = parseConfigText("scanWorker:\n  scanners:\n    - { type: spamd, port: 7830 }\n");
    assert.ok(external.ok);
    if (external.ok) assert.ok(!isPrivateSpamd(external.config.scanWorker.scanners[0]!), "a port names another spamd");
  });

  void test("a worker process runs it when it started, else the next scanners, the built-in rules at the least", () => {
    const defaults = defaultConfig().scanWorker.scanners;
    assert.deepEqual(
      createScanners(defaults, "/s/spamd.sock").map((s) => s.name),
      ["spamd", "builtin"],
    );
    assert.deepEqual(
      createScanners(defaults, null).map((s) => s.name),
      ["builtin"],
    );
    const onlyPrivate = [defaults[0]!];
    assert.deepEqual(
      createScanners(onlyPrivate, null).map((s) => s.name),
      ["builtin"],
      "never no scanner at all",
    );
  });

  void test("a worker process finds its socket through the daemon's word, else the state directory", () => {
    const config = defaultConfig();
    assert.equal(privateSpamdSocketOf(config, { [PRIVATE_SPAMD_ENV]: "/x/spamd.sock" }), "/x/spamd.sock");
    assert.equal(privateSpamdSocketOf(config, { [PRIVATE_SPAMD_ENV]: "" }), null, "it did not start");
    const missing = { ...config, state: { dir: "/nonexistent/floodgate-state" } };
    assert.equal(privateSpamdSocketOf(missing, {}), null);
  });

  void test("its user is looked up in passwd, never guessed", () => {
    const passwd = [
      "root:x:0:0:root:/root:/bin/bash",
      "debian-spamd:x:104:108::/var/lib/spamassassin:/bin/sh",
      "broken:x:notanumber:1::/:/bin/sh",
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
    ].join("\n");
    assert.deepEqual(findUser("debian-spamd", passwd), { name: "debian-spamd", uid: 104, gid: 108 });
    assert.equal(findUser("broken", passwd), null);
    assert.equal(findUser("debian", passwd), null, "a name's prefix is not the name");
    assert.deepEqual(firstUser(["missing", "nobody"], passwd), { name: "nobody", uid: 65534, gid: 65534 });
    assert.equal(firstUser(["missing"], passwd), null);
    assert.equal(findGroupId("vmail", "mail:x:8:\nvmail:x:5000:\n"), 5000);
    assert.equal(findGroupId("vmai", "vmail:x:5000:\n"), null);
  });
});
