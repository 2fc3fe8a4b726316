/**
 * make test's merged TAP stream (test/runner/merged-tap.ts) on real test files run by node:test: a skipped or todo
 * test fails the run as a failed one does, and the summary names it (a failed test too); a file of passing tests
 * does not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const MERGED_TAP = new URL("../runner/merged-tap.js", import.meta.url).href;

/**
 * node:test refuses run() inside a test file, so a process of its own (without this run's NODE_TEST_CONTEXT) runs
 * the file through a MergedTap and prints whether the run failed and the stream's diagnostics.
 */
const DRIVER = `
import { MergedTap } from ${JSON.stringify(MERGED_TAP)};
const merged = new MergedTap({ timeoutMs: 60000 });
const events = [];
const reading = (async () => { for await (const e of merged.events()) events.push(e); })();
await merged.runFile(process.argv[2], "unit test");
merged.close();
await reading;
const diagnostics = events.filter((e) => e.type === "test:diagnostic").map((e) => e.data.message);
console.log(JSON.stringify({ failed: merged.failed, diagnostics }));
`;

/** Run one test file with `body` through a MergedTap: whether the run failed, and the summary's diagnostics. */
async function runMerged(body: string): Promise<{ failed: boolean; diagnostics: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "fg-merged-tap-"));
  try {
    const file = join(dir, "fixture.test.mjs");
    writeFileSync(file, `import { test } from "node:test";\n${body}\n`);
    // A file, not -e: node:test passes the driver's node options on to the process it runs the fixture in.
    const driver = join(dir, "driver.mjs");
    writeFileSync(driver, DRIVER);
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const { stdout } = await promisify(execFile)(process.execPath, [driver, file], { env });
    return JSON.parse(stdout.trim().split("\n").pop()!) as { failed: boolean; diagnostics: string[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void test("passing tests: the run passes", async () => {
  const { failed, diagnostics } = await runMerged(`test("one", () => {});\ntest("two", () => {});`);
  assert.equal(failed, false);
  assert.ok(diagnostics.includes("pass 2"), diagnostics.join("\n"));
});

void test("a skipped test fails the run, named with its reason", async () => {
  const { failed, diagnostics } = await runMerged(
    `test("runs", () => {});\ntest("left out", { skip: "no Redis" }, () => {});`,
  );
  assert.equal(failed, true);
  assert.ok(diagnostics.includes("skipped 1"), diagnostics.join("\n"));
  assert.ok(
    diagnostics.some((d) =>
      /^not run, which fails the run: .*fixture\.test\.mjs: left out \(skipped: no Redis\)$/.test(d),
    ),
    diagnostics.join("\n"),
  );
});

void test("a todo test fails the run, passing or not, and is named", async () => {
  const { failed, diagnostics } = await runMerged(
    `test("later", { todo: true }, () => {});\ntest("broken later", { todo: "issue 3" }, () => { throw new Error("x"); });`,
  );
  assert.equal(failed, true);
  assert.ok(diagnostics.includes("todo 2"), diagnostics.join("\n"));
  assert.ok(
    diagnostics.some((d) => d.endsWith(": later (todo)")),
    diagnostics.join("\n"),
  );
  assert.ok(
    diagnostics.some((d) => d.endsWith(": broken later (todo: issue 3)")),
    diagnostics.join("\n"),
  );
});

void test("a failed test fails the run and is named with the first line of its error, not the suite around it", async () => {
  const { failed, diagnostics } = await runMerged(
    [
      `import { describe } from "node:test";`,
      `describe("a suite", () => {`,
      `  test("fine", () => {});`,
      `  test("wrong", () => { throw new Error("one is not two\\nsecond line"); });`,
      `});`,
    ].join("\n"),
  );
  assert.equal(failed, true);
  assert.ok(diagnostics.includes("fail 1"), diagnostics.join("\n"));
  const named = diagnostics.filter((d) => d.startsWith("failed: "));
  assert.equal(named.length, 1, diagnostics.join("\n"));
  assert.match(named[0]!, /^failed: .*fixture\.test\.mjs: wrong: one is not two$/);
});
