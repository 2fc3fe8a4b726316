/**
 * LiveList: members added and removed in any order, each removed once, the rest kept; removing while walking its
 * entries is safe; a stale or foreign entry removes nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveList } from "../../src/util/live-list.js";

test("members come and go in any order; the list keeps exactly those not removed", () => {
  const list = new LiveList<number>();
  const entries = Array.from({ length: 50 }, (_, i) => list.add(i));
  const removed = new Set<number>();
  // Remove every third from the middle out, then the first and the last.
  for (const i of [25, 28, 22, 31, 19, 0, 49]) {
    list.remove(entries[i]!);
    removed.add(i);
  }
  assert.equal(list.size, 50 - removed.size);
  assert.deepEqual(
    [...list].sort((a, b) => a - b),
    entries.map((_, i) => i).filter((i) => !removed.has(i)),
  );
  for (const entry of list.entries()) assert.equal(list.entries()[entry.slot], entry, "each entry knows its slot");
});

test("a removed entry removed again, or another list's entry, removes nothing", () => {
  const list = new LiveList<string>();
  const other = new LiveList<string>();
  const a = list.add("a");
  list.add("b");
  const foreign = other.add("c");
  list.remove(a);
  list.remove(a);
  list.remove(foreign);
  assert.deepEqual([...list], ["b"]);
  assert.deepEqual([...other], ["c"]);
  assert.equal(a.slot, -1);
});

test("removing while walking the entries removes each one walked", () => {
  const list = new LiveList<number>();
  for (let i = 0; i < 10; i++) list.add(i);
  for (const entry of list.entries()) if (entry.value % 2 === 0) list.remove(entry);
  assert.deepEqual(
    [...list].sort((a, b) => a - b),
    [1, 3, 5, 7, 9],
  );
});
