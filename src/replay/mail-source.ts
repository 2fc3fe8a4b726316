/**
 * The messages `floodgate replay` reads: a Maildir (its `cur/` and `new/`), an mbox file, or a folder of message
 * files (.eml), each with the time it arrived and the envelope the MTA would have seen, taken from its header
 * (Return-Path, else From; To, Cc and Delivered-To), since a stored message keeps no envelope.
 *
 * The time is the one the daemon would have counted the message at: the date the receiving MTA wrote on the topmost
 * Received field. The Date field is the sender's own clock, and senders' clocks are wrong often enough to matter
 * (the corpus has years 0102, 1980 and 2020): a copy dated decades off would be replayed first or last, its campaign
 * forgotten by the ttl in between, and counted as a campaign of its own where the daemon counted it with the others.
 * Only a message without a Received field that parses (one never sent through an MTA: a Sent folder, a generated
 * test message) is placed by its Date.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { readMessages, type SourcedMessage } from "../lab/mail-folder.js";

/** One message to replay. */
export interface ReplayMessage {
  file: string;
  bytes: Buffer;
  /** Unix ms it arrived (its topmost Received field, else its Date field); null when neither parses. */
  date: number | null;
  sender: string;
  recipients: string[];
}

/** Bytes of a header block read at most; recipients taken per message at most. */
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_RECIPIENTS = 1000;

/** The header fields of a raw message, unfolded, names lowercased (only the first MAX_HEADER_BYTES are read). */
export function headerFields(bytes: Buffer): Map<string, string[]> {
  const head = bytes.subarray(0, MAX_HEADER_BYTES).toString("latin1");
  const end = head.search(/\r?\n\r?\n/);
  const fields = new Map<string, string[]>();
  let name = "";
  for (const line of (end < 0 ? head : head.slice(0, end)).split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && name !== "") {
      const values = fields.get(name)!;
      values[values.length - 1] += " " + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    name = line.slice(0, colon).trim().toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** The addresses of an address-list header value: `<a@b>` parts, else bare `a@b` words. */
export function addresses(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const angle = /<([^<>\s]*)>/.exec(part)?.[1];
    const bare = part.split(/[\s<>"(),;:]/).find((word) => word.includes("@") && !word.startsWith("@"));
    const address = (angle ?? bare ?? "").toLowerCase();
    if (address !== "" || angle === "") out.push(address);
  }
  return out;
}

/** A date-time value without its trailing comment (`… +0000 (UTC)`), which Date.parse does not take. */
function withoutComment(value: string): string {
  const trimmed = value.trim();
  const open = trimmed.lastIndexOf("(");
  return trimmed.endsWith(")") && open > 0 ? trimmed.slice(0, open).trim() : trimmed;
}

/** The year of an RFC 5322 date-time (`[day-name,] day month year time zone`). */
const DATE_YEAR = /^((?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+)(\d{2,4})(?=\s)/;

/**
 * Unix ms of an RFC 5322 date-time, or null. A year below 1000 (three digits, or zero-padded to four: a clock that
 * printed its years since 1900) is 1900 plus it, as RFC 5322 section 4.3 reads three-digit years; Date.parse reads
 * two-digit years as that section does.
 */
export function parseDateTime(value: string): number | null {
  const text = withoutComment(value).replace(DATE_YEAR, (_, head: string, year: string) =>
    year.length > 2 && Number(year) < 1000 ? `${head}${1900 + Number(year)}` : `${head}${year}`,
  );
  const parsed = Date.parse(text);
  return Number.isFinite(parsed) ? parsed : null;
}

/** When a message arrived: the date after the last `;` of its topmost Received field, else its Date field. */
export function arrivalTime(fields: Map<string, string[]>): number | null {
  const received = fields.get("received")?.[0];
  const stamped = received?.includes(";") ? parseDateTime(received.slice(received.lastIndexOf(";") + 1)) : null;
  return stamped ?? parseDateTime(fields.get("date")?.[0] ?? "");
}

/** The date and envelope of a raw message. */
export function describe(source: SourcedMessage): ReplayMessage {
  const fields = headerFields(source.bytes);
  const first = (name: string) => fields.get(name)?.[0] ?? "";
  const sender = addresses(first("return-path"))[0] ?? addresses(first("from"))[0] ?? "";
  const recipients = [
    ...new Set(["to", "cc", "delivered-to"].flatMap((n) => (fields.get(n) ?? []).flatMap(addresses))),
  ].filter((a) => a !== "");
  return {
    file: source.file,
    bytes: source.bytes,
    date: arrivalTime(fields),
    sender,
    recipients: recipients.slice(0, MAX_RECIPIENTS),
  };
}

/** The kind of what PATH holds. */
export function sourceKind(path: string): "maildir" | "mbox" | "folder" {
  if (!statSync(path).isDirectory()) return "mbox";
  return existsSync(join(path, "cur")) || existsSync(join(path, "new")) ? "maildir" : "folder";
}

/** Every message of PATH (at most `limit`), with its date and envelope, in the order found. */
export function readReplayMessages(path: string, limit: number): ReplayMessage[] {
  const kind = sourceKind(path);
  const sources =
    kind === "maildir"
      ? ["cur", "new"].flatMap((sub) => (existsSync(join(path, sub)) ? readMessages(join(path, sub), limit) : []))
      : readMessages(path, limit);
  return sources.slice(0, limit).map(describe);
}

/**
 * The messages in order of arrival (stable: equal times keep the order found). A message without a time takes the
 * time of the message found before it, so it stays next to its neighbours.
 */
export function inDateOrder(messages: readonly ReplayMessage[]): { ordered: ReplayMessage[]; undated: number } {
  let last = 0;
  let undated = 0;
  const dated = messages.map((m, index) => {
    if (m.date === null) undated++;
    else last = m.date;
    return { m: m.date === null ? { ...m, date: last } : m, index };
  });
  dated.sort((a, b) => a.m.date! - b.m.date! || a.index - b.index);
  return { ordered: dated.map((d) => d.m), undated };
}
