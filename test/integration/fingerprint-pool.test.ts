/**
 * The fingerprint thread pool with real piscina threads: results, the shared buffer left intact, hostile
 * messages (the fast extractor's limits and the raw body past them, the mailparser fallback, a 20 MB message capped
 * by parseBytes, deep MIME nesting, threads that die, hang or reach their heap limit),
 * and the pool-full, timeout, large and pool-down outcomes, after each of which the pool keeps serving.
 */
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultConfig, type Config } from "../../src/config/schema.js";
import { MAX_DEPTH } from "../../src/fingerprint/mime-split.js";
import { MINHASH_SIZE } from "../../src/fingerprint/minhash.js";
import { packedValues } from "../../src/fingerprint/packed-values.js";
import { FingerprintPool } from "../../src/fingerprint/pool.js";
import type { PoolOptions } from "../../src/fingerprint/pool-types.js";
import { taskOptions } from "../../src/fingerprint/pool-messages.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";
import type { FingerprintOutcome } from "../../src/fingerprint/types.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { distRoot } from "../../src/util/paths.js";
import { loadSpam } from "../../src/lab/corpus.js";

const CRASH_TASK = join(distRoot, "test/integration/fingerprint-crash-task.js");
const pools: FingerprintPool[] = [];
/** One set of metrics for every pool of this file: the outcomes add up across the tests. */
const metrics = createMetrics();

/** A started one-thread pool. The machine is shared and may be slow: unless a test provokes timeouts, the
 * task deadline is far away, so outcomes never depend on speed. */
async function pool(
  overrides: Partial<Config["fingerprint"]> = {},
  taskFile?: string,
  internals: PoolOptions = {},
): Promise<FingerprintPool> {
  const config = { ...defaultConfig().fingerprint, threads: 1, taskTimeoutMs: 300_000, ...overrides };
  const p = new FingerprintPool(config, undefined, { metrics, ...internals, ...(taskFile ? { taskFile } : {}) });
  pools.push(p);
  await p.ready();
  return p;
}

const SMALL = Buffer.from(
  "From: a@example.com\r\nTo: b@example.org\r\nSubject: Hello there\r\n\r\nJust a short note to say hello, see https://www.example.com/x?id=1\r\n",
);

function textMessage(bytes: number): Buffer {
  const line = "the quick brown fox jumps over the lazy dog again and again\r\n";
  return Buffer.from("Subject: big\r\nContent-Type: text/plain\r\n\r\n" + line.repeat(Math.ceil(bytes / line.length)));
}

/** A message whose text part is `depth` multipart levels below the root. */
function nestedMessage(depth: number): Buffer {
  let nested = "Subject: nested\r\n";
  for (let i = 0; i < depth; i++) nested += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
  nested += "Content-Type: text/plain\r\n\r\nhello from the bottom\r\n";
  for (let i = depth - 1; i >= 0; i--) nested += `--b${i}--\r\n`;
  return Buffer.from(nested);
}

function reason(outcome: FingerprintOutcome): string {
  return outcome.status === "ok" ? "ok" : outcome.reason;
}

async function assertServes(p: FingerprintPool): Promise<void> {
  const outcome = await p.fingerprint(SMALL);
  assert.equal(reason(outcome), "ok", "the pool must keep serving");
}

after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

