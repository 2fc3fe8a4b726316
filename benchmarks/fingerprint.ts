/**
 * Fingerprint benchmark: fingerprints per second over the SpamAssassin corpus through the thread pool with 1
 * and 2 threads (64 in flight), and the per-step cost on the main thread (parse, normalise, MinHash, digests).
 * Prints the machine, the versions and the ratio 2 threads / 1 thread. Run: node dist/benchmarks/fingerprint.js
 * [--limit N] (N messages per corpus group; default all 6,046).
 */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { simpleParser } from "mailparser";
import { defaultConfig } from "../src/config/schema.js";
import { attachmentDigests, directDigest } from "../src/fingerprint/digest.js";
import { linkDomains } from "../src/fingerprint/links.js";
import { minhash } from "../src/fingerprint/minhash.js";
import { normaliseSubject, normaliseText } from "../src/fingerprint/normalise.js";
import { FingerprintPool } from "../src/fingerprint/pool.js";
import { parseWindow, partsOf } from "../src/fingerprint/task.js";
import { projectRoot } from "../src/util/paths.js";
import { HAM_GROUPS, SPAM_GROUPS, loadCorpus } from "../test/support/corpus.js";

const IN_FLIGHT = 64;

function version(name: string): string {
  const file = join(projectRoot, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/** Mean microseconds per message of each step, measured on the main thread. */
async function stepCosts(messages: Buffer[], parseBytes: number, minWords: number): Promise<Record<string, number>> {
  const totals = { parse: 0, normalise: 0, minhash: 0, digests: 0 };
  for (const message of messages) {
    let t = performance.now();
    const { bytes, truncated } = parseWindow(message, parseBytes);
    const parts = partsOf(
      await simpleParser(bytes, { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true }),
      truncated,
    );
    totals.parse += performance.now() - t;
    t = performance.now();
    const words = normaliseText(parts.text);
    const subject = normaliseSubject(parts.subject);
    totals.normalise += performance.now() - t;
    t = performance.now();
    minhash(words, minWords);
    totals.minhash += performance.now() - t;
    t = performance.now();
    directDigest(words, subject);
    attachmentDigests(parts.attachments, 1024);
    linkDomains(parts.text, parts.html);
    totals.digests += performance.now() - t;
  }
  const perMessage: Record<string, number> = {};
  for (const [step, ms] of Object.entries(totals)) perMessage[step] = (ms * 1000) / messages.length;
  return perMessage;
}

/** Fingerprints per second through a pool of `threads` threads, `IN_FLIGHT` messages outstanding. */
async function poolRate(
  messages: Buffer[],
  threads: number,
): Promise<{ rate: number; outcomes: Record<string, number> }> {
  const config = { ...defaultConfig().fingerprint, threads, maxQueue: IN_FLIGHT * 2, taskTimeoutMs: 600_000 };
  const pool = new FingerprintPool(config);
  await pool.ready();
  const outcomes: Record<string, number> = {};
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < messages.length) {
      const message = messages[next++]!;
      const outcome = await pool.fingerprint(message);
      const key = outcome.status === "ok" ? "ok" : outcome.reason;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return { rate: messages.length / seconds, outcomes };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { limit: { type: "string" } } });
  const limit = values.limit ? Number(values.limit) : undefined;
  const corpus = loadCorpus([...HAM_GROUPS, ...SPAM_GROUPS], { limit });
  // SharedArrayBuffer-backed, as the milter engine hands them over.
  const messages = corpus.map((m) => {
    const shared = Buffer.from(new SharedArrayBuffer(m.bytes.byteLength));
    m.bytes.copy(shared);
    return shared;
  });
  const bytes = messages.reduce((n, m) => n + m.byteLength, 0);
  const config = defaultConfig().fingerprint;

  console.log("fingerprint benchmark");
  console.log(
    `machine: ${cpus()[0]?.model ?? "unknown cpu"}, ${availableParallelism()} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `node ${process.version}; mailparser ${version("mailparser")}, piscina ${version("piscina")}, tldts ${version("tldts")}`,
  );
  console.log(
    `corpus: ${messages.length} messages, ${(bytes / 1024 / 1024).toFixed(1)} MiB, mean ${(bytes / messages.length / 1024).toFixed(1)} KiB`,
  );

  const steps = await stepCosts(messages, config.parseKiB * 1024, config.minWords);
  const total = Object.values(steps).reduce((a, b) => a + b, 0);
  console.log("per-step cost on the main thread (µs/message):");
  for (const [step, us] of Object.entries(steps))
    console.log(`  ${step.padEnd(10)} ${us.toFixed(1).padStart(8)}  (${((100 * us) / total).toFixed(0)} %)`);
  console.log(
    `  ${"total".padEnd(10)} ${total.toFixed(1).padStart(8)}  → ${(1e6 / total).toFixed(0)} msg/s on one core`,
  );

  // Alternate 1 and 2 threads, twice, and keep each one's best run: the machine is shared and noisy.
  const best = new Map<number, number>();
  for (let round = 1; round <= 2; round++) {
    for (const threads of [1, 2]) {
      const { rate, outcomes } = await poolRate(messages, threads);
      best.set(threads, Math.max(best.get(threads) ?? 0, rate));
      console.log(
        `pool, ${threads} thread(s), round ${round}: ${rate.toFixed(0)} fingerprints/s  ${JSON.stringify(outcomes)}`,
      );
    }
  }
  const one = best.get(1) ?? 0;
  const two = best.get(2) ?? 0;
  console.log(`best: 1 thread ${one.toFixed(0)} fingerprints/s, 2 threads ${two.toFixed(0)} fingerprints/s`);
  console.log(`ratio 2 threads / 1 thread: ${(two / one).toFixed(2)}`);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (a shared machine: treat ±30 % as noise)`,
  );
}

await main();
