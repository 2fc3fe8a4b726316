/**
 * One piece of work at a time behind a bounded line (src/util/turns.ts): turns in the order they are asked for, the
 * refusal past the line's places, places left by work that ends, fails or is given up, and a turn passed on after
 * work that fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Turns, type Place } from "../../src/util/turns.js";

/** Work that ends when `release` is called, noting when it started and ended. */
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

const admitted = (turns: Turns): Place => {
  const place = turns.admit();
  assert.ok(place, "a place in the line");
  return place;
};

void test("work runs one piece at a time, in the order the turns were asked for; past the places none is given", async () => {
  const turns = new Turns(3);
  const log: string[] = [];
  const [a, b, c] = [held(log, "a"), held(log, "b"), held(log, "c")];
  const places = [admitted(turns), admitted(turns), admitted(turns)];
  assert.equal(turns.admit(), null, "a fourth caller finds the line full");
  // c asks for its turn before b: the order of asking, not of admission.
  const runs = [places[0]!.turn(a.work), places[2]!.turn(c.work), places[1]!.turn(b.work)];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ["start a"], "b and c wait while a runs");
  a.release();
  await runs[0];
  assert.equal(turns.admitted, 2, "a's place is left once its work ended");
  const d = admitted(turns);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ["start a", "end a", "start c"]);
  // d asks now: it waits behind b, which asked before it, though the turn went from a to c meanwhile.
  const e = d.turn(async () => {
    log.push("d");
    return "d";
  });
  c.release();
  b.release();
  assert.deepEqual(await Promise.all([...runs, e]), ["a", "c", "b", "d"]);
  assert.deepEqual(log, ["start a", "end a", "start c", "end c", "start b", "end b", "d"]);
  assert.equal(turns.admitted, 0);
  assert.equal(await admitted(turns).turn(async () => "f"), "f", "an idle line runs work at once");
});

void test("a place given up is left once; work that fails passes the turn on and leaves its place", async () => {
  const turns = new Turns(2);
  const gone = admitted(turns);
  gone.leave();
  gone.leave();
  assert.equal(turns.admitted, 0, "leaving twice frees one place");
  const [first, second] = [admitted(turns), admitted(turns)];
  const failing = first.turn(async () => {
    await new Promise((r) => setImmediate(r));
    throw new Error("broken");
  });
  const next = second.turn(async () => "next");
  await assert.rejects(failing, /broken/);
  assert.equal(await next, "next");
  first.leave();
  assert.equal(turns.admitted, 0, "both places left; a leave after the work changes nothing");
});
