/**
 * A flood of distinct messages into a Redis too small for them: this build's `floodgate run` (scan workers off-host)
 * with the store's shedder on (`campaigns.shedAtMemory`, default 0.9) and with it off (0), each on a scratch Redis of
 * its own whose maxmemory is `--maxmemory` MiB, the same distinct corpus messages (ham and spam, each once) sent to
 * both at `--sessions` at once, one session per message. Per side: the messages answered with the fail mode of a Redis
 * that refuses writes (`redis-oom`), what the shedder forgot, the campaigns kept, and Redis's memory at the end.
 * Run: node dist/benchmarks/memory-flood.js [--maxmemory 24] [--sessions 20] [--messages 6000]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { rawToTestMessage } from "../src/client/raw-message.js";
import { startBuildDaemon, stopBuildDaemon } from "../src/harness/build-daemon.js";
import { sumMetric } from "../src/harness/floodgate.js";
import { formatMachine, machineInfo } from "../src/harness/machine.js";
import { sendEachInOwnSession } from "../src/harness/session-per-message.js";
import { loadHam, loadSpam, stripEnvelopeLine } from "../src/lab/corpus.js";
import { redisMemory } from "../src/redis/memory.js";

const { values: opts } = parseArgs({
  options: {
    maxmemory: { type: "string", default: "24" },
    sessions: { type: "string", default: "20" },
    messages: { type: "string", default: "6000" },
  },
});

/** Campaigns in the store's list by last seen (the scratch Redis holds one store). */
async function campaignsKept(admin: Redis): Promise<number> {
  const [top] = await admin.keys("*:top");
  return top ? admin.zcard(top) : 0;
}

async function side(shedAt: number, messages: ReturnType<typeof rawToTestMessage>[]) {
  const dir = mkdtempSync(join(tmpdir(), "floodgate-memory-flood-"));
  const overrides = { scanWorker: { processes: 0 }, campaigns: { shedAtMemory: shedAt }, log: { level: "warn" } };
  const build = await startBuildDaemon(`shed-${shedAt}`, join(import.meta.dirname, "../.."), dir, overrides);
  const admin = new Redis(build.redis.url);
  try {
    await admin.config("SET", "maxmemory", `${opts.maxmemory}mb`);
    const started = performance.now();
    await sendEachInOwnSession(build.daemon.spec, messages, Number(opts.sessions));
    const seconds = (performance.now() - started) / 1000;
    const metrics = (await build.daemon.metricsText()) ?? "";
    const counter = (name: string, label: string) => sumMetric(metrics, name, label) ?? 0;
    const oom = counter("floodgate_fail_mode_total", 'reason="redis-oom"');
    const memory = await redisMemory(admin);
    return {
      shedAt,
      seconds,
      oom,
      forgotten: counter("floodgate_store_shed_total", 'what="campaign"'),
      unsampled: counter("floodgate_store_shed_total", 'what="samples"'),
      generations: counter("floodgate_store_shed_total", 'what="generation"'),
      campaigns: await campaignsKept(admin),
      usedShare: memory.ratio ?? 0,
    };
  } finally {
    admin.disconnect();
    await stopBuildDaemon(build);
  }
}

const all = [...loadHam(), ...loadSpam()].slice(0, Number(opts.messages));
const messages = all.map((m, i) =>
  rawToTestMessage(stripEnvelopeLine(m.bytes), `flood${i}@example.net`, [`user${i}@example.org`]),
);
console.log(`Memory flood, ${new Date().toISOString()}; ${formatMachine(machineInfo())}`);
console.log(
  `${messages.length} distinct corpus messages at ${opts.sessions} sessions into a Redis of ${opts.maxmemory} MiB\n`,
);
console.log(
  "| campaigns.shedAtMemory | s | answered redis-oom | campaigns forgotten | campaigns' samples dropped | generations unlinked | campaigns kept | Redis used, of maxmemory |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const shedAt of [0.9, 0]) {
  const r = await side(shedAt, messages);
  console.log(
    `| ${r.shedAt} | ${r.seconds.toFixed(1)} | ${r.oom} | ${r.forgotten} | ${r.unsampled} | ${r.generations} | ${r.campaigns} | ${r.usedShare.toFixed(3)} |`,
  );
}
