/**
 * What a milter session carries of the mail: the SMTP client, envelope addresses, headers and the captured
 * message, as the codec parses them and the policy reads them.
 */

/** Where the SMTP client came from (milter-protocol.md §1.8). */
export interface ConnectInfo {
  /** The client's host name as the MTA resolved it, or `[address]`. */
  hostname: string;
  family: "inet" | "inet6" | "unix" | "unknown";
  /** The plain address: no Sendmail `IPv6:` prefix, no brackets. Null for family `unknown`. */
  address: string | null;
  /** The client's port; null for `unix` and `unknown`. */
  port: number | null;
}

export interface EnvelopeAddress {
  /** The address without angle brackets; the null sender is "". */
  address: string;
  /** ESMTP arguments as sent, such as `SIZE=1234`. */
  args: string[];
}

export interface Header {
  name: string;
  /** The value as the MTA sent it: folded lines joined with "\n", leading space kept when negotiated. */
  value: string;
}

/** The message as captured for the policy, capped at `milter.messageCaptureBytes`. */
export interface CapturedMessage {
  /**
   * The headers (as `Name:value\r\n`, reconstructed) then a blank line then the body, up to the cap.
   * The Buffer is backed by a SharedArrayBuffer, so a thread reads it without a copy. Do not modify it.
   */
  raw: Buffer;
  /** True when the message was longer than the cap and `raw` holds only its beginning. */
  truncated: boolean;
  /** The whole message's size in bytes as received, whether captured or not. */
  totalBytes: number;
}
