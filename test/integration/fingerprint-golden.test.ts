/**
 * The fingerprint task computes what it computed when test/golden/fingerprint-golden.json was written: the digest
 * of every result of a sample (src/lab/fingerprint-sample.ts: corpus messages, hostile messages, campaign copies
 * with each evasion) under each option set. A change meant only to make the task cheaper must leave every digest
 * as it is. A change meant to alter fingerprints (a new version, another token rule) writes the file again, from
 * the new build, and says so: `node dist/benchmarks/fingerprint-same.js --write-golden test/golden/fingerprint-golden.json`
 * (the same tool compares two builds on the whole corpus: `--baseline DIR`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runFingerprintTask } from "../../src/fingerprint/task.js";
import { GOLDEN_SAMPLE, resultDigest, sampleOptions } from "../../src/lab/fingerprint-sample.js";
import { projectRoot } from "../../src/util/paths.js";

interface Golden {
  sample: string;
  digests: Record<string, Record<string, string>>;
}

const golden = JSON.parse(readFileSync(join(projectRoot, "test/golden/fingerprint-golden.json"), "utf8")) as Golden;

void test("every fingerprint of the golden sample is the one recorded", async () => {
  assert.equal(golden.sample, GOLDEN_SAMPLE.description, "the sample changed: write the golden file again");
  const messages = await GOLDEN_SAMPLE.messages();
  const options = sampleOptions();
  assert.deepEqual(Object.keys(golden.digests).sort(), Object.keys(options).sort());
  const different: string[] = [];
  for (const [name, taskOptions] of Object.entries(options)) {
    const recorded = golden.digests[name]!;
    assert.deepEqual(Object.keys(recorded).sort(), messages.map((m) => m.name).sort(), `the messages of ${name}`);
    for (const m of messages) {
      const digest = resultDigest(await runFingerprintTask({ ...taskOptions, message: m.bytes }));
      if (digest !== recorded[m.name]) different.push(`${m.name} (${name})`);
    }
  }
  assert.deepEqual(different, [], `${different.length} fingerprints differ from the golden file`);
});
