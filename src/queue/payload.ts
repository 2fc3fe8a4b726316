/**
 * The message a scan job carries: capped at `queue.maxPayloadBytes`, gzip-compressed, base64 in `ScanJobData`;
 * and the reverse for the worker.
 *
 * Compression runs on the daemon's event loop for every new campaign, so it is done the cheaper way for the size:
 * a message up to SYNC_GZIP_MAX_BYTES is compressed in place, a larger one by libuv's thread pool. Async zlib sets
 * up a stream per call, and that alone costs the event loop more than compressing a typical message; only a large
 * message is cheaper for the event loop off it (benchmarks/README.md, "Figures behind choices in the code").
 */
import { promisify } from "node:util";
import { gunzip, gzip, gzipSync } from "node:zlib";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Messages up to this size are compressed on the event loop, where it is cheaper; larger ones off it. */
export const SYNC_GZIP_MAX_BYTES = 64 * 1024;

/** Level 1: nearly level 6's ratio for less CPU, and the payload lives only until its scan. */
const GZIP_LEVEL = 1;

/** The message cut to `maxBytes`, compressed, as base64; `truncated` says whether the cap cut it. */
export async function encodePayload(
  message: Buffer,
  maxBytes: number,
): Promise<{ base64: string; truncated: boolean }> {
  const truncated = message.length > maxBytes;
  const capped = truncated ? message.subarray(0, maxBytes) : message;
  const compressed =
    capped.length <= SYNC_GZIP_MAX_BYTES
      ? gzipSync(capped, { level: GZIP_LEVEL })
      : await gzipAsync(capped, { level: GZIP_LEVEL });
  return { base64: compressed.toString("base64"), truncated };
}

/** The message back from a job's base64 payload; refuses to inflate past `maxBytes` (a corrupt or hostile job). */
export async function decodePayload(base64: string, maxBytes: number): Promise<Buffer> {
  return gunzipAsync(Buffer.from(base64, "base64"), { maxOutputLength: Math.max(maxBytes, 1) });
}
