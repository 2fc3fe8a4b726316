/**
 * MinHash values as the campaign store keeps and verifies a sketch: a MessagePack array of unsigned 64-bit integers,
 * which Redis's Lua reads with `cmsgpack.unpack` into numbers (exact below 2^53, as every value is) in C. Verifying a
 * candidate campaign walks its kept sketches value by value, and a sketch of decimal text cost Redis a Lua string
 * per value (a substring, interned) where a number costs nothing; it is also half the size (benchmarks/README.md,
 * "Sketches kept as MessagePack"). lua/includes/sampledIndex.lua reads both forms: sketches written as text by a
 * host of an earlier release stay readable.
 *
 * The pool's threads write a fingerprint's sketch so (`Fingerprint.minhashPacked`); the main thread passes it on.
 */

/** MessagePack's array of up to 65,535 elements: its type byte, then the count (16 bits, big-endian). */
const ARRAY16 = 0xdc;
/** MessagePack's unsigned 64-bit integer: its type byte, then the value (big-endian). */
const UINT64 = 0xcf;
const BYTES_PER_VALUE = 9;
const MAX_VALUES = 0xffff;

/** `values` (integers from 0 to 2^53) as one MessagePack array of unsigned 64-bit integers, in a buffer of its own
 * (not a slice of a pool: a thread's result is cloned with the whole buffer under it). */
export function packedValues(values: readonly number[]): Uint8Array {
  if (values.length > MAX_VALUES) throw new RangeError(`a sketch of ${values.length} values cannot be packed`);
  const out = new Uint8Array(3 + BYTES_PER_VALUE * values.length);
  const view = new DataView(out.buffer);
  out[0] = ARRAY16;
  view.setUint16(1, values.length);
  let at = 3;
  for (const value of values) {
    out[at] = UINT64;
    view.setUint32(at + 1, Math.floor(value / 2 ** 32));
    view.setUint32(at + 5, value >>> 0);
    at += BYTES_PER_VALUE;
  }
  return out;
}

/** A packed sketch as a Buffer over the same bytes (what ioredis sends as they are): a thread's result arrives as a
 * plain Uint8Array. */
export function packedArg(packed: Uint8Array): Buffer {
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
}

/** The script argument of a sketch of `values`: `packed` (the thread's packing of them) when given, else packed here;
 * "" when there are no values, which the scripts read as no sketch. */
export function sketchArg(values: readonly number[], packed?: Uint8Array): Buffer | "" {
  if (values.length === 0) return "";
  return packedArg(packed ?? packedValues(values));
}
