/**
 * When and in what order the store's shedder frees memory (src/ops/store-shedder.ts), over a small fake of the store
 * whose memory falls as it forgets: nothing below the mark; past it, the previous generation of the value index
 * first, then campaigns seen once until FREED_TO under the mark; the current generation only when a whole sweep left
 * Redis past the mark; a warning when it starts and a line when Redis is CALM_BELOW under the mark.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LOOK_PER_CALL, StoreShedder } from "../../src/ops/store-shedder.js";
import type { ForgetPass, SheddingOperations } from "../../src/reputation/shedding.js";
import type { Logger } from "../../src/util/logger.js";

/** A store of `campaigns` seen once, each worth `perCampaign` of maxmemory, over a base `used` share. */
class FakeStore implements SheddingOperations {
  readonly calls: string[] = [];
  constructor(
    public used: number,
    public campaigns: number,
    readonly perCampaign: number,
    readonly generation: number,
  ) {}

  forgetSeenOnce(after: string, limit: number): Promise<ForgetPass> {
    const start = after === "-inf" ? 0 : Number(after);
    const looked = Math.min(limit, Math.max(0, this.campaigns - start));
    const forgotten = looked;
    this.campaigns -= forgotten;
    this.used -= forgotten * this.perCampaign;
    this.calls.push(`forget ${forgotten}`);
    // The fake forgets every campaign it looks at, so the list restarts where it was.
    return Promise.resolve({ looked, forgotten, unsampled: 0, next: looked < limit ? "-inf" : String(start) });
  }

  dropValueGeneration(which: "previous" | "current"): Promise<boolean> {
    this.calls.push(`drop ${which}`);
    this.used -= this.generation;
    return Promise.resolve(true);
  }
}

function logged(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (_fields: unknown, message: string) => lines.push(`${level}: ${message}`);
  const logger = { warn: line("warn"), info: line("info") } as unknown as Logger;
  return { logger, lines };
}

const shedderOf = (store: FakeStore, shedAt: number, logger?: Logger) =>
  new StoreShedder({
    store,
    memory: () => Promise.resolve({ usedBytes: store.used * 1000, maxBytes: 1000, ratio: store.used }),
    shedAt: () => shedAt,
    ...(logger ? { logger } : {}),
  });

void test("below the mark, or with shedding off, nothing is freed and nothing logged", async () => {
  const { logger, lines } = logged();
  const store = new FakeStore(0.89, 1000, 0.0001, 0.01);
  assert.deepEqual(await shedderOf(store, 0.9, logger).tick(), {
    ratio: 0.89,
    generations: 0,
    campaigns: 0,
    unsampled: 0,
  });
  const full = new FakeStore(0.99, 1000, 0.0001, 0.01);
  assert.equal((await shedderOf(full, 0, logger).tick()).campaigns, 0);
  assert.deepEqual([...store.calls, ...full.calls, ...lines], []);
});

void test("past the mark: the previous generation, then campaigns seen once until FREED_TO under it", async () => {
  const { logger, lines } = logged();
  const store = new FakeStore(0.92, 100_000, 0.0001, 0.01);
  const shedder = shedderOf(store, 0.9, logger);
  const tick = await shedder.tick();
  assert.equal(store.calls[0], "drop previous");
  assert.ok(store.calls.slice(1).every((c) => c === `forget ${LOOK_PER_CALL}`));
  assert.ok(tick.ratio !== null && tick.ratio < 0.85, `ratio ${tick.ratio}`);
  assert.ok(store.used >= 0.85 - LOOK_PER_CALL * 0.0001, "it stops once under the target");
  assert.equal(tick.generations, 1);
  assert.deepEqual(lines, [
    "warn: the fast-path Redis is nearly full: forgetting the campaigns seen once that were seen longest ago",
  ]);
  await shedder.tick();
  assert.equal(lines.length, 1, "under the mark, not yet well under it: the episode goes on");
  store.used = 0.79;
  await shedder.tick();
  assert.deepEqual(lines.slice(1), ["info: the fast-path Redis has room again"]);
});

void test("a sweep that leaves Redis past the mark drops the current generation; one that does not, keeps it", async () => {
  // Fewer campaigns than one call looks at, worth 0.05 together: one call is the whole sweep.
  const few = LOOK_PER_CALL - 1;
  const underMark = new FakeStore(0.93, few, 0.05 / few, 0);
  const tick = await shedderOf(underMark, 0.9).tick();
  assert.deepEqual(underMark.calls, ["drop previous", `forget ${few}`], "0.88 after the sweep: the current one stays");
  assert.equal(tick.campaigns, few);
  const pastMark = new FakeStore(0.97, few, 0.05 / few, 0);
  const flooded = await shedderOf(pastMark, 0.9).tick();
  assert.deepEqual(pastMark.calls, ["drop previous", `forget ${few}`, "drop current"], "0.92 after it: dropped");
  assert.equal(flooded.generations, 2);
});

void test("under the mark it reads the write probe's last reading, not Redis; while shedding, Redis afresh", async () => {
  const store = new FakeStore(0.5, 100_000, 0.0001, 0);
  let asked = 0;
  const reading = () => ({ usedBytes: store.used * 1000, maxBytes: 1000, ratio: store.used });
  const shedder = new StoreShedder({
    store,
    memory: () => {
      asked++;
      return Promise.resolve(reading());
    },
    sampled: reading,
    shedAt: () => 0.9,
  });
  await shedder.tick();
  assert.equal(asked, 0, "under the mark: the probe's reading");
  store.used = 0.95;
  await shedder.tick();
  const duringFirst = asked;
  assert.ok(duringFirst > 0, "past it: afresh after each call");
  store.used = 0.88;
  await shedder.tick();
  assert.equal(asked, duringFirst + 1, "still in the episode: the first look is afresh too");
});
