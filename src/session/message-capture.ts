/**
 * The message as the policy gets it: headers rebuilt from SMFIC_HEADER packets, a blank line, then the body, kept
 * up to a cap (the rest is counted, never buffered) and copied once, at end of message, into a SharedArrayBuffer so
 * that a fingerprint thread reads it without another copy.
 *
 * The bytes go straight into one store that doubles as it fills (never past the cap): header names and values are
 * written into it as UTF-8 and body chunks copied into it, so a message costs a handful of allocations, not one
 * per header piece (this runs on the main thread for every message, and what it allocates is what the scavenger
 * pauses for).
 *
 * Bounded three ways. The store grows past its first INITIAL_CAPTURE_BYTES only by what the process's budget grants
 * (./capture-budget.ts), and so does the text of the headers listed for the policy; `release()` gives it all back.
 * Header fields leave room for the body, so that neither a flood of header fields nor a spent budget keeps the body
 * out of the capture. A header field is kept whole or not at all, while it is within the header room: while the
 * header bytes counted before it are under half the cap (or 64 KiB), and the fields kept, it with them, fill at most
 * half of the store the message can have (the store is grown first, as far as the budget grants and never past the
 * cap, to twice their bytes). Past the header room only PAST_ROOM_FIELDS are kept, which a parser needs to read the
 * body: the first of each, if it is at most MAX_PAST_ROOM_FIELD_BYTES and the fields kept then fill at most three
 * quarters of the store. A field not kept is only counted, its line endings never converted: a value of megabytes
 * costs one pass over it, not copies.
 */
import type { CapturedMessage, Header } from "../vocabulary/mail.js";
import { captureBudget, INITIAL_CAPTURE_BYTES, type CaptureBudget } from "./capture-budget.js";

/** The least room header fields have in the store, whatever the cap. */
const MIN_HEADER_STORE_BYTES = 64 * 1024;

/** The header fields (lowercased) still kept past the header room: what a parser reads the body by, and Subject. */
const PAST_ROOM_FIELDS = new Set([
  "content-type",
  "content-transfer-encoding",
  "content-disposition",
  "mime-version",
  "subject",
]);

/** The longest of PAST_ROOM_FIELDS kept past the header room; a longer one is counted, not kept. */
const MAX_PAST_ROOM_FIELD_BYTES = 8 * 1024;

/** Where a capture's growth comes from: a budget and its limit (`milter.captureBudgetBytes`). */
export interface CaptureAllowance {
  budget: CaptureBudget;
  limit: number;
}

export class MessageCapture {
  private store: Buffer;
  private captured = 0;
  private total = 0;
  private headersEnded = false;
  /** Bytes of header fields counted so far, stored or not. */
  private headerBytes = 0;
  /** Bytes of header fields in the store. */
  private keptHeaderBytes = 0;
  /** PAST_ROOM_FIELDS met past the header room, kept or not, by lowercased name: only the first may be kept. */
  private readonly metPastRoom = new Set<string>();
  /** Bytes granted by the budget and not given back. */
  private reserved = 0;
  private cutByBudget = false;
  readonly headers: Header[] = [];
  /** Headers beyond this many are counted in the message but not listed for the policy. */
  static readonly MAX_LISTED_HEADERS = 1000;

  constructor(
    private readonly cap: number,
    /** True when SMFIP_HDR_LEADSPC was negotiated: values keep their leading space. */
    private readonly leadingSpace: boolean,
    private readonly allowance: CaptureAllowance = { budget: captureBudget, limit: Infinity },
  ) {
    this.store = Buffer.allocUnsafe(Math.min(cap, INITIAL_CAPTURE_BYTES));
  }

  addHeader(name: string, value: string): void {
    this.list(name, value);
    const separator = this.leadingSpace ? ":" : ": ";
    // The bytes of the field as written, line endings made CRLF, counted without building it (its parts are whole
    // characters each, so their bytes add up to the field's).
    const bytes = Buffer.byteLength(name, "utf8") + separator.length + crlfByteLength(value) + 2;
    const kept = this.keeps(name, bytes);
    this.headerBytes += bytes;
    if (!kept) {
      this.total += bytes;
      return;
    }
    const text = value.includes("\n") ? value.replace(/\r?\n/g, "\r\n") : value;
    const before = this.captured;
    // One string, so one write of its UTF-8; header fields are most of a message's packets.
    this.appendText(`${name}${separator}${text}\r\n`, bytes);
    this.keptHeaderBytes += this.captured - before;
  }

