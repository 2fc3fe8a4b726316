/**
 * How a free fingerprint thread's batch is cut from the waiting messages (src/fingerprint/batch-queue.ts): the fewest
 * bytes to parse first, the newest of equals, at most `batchMax` messages and `batchBytes` to parse, a large first
 * message alone, a message marked `alone` in a batch of its own, messages put back ahead in their order, a message
 * taken out, and the largest refused to make room for a smaller one.
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
  void test("of messages of one size, takes the newest, at most batchMax at a time", () => {
    const q = queueOf(["a", "b", "c", "d", "e"].map((id) => item(id)));
    assert.deepEqual(ids(q.nextBatch()), ["e", "d", "c"]);
    assert.deepEqual(ids(q.nextBatch()), ["b", "a"]);
    assert.deepEqual(q.nextBatch(), []);
    assert.equal(q.length, 0);
  });

  void test("stops before the bytes to parse pass batchBytes; a large first message goes alone", () => {
    const q = queueOf([item("a", 600), item("b", 400), item("big", 5000), item("c", 1)]);
    assert.deepEqual(ids(q.nextBatch()), ["c", "b"], "1 + 400 fits 1000; 1 + 400 + 600 does not");
    assert.deepEqual(ids(q.nextBatch()), ["a"], "the big one does not join");
    assert.deepEqual(ids(q.nextBatch()), ["big"], "over batchBytes on its own, still taken");
    const exact = queueOf([item("a", 600), item("b", 400)]);
    assert.deepEqual(ids(exact.nextBatch()), ["b", "a"], "400 + 600 is batchBytes exactly");
  });

  void test("takes the fewest bytes to parse first, the newest of equals: a costly flood does not hold small mail", () => {
    const flood = [item("flood1", 262144), item("flood2", 262144)];
    const q = queueOf([...flood, item("ham", 4000), item("note", 900)], { batchMax: 3, batchBytes: 32768 });
    q.push(item("ham2", 4000));
    q.push(item("flood3", 262144));
    assert.deepEqual(ids(q.nextBatch()), ["note", "ham2", "ham"]);
    assert.deepEqual(ids(q.nextBatch()), ["flood3"], "the newest of a flood still has its time");
    assert.deepEqual(ids(q.nextBatch()), ["flood2"]);
    assert.deepEqual(ids(q.nextBatch()), ["flood1"]);
  });

  void test("a full queue makes room for a message by refusing its largest, the oldest of equals, never a smaller", () => {
    const q = queueOf([item("a", 500), item("b", 9000), item("c", 9000), item("d", 10)]);
    assert.equal(q.displaceLargest(9000), undefined, "none larger than 9,000");
    assert.equal(q.displaceLargest(20_000), undefined);
    assert.equal(q.displaceLargest(100)?.id, "b");
    assert.equal(q.displaceLargest(100)?.id, "c");
    assert.equal(q.displaceLargest(100)?.id, "a");
    assert.equal(q.displaceLargest(100), undefined, "d has fewer bytes");
    assert.equal(q.length, 1);
  });

  void test("a message marked alone runs in a batch of its own and ends the batch before it", () => {
    const q = queueOf([item("a"), item("x", 100, true), item("b"), item("c")]);
    assert.deepEqual(ids(q.nextBatch()), ["c", "b"]);
    assert.deepEqual(ids(q.nextBatch()), ["x"]);
    assert.deepEqual(ids(q.nextBatch()), ["a"]);
    const put = queueOf([item("small", 10)]);
    put.pushFront([item("y", 5000, true)]);
    assert.deepEqual(ids(put.nextBatch()), ["y"], "put back, it goes ahead of smaller ones");
  });

  void test("batchMax 1 takes one message at a time", () => {
    const q = queueOf([item("a"), item("b")], { batchMax: 1, batchBytes: 1000 });
    assert.deepEqual(ids(q.nextBatch()), ["b"]);
    assert.deepEqual(ids(q.nextBatch()), ["a"]);
  });

  void test("messages put back go first, in their order; a message can be taken out", () => {
    const q = queueOf([item("c"), item("d")]);
    const back = [item("a", 100, true), item("b", 100, true)];
    q.pushFront(back);
    assert.equal(q.remove(back[1]!), true);
    assert.equal(q.remove(back[1]!), false, "already out");
    assert.deepEqual(ids(q.nextBatch()), ["a"]);
    assert.equal(q.remove(item("c")), false, "another message of the same id is not it");
    assert.deepEqual(ids(q.drain()), ["d", "c"]);
    assert.equal(q.length, 0);
  });
});