void describe("fingerprint pool", () => {
  void test("fingerprints a corpus message from a SharedArrayBuffer without changing it", async () => {
    const p = await pool();
    const [spam] = loadSpam({ limit: 1 });
    assert.ok(spam);
    const sab = new SharedArrayBuffer(spam.bytes.byteLength);
    const message = Buffer.from(sab);
    spam.bytes.copy(message);
    const outcome = await p.fingerprint(message);
    assert.equal(outcome.status, "ok");
    assert.ok(outcome.status === "ok" && outcome.fingerprint.minhash?.length === MINHASH_SIZE);
    // The values come in the campaign store's form, written on the thread.
    const fingerprint = outcome.status === "ok" ? outcome.fingerprint : null;
    assert.deepEqual(fingerprint?.minhashPacked, packedValues(fingerprint?.minhash ?? []));
    const sampled = (fingerprint?.minhash ?? []).filter((v) => v % 4 === 0);
    assert.equal(fingerprint?.sampleText, sampled.join(" "), "and the sample the store's index holds");
    assert.ok(fingerprint?.version2?.minhash, "the test's premise: version 2's keys asked for");
    assert.equal(fingerprint?.version2Text, fingerprint?.version2?.minhash?.join(" "), "and version 2's values");
    assert.ok(message.equals(spam.bytes), "the shared message must not be modified");
    // A plain (non-shared) Buffer gives the same fingerprint.
    const copy = await p.fingerprint(Buffer.from(spam.bytes));
    assert.deepEqual(copy, outcome);
    assert.equal(p.stats().threads, 1);
    assert.ok(p.stats().completed >= 2);
  });

  void test("messages that wait for a thread run in batches, with the fingerprints one per task gives", async () => {
    const config = defaultConfig().fingerprint;
    const p = await pool({ batchMax: 8 });
    const spam = loadSpam({ limit: 40 }).map((m) => m.bytes);
    const before = p.stats().tasks;
    // Sent in one go to a one-thread pool: the first runs at once, the others wait and go in batches.
    const outcomes = await Promise.all(spam.map((bytes) => p.fingerprint(bytes)));
    const tasks = p.stats().tasks - before;
    assert.ok(tasks < spam.length, `expected batches: ${tasks} tasks for ${spam.length} messages`);
    assert.ok(tasks >= Math.ceil((spam.length - 1) / 8) + 1, `no batch holds more than batchMax: ${tasks} tasks`);
    for (const [i, bytes] of spam.entries()) {
      const alone = await runFingerprintTask({ ...taskOptions(config), message: bytes });
      assert.equal(alone.status, "ok");
      assert.deepEqual(outcomes[i], { status: "ok", fingerprint: alone.status === "ok" ? alone.fingerprint : null });
    }
  });

  void test("batchKiB caps the bytes of a batch: 20 KiB messages go two to a batch under 48, alone under 32", async () => {
    const message = textMessage(20 * 1024);
    const tasksFor = async (batchKiB: number) => {
      const p = await pool({ batchMax: 8, batchKiB });
      const before = p.stats().tasks;
      // The first takes the free thread; the other eight wait for it.
      const outcomes = await Promise.all(Array.from({ length: 9 }, () => p.fingerprint(message)));
      assert.deepEqual(outcomes.map(reason), Array(9).fill("ok"));
      return p.stats().tasks - before;
    };
    assert.equal(await tasksFor(48), 1 + 4);
    assert.equal(await tasksFor(32), 9);
  });

  void test("batchMax 1 runs one message per task", async () => {
    const p = await pool({ batchMax: 1 });
    const before = p.stats().tasks;
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => p.fingerprint(SMALL)));
    assert.deepEqual(outcomes.map(reason), Array(10).fill("ok"));
    assert.equal(p.stats().tasks - before, 10);
  });

  void test("a thread that dies in a batch: its batch-mates are run again alone, only the killer is skipped", async () => {
    const p = await pool({ taskTimeoutMs: 60_000 }, CRASH_TASK);
    const before = p.stats().tasks;
    // The first message takes the free thread; the next three wait for it and then run as one batch.
    const outcomes = await Promise.all(
      [SMALL, SMALL, Buffer.from("EXIT\r\n\r\n"), SMALL].map((message) => p.fingerprint(message)),
    );
    assert.deepEqual(outcomes.map(reason), ["ok", "ok", "thread-died", "ok"]);
    // 1 task alone, the batch of three that died, then each of the three alone
    assert.equal(p.stats().tasks - before, 5);
    await assertServes(p);
  });

  void test("a thread that hangs in a batch is replaced hangMs after every message in it has timed out", async () => {
    const p = await pool({ taskTimeoutMs: 4000 }, CRASH_TASK, { hangMs: 500 });
    const outcomes = await Promise.all(
      [SMALL, Buffer.from("HANG\r\n\r\n"), SMALL].map((message) => p.fingerprint(message)),
    );
    // The batch-mate of the hanging message shares its thread, so its time runs out too: labelled, never lost.
    assert.deepEqual(outcomes.map(reason), ["ok", "timeout", "timeout"]);
    await assertServes(p);
  });

  // Findings ("ways past the filter"): each of these was refused with a "parse" skip, so it went out uncounted.
  void test("past the parser's limits a message is still fingerprinted, from what was read and the raw body", async () => {
    const p = await pool({ parseKiB: 2048 });
    const limitOf = (outcome: FingerprintOutcome) => (outcome.status === "ok" ? outcome.fingerprint.limit : null);
    const hugeHeader = Buffer.from(`Subject: x\r\nX-Filler: ${"a".repeat(1_200_000)}\r\n\r\nbody\r\n`);
    const flooded = await p.fingerprint(hugeHeader);
    assert.equal(reason(flooded), "ok");
    assert.equal(limitOf(flooded), null, "a header flood is left out before parsing");
    let parts = "Subject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
    for (let i = 0; i < 1100; i++) parts += `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`;
    const many = await p.fingerprint(Buffer.from(parts + "--b--\r\n"));
    assert.equal(limitOf(many), "parts");
    const partHeader = `Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n${"X-Pad: a\r\n".repeat(40_000)}\r\nx\r\n`;
    assert.equal(limitOf(await p.fingerprint(Buffer.from(partHeader))), "header");
    assert.equal(limitOf(await p.fingerprint(nestedMessage(MAX_DEPTH))), null, "nesting at the limit is read");
    const deeper = await p.fingerprint(nestedMessage(MAX_DEPTH + 1));
    assert.equal(limitOf(deeper), "depth", "one level deeper stops the parse there");
    assert.ok(deeper.status === "ok" && deeper.fingerprint.words > 0, "the text at the bottom is read raw");
    await assertServes(p);
  });

  void test("the mailparser extractor serves through the pool, and falls back to the raw body where it fails", async () => {
    const p = await pool({ parser: "mailparser", parseKiB: 2048 });
    await assertServes(p);
    const hugeHeader = Buffer.from(`Subject: x\r\nX-Filler: ${"a".repeat(1_200_000)}\r\n\r\nbody\r\n`);
    const outcome = await p.fingerprint(hugeHeader);
    assert.ok(outcome.status === "ok" && outcome.fingerprint.limit === "error");
    await assertServes(p);
  });

  void test("a 20 MB message is parsed only up to parseBytes", async () => {
    const p = await pool({ parseKiB: 256 });
    const outcome = await p.fingerprint(textMessage(20 * 1024 * 1024));
    assert.equal(outcome.status, "ok");
    assert.ok(outcome.status === "ok");
    const head = "Subject: big\r\nContent-Type: text/plain\r\n\r\n".length;
    assert.equal(outcome.fingerprint.bytesParsed, head + 256 * 1024, "the reduced header block, then parseKiB of body");
    assert.equal(outcome.fingerprint.truncated, true);
    await assertServes(p);
  });

  void test("deeply nested multipart is fingerprinted, and the pool keeps serving", async () => {
    const p = await pool();
    assert.equal(reason(await p.fingerprint(nestedMessage(3000))), "ok");
    await assertServes(p);
  });

  void test("a thread that dies or throws on a message is replaced", async () => {
    const p = await pool({ taskTimeoutMs: 60_000 }, CRASH_TASK);
    assert.equal(reason(await p.fingerprint(Buffer.from("EXIT\r\n\r\n"))), "thread-died", "a thread that exits");
    await assertServes(p);
    assert.equal(reason(await p.fingerprint(Buffer.from("THROW\r\n\r\n"))), "thread-died", "a thread that throws");
    await assertServes(p);
    assert.ok(p.stats().threads >= 1, "a thread is alive");
  });

  // Finding: this 128 KB message killed the whole daemon ("Reached heap limit" in a fingerprint thread).
  void test("8,000 nested blockquotes then 8,000 line breaks are fingerprinted with the default heap limit", async () => {
    const p = await pool({ threadHeapMb: defaultConfig().fingerprint.threadHeapMb });
    const html = "<blockquote>".repeat(8000) + "<br>".repeat(8000) + "buy cheap pills now";
    const message = Buffer.from(`Subject: quotes\r\nContent-Type: text/html\r\n\r\n${html}\r\n`);
    assert.equal(reason(await p.fingerprint(message)), "ok");
    await assertServes(p);
  });

  void test("a thread that reaches its heap limit dies alone: thread-died, the process and the pool go on", async () => {
    const p = await pool({ taskTimeoutMs: 120_000, threadHeapMb: 32 }, CRASH_TASK);
    assert.equal(reason(await p.fingerprint(Buffer.from("OOM\r\n\r\n"))), "thread-died");
    await assertServes(p);
  });

  void test("a batch nobody waits for is left to finish: its thread is not replaced", async () => {
    const p = await pool({ taskTimeoutMs: 200 }, CRASH_TASK, { hangMs: 60_000 });
    const started = p.stats().threadsStarted;
    assert.equal(reason(await p.fingerprint(Buffer.from("SLOW\r\n\r\n"))), "timeout");
    while (p.stats().utilization > 0) await new Promise((r) => setTimeout(r, 10));
    assert.equal(p.stats().threadsStarted, started, "no thread was started again");
  });

  void test("a thread that hangs is aborted and replaced", async () => {
    const p = await pool({}, CRASH_TASK, { hangMs: 500 });
    const controller = new AbortController();
    const pending = p.fingerprint(Buffer.from("HANG\r\n\r\n"), { signal: controller.signal });
    while (p.stats().utilization < 1) await new Promise((r) => setTimeout(r, 10));
    controller.abort(); // the caller's deadline, as the milter's end-of-message deadline would
    assert.equal(reason(await pending), "timeout");
    await assertServes(p);
  });

  void test("the caller's signal ends a long parse as a timeout", async () => {
    const p = await pool({ parseKiB: 65536, taskTimeoutMs: 600_000 });
    const controller = new AbortController();
    const pending = p.fingerprint(textMessage(40 * 1024 * 1024), { signal: controller.signal });
    controller.abort();
    assert.equal(reason(await pending), "timeout");
    await assertServes(p);
  });

  void test("the caller's time (withinMs) ends a long parse as a timeout", async () => {
    const p = await pool({ parseKiB: 65536, taskTimeoutMs: 600_000 });
    assert.equal(reason(await p.fingerprint(textMessage(40 * 1024 * 1024), { withinMs: 1 })), "timeout");
    await assertServes(p);
  });

  void test("a tiny taskTimeoutMs yields timeout, and large for a message of a whole parse window", async () => {
    const p = await pool({ taskTimeoutMs: 1, parseKiB: 65536 });
    assert.equal(reason(await p.fingerprint(textMessage(8 * 1024 * 1024))), "timeout");
    p.reconfigure({ ...defaultConfig().fingerprint, threads: 1, taskTimeoutMs: 1, parseKiB: 8192 });
    assert.equal(reason(await p.fingerprint(textMessage(8 * 1024 * 1024))), "large");
  });

  void test("a full queue yields pool-full (large for mail of a whole parse window), then the pool serves", async () => {
    for (const [parseKiB, refused] of [
      [8192, "pool-full"],
      [4096, "large"],
    ] as const) {
      const p = await pool({ maxQueue: 1, parseKiB });
      const big = textMessage(4 * 1024 * 1024);
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => p.fingerprint(big)));
      const reasons = outcomes.map(reason);
      assert.ok(reasons.includes(refused), `expected ${refused} among ${reasons.join(",")}`);
      assert.deepEqual(new Set(reasons), new Set(["ok", refused]), `parseKiB ${parseKiB}`);
      assert.equal(p.stats().queued, 0);
      await assertServes(p);
    }
  });

  void test("a full queue refuses its largest waiting message for a smaller one; the smaller are read first", async () => {
    const p = await pool({ maxQueue: 2, parseKiB: 4096 });
    const big = textMessage(4 * 1024 * 1024);
    const order: string[] = [];
    const send = (name: string, message: Buffer) =>
      p.fingerprint(message).then((outcome) => {
        order.push(name);
        return reason(outcome);
      });
    // the first big one runs at once; two wait, and the queue is full
    const running = send("running", big);
    const older = send("older big", big);
    const newer = send("newer big", big);
    const small = send("small", SMALL);
    assert.equal(await older, "large", "the oldest of the largest made room (a whole parse window: large)");
    assert.deepEqual(await Promise.all([running, newer, small]), ["ok", "ok", "ok"]);
    assert.deepEqual(order, ["older big", "running", "small", "newer big"]);
    assert.equal(await send("too late", big), "ok", "an empty queue takes any size");
  });

  void test("every message's time in the pool is observed, queue wait included", async () => {
    const p = await pool();
    const observed = async () => {
      const metric = await metrics.fingerprintDuration.get();
      const value = (suffix: string) =>
        metric.values.find((v) => v.metricName === `floodgate_fingerprint_duration_seconds_${suffix}`)?.value ?? 0;
      return { count: value("count"), sum: value("sum") };
    };
    const before = await observed();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => p.fingerprint(SMALL)));
    assert.deepEqual(outcomes.map(reason), ["ok", "ok", "ok", "ok", "ok"]);
    const after = await observed();
    assert.equal(after.count - before.count, 5);
    assert.ok(after.sum > before.sum, "the observed times add up to more than nothing");
    await p.close();
  });

  void test("a report's message is counted apart from mail: outcomes and time by source", async () => {
    const p = await pool();
    const counted = async (source: string) => {
      const outcomes = (await metrics.fingerprintsTotal.get()).values;
      const times = (await metrics.fingerprintDuration.get()).values;
      const ok = outcomes.find((v) => v.labels.outcome === "ok" && v.labels.source === source)?.value ?? 0;
      const timed = times.find((v) => v.metricName?.endsWith("_count") && v.labels.source === source)?.value ?? 0;
      return { ok, timed };
    };
    const [mail, report] = [await counted("mail"), await counted("report")];
    assert.equal(reason(await p.fingerprint(SMALL, { source: "report" })), "ok");
    assert.deepEqual(await counted("report"), { ok: report.ok + 1, timed: report.timed + 1 });
    assert.deepEqual(await counted("mail"), mail, "mail's figures leave the report out");
    assert.equal(reason(await p.fingerprint(SMALL)), "ok");
    assert.deepEqual(await counted("mail"), { ok: mail.ok + 1, timed: mail.timed + 1 }, "mail by default");
    await p.close();
  });

  void test("a closed pool answers pool-down; outcomes are counted in the metrics", async () => {
    const p = await pool();
    await assertServes(p);
    await p.close();
    assert.equal(reason(await p.fingerprint(SMALL)), "pool-down");
    const all = await metrics.registry.getMetricsAsJSON();
    const counter = all.find((m) => m.name === "floodgate_fingerprints_total");
    const byOutcome = new Map(counter?.values.map((v) => [v.labels.outcome, v.value]));
    for (const outcome of ["ok", "thread-died", "timeout", "pool-full", "pool-down"]) {
      assert.ok((byOutcome.get(outcome) ?? 0) > 0, `no ${outcome} counted`);
    }
  });
});
