/**
 * The message as the policy gets it: headers rebuilt from SMFIC_HEADER packets, a blank line, then the body, kept
 * up to a cap (the rest is counted, never buffered) and copied once, at end of message, into a SharedArrayBuffer so
 * that a fingerprint thread reads it without another copy.
 *
 * The bytes go straight into one store that doubles as it fills (never past the cap): header names and values are
 * written into it as UTF-8 and body chunks copied into it, so a message costs a handful of allocations, not one
 * per header piece (this runs on the main thread for every message, and what it allocates is what the scavenger
 * pauses for).
 */
import type { CapturedMessage, Header } from "../vocabulary/mail.js";

/** First size of the store: most mail fits, and a larger message doubles it a few times. */
const INITIAL_STORE_BYTES = 16 * 1024;

export class MessageCapture {
  private store: Buffer;
  private captured = 0;
  private total = 0;
  private headersEnded = false;
  readonly headers: Header[] = [];
  /** Headers beyond this many are counted in the message but not listed for the policy. */
  static readonly MAX_LISTED_HEADERS = 1000;

  constructor(
    private readonly cap: number,
    /** True when SMFIP_HDR_LEADSPC was negotiated: values keep their leading space. */
    private readonly leadingSpace: boolean,
  ) {
    this.store = Buffer.allocUnsafe(Math.min(cap, INITIAL_STORE_BYTES));
  }

  addHeader(name: string, value: string): void {
    if (this.headers.length < MessageCapture.MAX_LISTED_HEADERS) this.headers.push({ name, value });
    this.appendText(name);
    this.appendText(this.leadingSpace ? ":" : ": ");
    this.appendText(value.includes("\n") ? value.replace(/\r?\n/g, "\r\n") : value);
    this.appendText("\r\n");
  }

  endOfHeaders(): void {
    if (this.headersEnded) return;
    this.headersEnded = true;
    this.appendText("\r\n");
  }

  addBody(chunk: Buffer): void {
    if (!this.headersEnded) this.endOfHeaders();
    this.total += chunk.length;
    const take = this.roomFor(chunk.length);
    if (take <= 0) return;
    // A copy: the packet's buffer may be a view into a larger socket chunk that must not be kept alive.
    chunk.copy(this.store, this.captured, 0, take);
    this.captured += take;
  }

  get totalBytes(): number {
    return this.total;
  }

  /** The captured message in one SharedArrayBuffer-backed Buffer. */
  finish(): CapturedMessage {
    if (!this.headersEnded) this.endOfHeaders();
    const raw = Buffer.from(new SharedArrayBuffer(this.captured));
    this.store.copy(raw, 0, 0, this.captured);
    return { raw, truncated: this.total > this.captured, totalBytes: this.total };
  }

  /** Count a string's UTF-8 bytes and keep those that fit under the cap. */
  private appendText(text: string): void {
    const bytes = Buffer.byteLength(text, "utf8");
    this.total += bytes;
    const room = this.roomFor(bytes);
    if (room <= 0) return;
    if (bytes <= room) {
      this.captured += this.store.write(text, this.captured, "utf8");
      return;
    }
    // The cap falls inside this string, perhaps inside a character: keep exactly the bytes before it.
    this.captured += Buffer.from(text, "utf8").copy(this.store, this.captured, 0, room);
  }

  /** Bytes of the next `wanted` that may still be kept (0 at the cap), with the store grown to hold them. */
  private roomFor(wanted: number): number {
    const room = Math.min(wanted, this.cap - this.captured);
    if (room <= 0) return 0;
    const needed = this.captured + room;
    if (needed > this.store.length) {
      let size = this.store.length * 2;
      while (size < needed) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, this.cap));
      this.store.copy(grown, 0, 0, this.captured);
      this.store = grown;
    }
    return room;
  }
}
