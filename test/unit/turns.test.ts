/**
 * One piece of work at a time with a bounded line (src/util/turns.ts): the order of arrival, the refusal past the
 * line's bound, and a turn passed on after work that fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Turns } from "../../src/util/turns.js";

/** Work that ends when `release` is called, noting when it started. */
function held(log: string[], name: string) {
  let release!: () => void;
  const ended = new Promise<void>((r) => (release = r));
  return {
    work: async () => {
      log.push(`start ${name}`);
      await ended;
      log.push(`end ${name}`);
      return name;
    },
    release: () => release(),
  };
}

void test("work runs one piece at a time, in the order it came, and past the line's bound is refused", async () => {
  const turns = new Turns(2);
  const log: string[] = [];
  const [a, b, c] = [held(log, "a"), held(log, "b"), held(log, "c")];
  const runs = [turns.run(a.work), turns.run(b.work), turns.run(c.work)];
  assert.equal(await turns.run(async () => "d"), null, "a fourth caller finds the line full: not run");
  assert.equal(turns.waiting, 2);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ["start a"], "b and c wait while a runs");
  a.release();
  await runs[0];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ["start a", "end a", "start b"]);
  // A caller that comes now waits behind c: the turn went from a to b without anyone cutting in.
  const e = turns.run(async () => {
    log.push("e");
    return "e";
  });
  b.release();
  c.release();
  assert.deepEqual(await Promise.all([...runs, e]), ["a", "b", "c", "e"]);
  assert.deepEqual(log, ["start a", "end a", "start b", "end b", "start c", "end c", "e"]);
  assert.equal(turns.waiting, 0);
  assert.equal(await turns.run(async () => "f"), "f", "an idle line runs work at once");
});

void test("work that fails passes the turn on", async () => {
  const turns = new Turns(1);
  const failing = turns.run(async () => {
    await new Promise((r) => setImmediate(r));
    throw new Error("broken");
  });
  const next = turns.run(async () => "next");
  await assert.rejects(failing, /broken/);
  assert.equal(await next, "next");
});
