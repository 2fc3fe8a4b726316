/**
 * ClamAV's clamd over TCP (clamd(8)): `zINSTREAM\0`, the message in chunks each prefixed by its length as a 4-byte
 * big-endian integer, and a zero-length chunk to end; the reply is `stream: OK\0` or `stream: NAME FOUND\0`.
 * A virus is spam with score 100.
 */
import { tcpExchange } from "./tcp.js";
import { ScannerError, type ScanResult, type Scanner } from "./types.js";

/** The command, null-terminated ("z" prefix). */
export const CLAMD_INSTREAM = "zINSTREAM\0";
/** The score given to a message carrying a virus. */
export const VIRUS_SCORE = 100;
/** Bytes per chunk (below clamd's default StreamMaxLength by far). */
export const CLAMD_CHUNK_BYTES = 64 * 1024;

export interface ClamdOptions {
  host: string;
  port: number;
  timeoutMs: number;
}

/** The bytes of an INSTREAM request for one message. */
export function encodeClamdInstream(message: Buffer, chunkBytes = CLAMD_CHUNK_BYTES): Buffer[] {
  const parts: Buffer[] = [Buffer.from(CLAMD_INSTREAM, "latin1")];
  for (let offset = 0; offset < message.length; offset += chunkBytes) {
    const chunk = message.subarray(offset, offset + chunkBytes);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(chunk.length, 0);
    parts.push(size, chunk);
  }
  parts.push(Buffer.alloc(4));
  return parts;
}

/** Read clamd's reply; throws `ScannerError` ("protocol") for `… ERROR` or anything unreadable. */
export function parseClamdReply(reply: Buffer | string, scanner = "clamd"): ScanResult {
  const text = withoutLineEnd(typeof reply === "string" ? reply : reply.toString("latin1"));
  const body = text.replace(/^stream: */, "");
  if (body === "OK") return { verdict: "ham", score: 0, threshold: null, rules: [] };
  const found = /^(.+) FOUND$/.exec(body);
  if (found) return { verdict: "spam", score: VIRUS_SCORE, threshold: null, rules: [found[1] as string] };
  throw new ScannerError(scanner, "protocol", `clamd answered ${JSON.stringify(text.slice(0, 200))}`);
}

/** A scanner that asks clamd. */
export function createClamdScanner(options: ClamdOptions): Scanner {
  const name = "clamd";
  return {
    name,
    saysHam: false,
    async scan(message, signal) {
      const reply = await tcpExchange({ ...options, scanner: name, signal }, encodeClamdInstream(message));
      return parseClamdReply(reply, name);
    },
  };
}

/** The reply without its trailing NULs and line breaks. */
function withoutLineEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === "\0" || text[end - 1] === "\r" || text[end - 1] === "\n")) end--;
  return text.slice(0, end);
}
