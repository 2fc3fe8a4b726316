/**
 * The packet encoders both sides build their packets with: length, code, payload, in one allocation
 * (milter-protocol.md §1.2). The commands and responses they carry are in commands.ts and responses.ts.
 */
import { MILTER_LEN_BYTES } from "./constants.js";
import { cStringsLength, writeCStrings } from "./strings.js";

/** Where a packet's payload starts: after its length and its code. */
const PAYLOAD_OFFSET = MILTER_LEN_BYTES + 1;

/** A packet of `payloadBytes` with its length and code written, the payload left for the caller to fill. */
function allocateFrame(code: number, payloadBytes: number): Buffer {
  const out = Buffer.allocUnsafe(PAYLOAD_OFFSET + payloadBytes);
  out.writeUInt32BE(payloadBytes + 1, 0);
  out[MILTER_LEN_BYTES] = code;
  return out;
}

/** Encode one packet: length, code, payload. */
export function encodeFrame(code: number, payload?: Buffer | Uint8Array): Buffer {
  const out = allocateFrame(code, payload ? payload.length : 0);
  if (payload && payload.length > 0) out.set(payload, PAYLOAD_OFFSET);
  return out;
}

/**
 * Encode one packet whose payload is `prefix` (bytes, such as a header index or a macro's command code) then
 * NUL-terminated strings, in one allocation: these are most packets, headers and macros on every message.
 */
export function encodeStringsFrame(code: number, values: readonly string[], prefix?: Uint8Array): Buffer {
  const prefixLength = prefix ? prefix.length : 0;
  const out = allocateFrame(code, prefixLength + cStringsLength(values));
  if (prefix) out.set(prefix, PAYLOAD_OFFSET);
  writeCStrings(out, PAYLOAD_OFFSET + prefixLength, values);
  return out;
}
