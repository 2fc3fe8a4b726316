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
 * Header fields take at most half the cap (or 64 KiB) of the store: past that only the MIME fields and Subject
 * (the first of each) are kept, so a flood of header fields cannot push the body out of the capture.
 */
import type { CapturedMessage, Header } from "../vocabulary/mail.js";
import { captureBudget, INITIAL_CAPTURE_BYTES, type CaptureBudget } from "./capture-budget.js";

/** The least room header fields have in the store, whatever the cap. */
const MIN_HEADER_STORE_BYTES = 64 * 1024;

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
  /** MIME fields and Subject kept past the header room, by lowercased name. */
  private readonly keptPastRoom = new Set<string>();
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
    const text = value.includes("\n") ? value.replace(/\r?\n/g, "\r\n") : value;
    const separator = this.leadingSpace ? ":" : ": ";
    const before = this.total;
    // One string, so one count and one write of its UTF-8 (the same bytes as its four parts', which are whole
    // characters each); header fields are most of a message's packets.
    if (this.hasHeaderRoom(name)) this.appendText(`${name}${separator}${text}\r\n`);
    else this.total += Buffer.byteLength(name, "utf8") + separator.length + Buffer.byteLength(text, "utf8") + 2;
    this.headerBytes += this.total - before;
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

  /** Whether a header field goes into the store: while header fields have room, then the MIME fields and
   * Subject, the first of each. */
  private hasHeaderRoom(name: string): boolean {
    if (this.headerBytes < Math.max(this.cap / 2, MIN_HEADER_STORE_BYTES)) return true;
    const lower = name.toLowerCase();
    if (!(lower.startsWith("content-") || lower === "subject" || lower === "mime-version")) return false;
    if (this.keptPastRoom.has(lower)) return false;
    this.keptPastRoom.add(lower);
    return true;
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

  /** Bytes of the next `wanted` that may still be kept (0 at the cap or with the budget spent), with the store
   * grown to hold them. */
  private roomFor(wanted: number): number {
    const room = Math.min(wanted, this.cap - this.captured);
    if (room <= 0) return 0;
    const needed = this.captured + room;
    if (needed > this.store.length) {
      let size = this.store.length * 2;
      while (size < needed) size *= 2;
      size = Math.min(size, this.cap);
      size = this.store.length + this.grant(size - this.store.length);
      if (size > this.store.length) {
        const grown = Buffer.allocUnsafe(size);
        this.store.copy(grown, 0, 0, this.captured);
        this.store = grown;
      }
    }
    return Math.min(room, this.store.length - this.captured);
  }

  /** Bytes the budget grants of `wanted`; short of it, the message is marked as cut by the budget. */
  private grant(wanted: number): number {
    const granted = this.allowance.budget.reserve(wanted, this.allowance.limit);
    this.reserved += granted;
    if (granted < wanted) this.cutByBudget = true;
    return granted;
  }
}

const EMPTY = Buffer.alloc(0);
