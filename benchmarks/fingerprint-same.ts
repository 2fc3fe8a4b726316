/**
 * Whether this build's fingerprint task computes exactly what another build's does (DIR: that checkout's dist/,
 * e.g. main before a change meant only to make the task cheaper): every message of the sample
 * (src/lab/fingerprint-sample.ts: the whole corpus, hostile messages, campaign copies with each evasion) under
 * every option set, both results compared as JSON. Prints each difference (the first few in full) and exits 1 on
 * any. With `--write-golden FILE`, writes the digests of the golden test's sample as this build computes them.
 * Run: node dist/benchmarks/fingerprint-same.js --baseline DIR [--every N] (every N-th corpus message, 1)
 * [--hostile N] (2000) [--campaigns N] (40) [--write-golden FILE]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runFingerprintTask, type FingerprintTask } from "../src/fingerprint/task.js";
import {
  corpusSample,
  evasionSample,
  GOLDEN_SAMPLE,
  hostileSample,
  resultDigest,
  sampleOptions,
  type SampleMessage,
} from "../src/lab/fingerprint-sample.js";

type Run = (task: FingerprintTask) => Promise<unknown>;

/** Differences printed in full at most. */
const SHOWN = 5;

async function compare(baseline: Run, messages: readonly SampleMessage[]): Promise<number> {
  let differences = 0;
  for (const [optionsName, options] of Object.entries(sampleOptions())) {
    for (const m of messages) {
      const expected = JSON.stringify(await baseline({ ...options, message: m.bytes }));
      const actual = JSON.stringify(await runFingerprintTask({ ...options, message: m.bytes }));
      if (expected === actual) continue;
      differences++;
      console.log(`DIFFERENT: ${m.name} (${optionsName})`);
      if (differences <= SHOWN) console.log(`  baseline:   ${expected}\n  this build: ${actual}`);
    }
  }
  return differences;
}

async function writeGolden(file: string): Promise<void> {
  const messages = await GOLDEN_SAMPLE.messages();
  const digests: Record<string, Record<string, string>> = {};
  for (const [optionsName, options] of Object.entries(sampleOptions())) {
    const byMessage: Record<string, string> = {};
    for (const m of messages)
      byMessage[m.name] = resultDigest(await runFingerprintTask({ ...options, message: m.bytes }));
    digests[optionsName] = byMessage;
  }
  writeFileSync(file, `${JSON.stringify({ sample: GOLDEN_SAMPLE.description, digests }, null, 2)}\n`);
  console.log(
    `wrote the digests of ${messages.length} messages under ${Object.keys(digests).length} option sets to ${file}`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      baseline: { type: "string" },
      every: { type: "string", default: "1" },
      hostile: { type: "string", default: "2000" },
      campaigns: { type: "string", default: "40" },
      "write-golden": { type: "string" },
    },
  });
  if (values["write-golden"]) return writeGolden(values["write-golden"]);
  if (!values.baseline) throw new Error("--baseline DIR (another checkout's dist/) or --write-golden FILE");
  const module = (await import(join(values.baseline, "src/fingerprint/task.js"))) as { runFingerprintTask: Run };
  const groups: Array<[string, () => SampleMessage[] | Promise<SampleMessage[]>]> = [
    ["corpus", () => corpusSample(Number(values.every))],
    ["hostile", () => hostileSample(20261202, Number(values.hostile))],
    ["evasion", () => evasionSample(20261202, Number(values.campaigns), 5)],
  ];
  let total = 0;
  for (const [name, load] of groups) {
    const messages = await load();
    const differences = await compare(module.runFingerprintTask, messages);
    const sets = Object.keys(sampleOptions()).length;
    console.log(`${name}: ${messages.length} messages × ${sets} option sets, ${differences} different`);
    total += differences;
  }
  console.log(total === 0 ? "same fingerprints" : `${total} fingerprints differ`);
  process.exitCode = total === 0 ? 0 : 1;
}

await main();
