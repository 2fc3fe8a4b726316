/**
 * The local lint rule on file length (scripts/eslint/file-size.js): a file over the limit fails unless a `size:` line
 * of its header comment says why, run through eslint itself on small fixtures.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { ESLint, type Rule } from "eslint";
import { projectRoot } from "../../src/util/paths.js";

const rule = (
  (await import(pathToFileURL(join(projectRoot, "scripts/eslint/file-size.js")).href)) as { default: Rule.RuleModule }
).default;

/** The rule's messages on `text`, with a limit of 5 lines. */
async function lint(text: string): Promise<string[]> {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: {
      plugins: { floodgate: { rules: { "file-size": rule } } },
      rules: { "floodgate/file-size": ["error", { max: 5 }] },
    },
  });
  const [result] = await eslint.lintText(text, { filePath: "fixture.js" });
  return result!.messages.map((m) => m.message);
}

const body = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join("\n") + "\n";

void test("a file at the limit passes, one line over fails with its length", async () => {
  assert.deepEqual(await lint(body(5)), []);
  const messages = await lint(body(6));
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /^6 lines, over 5: split the file along its concerns/);
});

void test("a size: line in the header comment lets a long file pass", async () => {
  const header = "/**\n * One table.\n * size: the table is read as one.\n */\n";
  assert.deepEqual(await lint(header + body(6)), []);
});

void test("a header without a size: line, or a size: line after the first token, does not", async () => {
  assert.equal((await lint("/** One table. */\n" + body(6))).length, 1);
  assert.equal((await lint(body(6) + "// size: not in the header\n")).length, 1);
  assert.equal((await lint("/** One table, size: in a sentence. */\n" + body(6))).length, 1);
});
