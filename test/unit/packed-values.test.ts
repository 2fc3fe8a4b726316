/**
 * The packed sketch's layout, byte by byte (MessagePack: an array16, then a uint64 per value, big-endian), which
 * Redis's cmsgpack reads: test/integration/reputation-sampled-index.test.ts reads it back there.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { packedArg, packedValues, sketchArg } from "../../src/fingerprint/packed-values.js";

void describe("packed sketch values", () => {
  void test("an array16 of uint64s, big-endian, in a buffer of its own", () => {
    const packed = packedValues([0, 1, 2 ** 32 + 5, 2 ** 53]);
    assert.equal(packed.byteLength, 3 + 4 * 9);
    assert.equal(packed.byteOffset, 0);
    assert.equal(packed.buffer.byteLength, packed.byteLength, "not a slice of a pool: a clone copies the whole buffer");
    const hex = Buffer.from(packed).toString("hex");
    assert.equal(
      hex,
      "dc0004" + "cf0000000000000000" + "cf0000000000000001" + "cf0000000100000005" + "cf0020000000000000",
    );
  });

  void test("no values is an empty array; more than an array16 holds is refused", () => {
    assert.equal(Buffer.from(packedValues([])).toString("hex"), "dc0000");
    assert.throws(() => packedValues(new Array<number>(65_536).fill(1)), RangeError);
  });

  void test("the argument is a Buffer over the same bytes", () => {
    const packed = packedValues([7, 8]);
    const arg = packedArg(packed);
    assert.ok(Buffer.isBuffer(arg));
    assert.equal(arg.buffer, packed.buffer);
    assert.deepEqual([...arg], [...packed]);
  });

  void test("a sketch's argument: none for no values, else the thread's packing or one made here", () => {
    assert.equal(sketchArg([]), "");
    assert.equal(sketchArg([], packedValues([])), "", "a thread's packing of no values is no sketch either");
    const packed = packedValues([7, 8]);
    const given = sketchArg([7, 8], packed);
    assert.ok(Buffer.isBuffer(given) && given.buffer === packed.buffer, "the thread's bytes, not packed again");
    assert.deepEqual(sketchArg([7, 8]), Buffer.from(packed));
  });
});