  endOfHeaders(): void {
    if (this.headersEnded) return;
    this.headersEnded = true;
    this.appendText("\r\n", 2);
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

  /** The captured message in one SharedArrayBuffer-backed Buffer; the store is let go. */
  finish(): CapturedMessage {
    if (!this.headersEnded) this.endOfHeaders();
    const raw = Buffer.from(new SharedArrayBuffer(this.captured));
    this.store.copy(raw, 0, 0, this.captured);
    this.store = EMPTY;
    if (this.cutByBudget) this.allowance.budget.countCut();
    return { raw, truncated: this.total > this.captured, totalBytes: this.total };
  }

  /** Give back what the budget granted: the transaction is over. */
  release(): void {
    this.allowance.budget.release(this.reserved);
    this.reserved = 0;
    this.store = EMPTY;
  }

  /** List a header for the policy, if it is among the first MAX_LISTED_HEADERS and the budget grants its text. */
  private list(name: string, value: string): void {
    if (this.headers.length >= MessageCapture.MAX_LISTED_HEADERS) return;
    const wanted = name.length + value.length;
    const granted = this.grant(wanted);
    if (granted === wanted) {
      this.headers.push({ name, value });
      return;
    }
    this.allowance.budget.release(granted);
    this.reserved -= granted;
  }

  /** Whether a header field of `bytes` goes into the store: within the header room, or among the first
   * PAST_ROOM_FIELDS past it (the module's comment). */
  private keeps(name: string, bytes: number): boolean {
    const inRoom = this.headerBytes < Math.max(this.cap / 2, MIN_HEADER_STORE_BYTES);
    if (inRoom && this.headersFit(bytes, 1 / 2)) return true;
    const lower = name.toLowerCase();
    if (!PAST_ROOM_FIELDS.has(lower) || this.metPastRoom.has(lower)) return false;
    this.metPastRoom.add(lower);
    return bytes <= MAX_PAST_ROOM_FIELD_BYTES && this.headersFit(bytes, 3 / 4);
  }

  /** Whether the header fields kept, with `bytes` more, fill at most `share` of the store, grown first for them as
   * far as the budget grants (not at all when even the cap would be too small). */
  private headersFit(bytes: number, share: number): boolean {
    const kept = this.keptHeaderBytes + bytes;
    const needed = Math.ceil(kept / share);
    if (needed > this.cap) return false;
    this.growTo(needed);
    return kept <= this.store.length * share;
  }

  /** Count a string's UTF-8 bytes (`bytes`) and keep those that fit under the cap. */
  private appendText(text: string, bytes: number): void {
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

  /** Bytes of the next `wanted` that may still be kept (0 at the cap or with the budget spent), with the store
   * grown to hold them. */
  private roomFor(wanted: number): number {
    const room = Math.min(wanted, this.cap - this.captured);
    if (room <= 0) return 0;
    this.growTo(this.captured + room);
    return Math.min(room, this.store.length - this.captured);
  }

  /** Grow the store to hold `needed` bytes (at most the cap), doubling, by as much of that as the budget grants. */
  private growTo(needed: number): void {
    if (needed <= this.store.length) return;
    // At least 1 to double from: a store let go (finish, release) is empty, and doubling 0 never ends.
    let size = Math.max(1, this.store.length) * 2;
    while (size < needed) size *= 2;
    size = this.store.length + this.grant(Math.min(size, this.cap) - this.store.length);
    if (size === this.store.length) return;
    const grown = Buffer.allocUnsafe(size);
    this.store.copy(grown, 0, 0, this.captured);
    this.store = grown;
  }

  /** Bytes the budget grants of `wanted`; short of it, the message is marked as cut by the budget. */
  private grant(wanted: number): number {
    const granted = this.allowance.budget.reserve(wanted, this.allowance.limit);
    this.reserved += granted;
    if (granted < wanted) this.cutByBudget = true;
    return granted;
  }
}

/** The UTF-8 bytes of `value` once each LF not preceded by CR is made CRLF, without building that string. */
function crlfByteLength(value: string): number {
  let bytes = Buffer.byteLength(value, "utf8");
  const firstLf = value.indexOf("\n");
  if (firstLf === -1) return bytes;
  // One pass from the first LF: an indexOf call per LF costs several times more on a value of millions of LFs.
  let previous = value.charCodeAt(firstLf - 1);
  for (let at = firstLf; at < value.length; at++) {
    const code = value.charCodeAt(at);
    if (code === LF && previous !== CR) bytes++;
    previous = code;
  }
  return bytes;
}

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
