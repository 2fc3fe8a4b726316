// The V8 flags of Floodgate's processes (src/util/node-flags.ts) are the same wherever a floodgate process is
// started: the command's shebang (so /usr/bin/floodgate and the systemd unit get them), the Makefile's `run` and
// `bench`, and the bench's daemon launcher; and this Node accepts them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAEMON_NODE_FLAGS } from "../../src/util/node-flags.js";
import { distRoot, projectRoot } from "../../src/util/paths.js";

const flags = DAEMON_NODE_FLAGS.join(" ");

test("the floodgate command's shebang runs node with DAEMON_NODE_FLAGS", () => {
  const main = readFileSync(join(distRoot, "src/cli/main.js"), "utf8");
  assert.equal(main.split("\n")[0], `#!/usr/bin/env -S node ${flags}`);
});

test("the shebang works: the command, run as an executable, starts under those flags", () => {
  // A script with the command's first line prints the node options it was started with.
  const dir = mkdtempSync(join(tmpdir(), "fg-shebang-"));
  try {
    const probe = join(dir, "probe.js");
    const header = readFileSync(join(distRoot, "src/cli/main.js"), "utf8").split("\n")[0];
    writeFileSync(probe, `${header}\nconsole.log(JSON.stringify(process.execArgv));\n`);
    chmodSync(probe, 0o755);
    const execArgv = JSON.parse(execFileSync(probe, { encoding: "utf8" })) as string[];
    assert.deepEqual(execArgv, [...DAEMON_NODE_FLAGS]);
    const usage = execFileSync(process.execPath, [...DAEMON_NODE_FLAGS, join(distRoot, "src/cli/main.js"), "--help"], {
      encoding: "utf8",
    });
    assert.match(usage, /usage: floodgate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("make run and make bench pass the same flags (Makefile NODE_FLAGS)", () => {
  const makefile = readFileSync(join(projectRoot, "Makefile"), "utf8");
  const line = /^NODE_FLAGS \?= (.*)$/m.exec(makefile);
  assert.ok(line, "Makefile has no NODE_FLAGS line");
  assert.equal(line[1], flags);
  for (const target of ["run", "bench"])
    assert.match(makefile, new RegExp(`\\$\\(NODE\\) \\$\\(NODE_FLAGS\\) dist/src/cli/main\\.js ${target}\\b`));
});
