/**
 * Turn an RFC 5322 message (LF or CRLF) into what an MTA sends a milter: header fields with their folded values
 * (continuation lines joined by "\n", the one leading space after the colon removed, §1.3) and a CRLF body.
 */
import type { TestMessage } from "./milter-client.js";

export function splitRawMessage(raw: Buffer): { headers: Array<[string, string]>; body: Buffer } {
  const text = raw.toString("latin1");
  const crlf = text.replace(/\r?\n/g, "\r\n");
  let end = crlf.indexOf("\r\n\r\n");
  if (end < 0) end = crlf.length;
  const head = crlf.slice(0, end);
  const body = Buffer.from(crlf.slice(Math.min(end + 4, crlf.length)), "latin1");
  const headers: Array<[string, string]> = [];
  for (const line of head.split("\r\n")) {
    if (line === "" || line.startsWith("From ")) continue;
    const last = headers.at(-1);
    if (/^[ \t]/.test(line) && last) {
      last[1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const value = line.slice(colon + 1);
    headers.push([line.slice(0, colon), value.startsWith(" ") ? value.slice(1) : value]);
  }
  // Header values travel as UTF-8 strings in the client: keep the original bytes by decoding latin1 as bytes.
  return {
    headers: headers.map(([n, v]) => [n, Buffer.from(v, "latin1").toString("utf8")]),
    body,
  };
}

/** A TestMessage for the client from a raw message and an envelope. */
export function rawToTestMessage(raw: Buffer, sender: string, recipients: readonly string[]): TestMessage {
  const { headers, body } = splitRawMessage(raw);
  return { sender, recipients, headers, body };
}
