/**
 * How a free fingerprint thread's batch is cut from the waiting messages (src/fingerprint/batch-queue.ts): oldest
 * first, at most `batchMax` messages and `batchBytes` to parse, a large first message alone, a message marked
 * `alone` in a batch of its own, messages put back at the front in their order, and a message taken out.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BatchQueue, type Waiting } from "../../src/fingerprint/batch-queue.js";

interface Item extends Waiting {
  id: string;
}

const item = (id: string, parseBytes = 100, alone = false): Item => ({ id, parseBytes, alone });
const ids = (batch: Item[]) => batch.map((i) => i.id);

function queueOf(items: Item[], limits = { batchMax: 3, batchBytes: 1000 }): BatchQueue<Item> {
  const q = new BatchQueue<Item>(limits);
  for (const i of items) q.push(i);
  return q;
}

void describe("the fingerprint batch queue", () => {
  void test("takes the oldest messages, at most batchMax at a time", () => {
    const q = queueOf(["a", "b", "c", "d", "e"].map((id) => item(id)));
    assert.deepEqual(ids(q.nextBatch()), ["a", "b", "c"]);
    assert.deepEqual(ids(q.nextBatch()), ["d", "e"]);
    assert.deepEqual(q.nextBatch(), []);
    assert.equal(q.length, 0);
  });

  void test("stops before the bytes to parse pass batchBytes; a large first message goes alone", () => {
    const q = queueOf([item("a", 600), item("b", 400), item("c", 1), item("big", 5000), item("d", 10)]);
    assert.deepEqual(ids(q.nextBatch()), ["a", "b"], "600 + 400 fits 1000; one more byte does not");
    assert.deepEqual(ids(q.nextBatch()), ["c"], "the big one does not join");
    assert.deepEqual(ids(q.nextBatch()), ["big"], "over batchBytes on its own, still taken");
    assert.deepEqual(ids(q.nextBatch()), ["d"]);
  });

  void test("a message marked alone runs in a batch of its own and ends the batch before it", () => {
    const q = queueOf([item("a"), item("x", 100, true), item("b"), item("c")]);
    assert.deepEqual(ids(q.nextBatch()), ["a"]);
    assert.deepEqual(ids(q.nextBatch()), ["x"]);
    assert.deepEqual(ids(q.nextBatch()), ["b", "c"]);
  });

  void test("batchMax 1 takes one message at a time", () => {
    const q = queueOf([item("a"), item("b")], { batchMax: 1, batchBytes: 1000 });
    assert.deepEqual(ids(q.nextBatch()), ["a"]);
    assert.deepEqual(ids(q.nextBatch()), ["b"]);
  });

  void test("messages put back go first, in their order; a message can be taken out", () => {
    const q = queueOf([item("c"), item("d")]);
    const back = [item("a", 100, true), item("b", 100, true)];
    q.pushFront(back);
    assert.equal(q.remove(back[1]!), true);
    assert.equal(q.remove(back[1]!), false, "already out");
    assert.deepEqual(ids(q.nextBatch()), ["a"]);
    assert.deepEqual(ids(q.drain()), ["c", "d"]);
    assert.equal(q.length, 0);
  });
});
