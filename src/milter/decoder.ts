/**
 * The incremental frame decoder: bytes in, whole packets out, in O(n) whatever the split of the stream.
 * Chunks are kept in a list and copied once, only when a packet spans them (milter-protocol.md §1.2, §5.1).
 * A small read that continues a partial packet is copied into a store of the decoder's own instead of kept as it
 * came: each read is a Buffer of its own, and a peer writing a packet a byte at a time made a session hold about
 * 180 bytes of memory for each byte of it, past what the packet budget counts (which counts the bytes).
 */
import { codeName, MILTER_LEN_BYTES } from "./constants.js";

/** One packet: the command (or response) code and its payload. */
export interface Frame {
  code: number;
  payload: Buffer;
}

/** The payload of a packet that has none (most commands but headers, body and macros): never written to. */
const EMPTY = Buffer.alloc(0);

/** Reads shorter than this that continue a partial packet are copied into the decoder's own store. */
const SMALL_READ_BYTES = 1024;
/** The size of each such store: a few reads' worth, so a copied byte costs about a byte. */
const SMALL_READ_STORE_BYTES = 16 * 1024;

export type FrameError =
  { kind: "bad-length"; length: number } | { kind: "too-large"; length: number; limit: number; code?: number };

/** What a FrameError says in a log line. */
export function frameErrorText(error: FrameError): string {
  if (error.kind === "bad-length") return `packet length ${error.length}`;
  const what = error.code === undefined ? "packet" : `${codeName(error.code)} packet`;
  return `${what} length ${error.length} > ${error.limit}`;
}

export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private head = 0; // read offset into chunks[0]
  private buffered = 0;
  private failed = false;
  /** The store small reads are copied into, how much of it is used, and the chunk that views its last bytes. */
  private smallReads: Buffer = EMPTY;
  private smallReadsUsed = 0;
  private smallReadsView: Buffer | null = null;

  /**
   * @param maxPacketBytes the largest packet (code plus payload) accepted; larger ones are an error.
   * @param maxPacketBytesOf smaller limits for some codes, checked as soon as a packet's code is in, before its
   * payload is buffered.
   */
  constructor(
    private maxPacketBytes: number,
    private readonly maxPacketBytesOf: ReadonlyMap<number, number> = new Map(),
  ) {}

  /** Accept packets up to `bytes` from now on (a session raises its limit once option negotiation is done). */
  setMaxPacketBytes(bytes: number): void {
    this.maxPacketBytes = bytes;
  }

  /** Bytes held but not yet returned as frames. */
  get pending(): number {
    return this.buffered;
  }

  /**
   * Add bytes and return every complete frame they finish. After an error the decoder stays failed and the
   * connection should be closed: the stream can no longer be trusted.
   */
  push(data: Buffer): Frame[] | FrameError {
    if (this.failed) return { kind: "bad-length", length: -1 };
    if (data.length > 0) this.append(data);
    const frames: Frame[] = [];
    while (this.buffered >= MILTER_LEN_BYTES) {
      const length = this.peekLength();
      if (length < 1) return this.fail({ kind: "bad-length", length });
      if (length > this.maxPacketBytes) return this.fail({ kind: "too-large", length, limit: this.maxPacketBytes });
      if (this.buffered === MILTER_LEN_BYTES) break;
      const code = this.peekByte(MILTER_LEN_BYTES);
      const limit = this.maxPacketBytesOf.get(code);
      if (limit !== undefined && length > limit) return this.fail({ kind: "too-large", length, limit, code });
      if (this.buffered < MILTER_LEN_BYTES + length) break;
      // The payload is taken after the length and code: one view (or copy) a packet, not two.
      this.skip(MILTER_LEN_BYTES + 1);
      frames.push({ code, payload: this.take(length - 1) });
    }
    return frames;
  }

  /** Keep `data`: as it came, or, a small read continuing a partial packet, copied after the last one. */
  private append(data: Buffer): void {
    const continuing = this.buffered > 0;
    this.buffered += data.length;
    if (!continuing || data.length >= SMALL_READ_BYTES) {
      this.chunks.push(data);
      return;
    }
    if (this.smallReadsUsed + data.length > this.smallReads.length) {
      this.smallReads = Buffer.allocUnsafe(SMALL_READ_STORE_BYTES);
      this.smallReadsUsed = 0;
      this.smallReadsView = null;
    }
    const start = this.smallReadsUsed;
    this.smallReadsUsed += data.copy(this.smallReads, start);
    const last = this.chunks.length - 1;
    if (this.smallReadsView !== null && this.chunks[last] === this.smallReadsView) {
      // The last chunk ends where this read was copied: it grows to take it in (the read offset into a first
      // chunk is unchanged, for a view that grows at its end).
      const from = this.smallReadsView.byteOffset - this.smallReads.byteOffset;
      this.smallReadsView = this.smallReads.subarray(from, this.smallReadsUsed);
      this.chunks[last] = this.smallReadsView;
      return;
    }
    this.smallReadsView = this.smallReads.subarray(start, this.smallReadsUsed);
    this.chunks.push(this.smallReadsView);
  }

  private fail(error: FrameError): FrameError {
    this.failed = true;
    this.chunks.length = 0;
    this.buffered = 0;
    return error;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length - this.head >= MILTER_LEN_BYTES) return first.readUInt32BE(this.head);
    let value = 0;
    let needed = MILTER_LEN_BYTES;
    let offset = this.head;
    for (const chunk of this.chunks) {
      for (let i = offset; i < chunk.length && needed > 0; i++, needed--) value = value * 256 + chunk[i]!;
      offset = 0;
      if (needed === 0) break;
    }
    return value;
  }

  /** The byte `offset` bytes past the read position; the caller knows that many are buffered. */
  private peekByte(offset: number): number {
    let at = this.head + offset;
    for (const chunk of this.chunks) {
      if (at < chunk.length) return chunk[at]!;
      at -= chunk.length;
    }
    return 0;
  }

  private skip(count: number): void {
    let remaining = count;
    while (remaining > 0) {
      const first = this.chunks[0]!;
      const available = first.length - this.head;
      if (available > remaining) {
        this.head += remaining;
        break;
      }
      remaining -= available;
      this.chunks.shift();
      this.head = 0;
    }
    this.buffered -= count;
  }

  /** Remove `count` bytes; a view when they lie in one chunk, one copy when they span several. */
  private take(count: number): Buffer {
    if (count === 0) return EMPTY;
    const first = this.chunks[0]!;
    if (first.length - this.head >= count) {
      const view = first.subarray(this.head, this.head + count);
      this.skip(count);
      return view;
    }
    const out = Buffer.allocUnsafe(count);
    let written = 0;
    while (written < count) {
      const chunk = this.chunks[0]!;
      const n = Math.min(chunk.length - this.head, count - written);
      chunk.copy(out, written, this.head, this.head + n);
      written += n;
      if (this.head + n === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      } else {
        this.head += n;
      }
    }
    this.buffered -= count;
    return out;
  }
}
