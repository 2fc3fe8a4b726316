/**
 * The message as the policy gets it: headers rebuilt from SMFIC_HEADER packets, a blank line, then the body, kept
 * up to a cap (the rest is counted, never buffered) and copied once, at end of message, into a SharedArrayBuffer so
 * that a fingerprint thread reads it without another copy.
 */
import type { CapturedMessage, Header } from "./policy-api.js";

const CRLF = Buffer.from("\r\n");
const COLON = Buffer.from(":");
const COLON_SPACE = Buffer.from(": ");

export class MessageCapture {
  private readonly parts: Buffer[] = [];
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
  ) {}

  addHeader(name: string, value: string): void {
    if (this.headers.length < MessageCapture.MAX_LISTED_HEADERS) this.headers.push({ name, value });
    const v = Buffer.from(value.replace(/\r?\n/g, "\r\n"), "utf8");
    this.append(Buffer.from(name, "utf8"));
    this.append(this.leadingSpace ? COLON : COLON_SPACE);
    this.append(v);
    this.append(CRLF);
  }

  endOfHeaders(): void {
    if (this.headersEnded) return;
    this.headersEnded = true;
    this.append(CRLF);
  }

  addBody(chunk: Buffer): void {
    if (!this.headersEnded) this.endOfHeaders();
    this.append(chunk);
  }

  get totalBytes(): number {
    return this.total;
  }

  private append(data: Buffer): void {
    this.total += data.length;
    const room = this.cap - this.captured;
    if (room <= 0 || data.length === 0) return;
    // Copy: the packet's buffer may be a view into a larger socket chunk that must not be kept alive.
    const piece = Buffer.from(data.subarray(0, Math.min(room, data.length)));
    this.parts.push(piece);
    this.captured += piece.length;
  }

  /** The captured message in one SharedArrayBuffer-backed Buffer. */
  finish(): CapturedMessage {
    if (!this.headersEnded) this.endOfHeaders();
    const shared = new SharedArrayBuffer(this.captured);
    const raw = Buffer.from(shared);
    let offset = 0;
    for (const part of this.parts) {
      raw.set(part, offset);
      offset += part.length;
    }
    return { raw, truncated: this.total > this.captured, totalBytes: this.total };
  }
}
