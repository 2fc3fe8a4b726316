/**
 * The events the libmilter shim (native/shim/events.c) queues for JavaScript, and their decoding from the
 * buffer fg_poll fills. The type numbers mirror the shim's `FG_EV_*`.
 */
import type { ConnectInfo } from "../../vocabulary/mail.js";
import type { Stage } from "../../vocabulary/stage.js";

export const FG_EV_NEGOTIATE = 1;
export const FG_EV_CONNECT = 2;
export const FG_EV_HELO = 3;
export const FG_EV_MAIL = 4;
export const FG_EV_RCPT = 5;
export const FG_EV_DATA = 6;
export const FG_EV_HEADER = 7;
export const FG_EV_EOH = 8;
export const FG_EV_BODY = 9;
export const FG_EV_EOM = 10;
export const FG_EV_ABORT = 11;
export const FG_EV_CLOSE = 12;
export const FG_EV_UNKNOWN = 13;
export const FG_EV_TIMEOUT = 14;
export const FG_EV_STOPPED = 15;
/** A connection refused at option negotiation: the session limit was reached. */
export const FG_EV_REFUSED = 16;

/** Set in an event's flags when the shim waits for an answer (fg_reply). */
export const FG_FLAG_WANTS_REPLY = 1;

/** The event type of each stage a policy may decide at, for the shim's decide mask. */
export const EVENT_OF_STAGE: Partial<Record<Stage, number>> = {
  connect: FG_EV_CONNECT,
  helo: FG_EV_HELO,
  mail: FG_EV_MAIL,
  rcpt: FG_EV_RCPT,
  data: FG_EV_DATA,
  eoh: FG_EV_EOH,
  unknown: FG_EV_UNKNOWN,
};

/** One event: which session (slot and generation), which answer it awaits (seq), and its raw fields. */
export interface ShimEvent {
  slot: number;
  gen: number;
  seq: number;
  type: number;
  wantsReply: boolean;
  /** Views into the poll buffer: valid only until the next fg_poll. */
  fields: Buffer[];
}

const HEADER_BYTES = 20;

/** Split a filled poll buffer into events. Throws on a truncated buffer (a shim bug). */
export function decodeEvents(buf: Buffer, length: number): ShimEvent[] {
  const events: ShimEvent[] = [];
  let offset = 0;
  while (offset < length) {
    if (offset + HEADER_BYTES > length) throw new Error(`libmilter shim: truncated event header at ${offset}`);
    const total = buf.readUInt32LE(offset);
    const end = offset + total;
    if (total < HEADER_BYTES || end > length) throw new Error(`libmilter shim: bad event length ${total} at ${offset}`);
    const count = buf.readUInt16LE(offset + 18);
    const fields: Buffer[] = [];
    let p = offset + HEADER_BYTES;
    for (let i = 0; i < count; i++) {
      if (p + 4 > end) throw new Error("libmilter shim: truncated event field");
      const len = buf.readUInt32LE(p);
      if (p + 4 + len > end) throw new Error("libmilter shim: event field past its event");
      fields.push(buf.subarray(p + 4, p + 4 + len));
      p += 4 + len;
    }
    events.push({
      slot: buf.readUInt32LE(offset + 4),
      gen: buf.readUInt32LE(offset + 8),
      seq: buf.readUInt32LE(offset + 12),
      type: buf[offset + 16]!,
      wantsReply: (buf[offset + 17]! & FG_FLAG_WANTS_REPLY) !== 0,
      fields,
    });
    offset = end;
  }
  return events;
}

/** A field as a string (UTF-8, as libmilter hands C strings over). */
export function text(field: Buffer | undefined): string {
  return field ? field.toString("utf8") : "";
}

/** A `name\0value\0…` field as [key, value] pairs, the macro names without braces. */
export function macroPairs(field: Buffer | undefined): Array<[string, string]> {
  if (!field || field.length === 0) return [];
  const parts = field.toString("utf8").split("\0");
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) pairs.push([macroKey(parts[i]!), parts[i + 1]!]);
  return pairs;
}

/** `{name}` → `name`; one-letter names stay. */
export function macroKey(name: string): string {
  return name.length > 2 && name.startsWith("{") && name.endsWith("}") ? name.slice(1, -1) : name;
}

/** The connect event's fields (host, family letter, port, address) as the session API's ConnectInfo. */
export function connectInfo(fields: readonly Buffer[]): ConnectInfo {
  const hostname = text(fields[0]);
  const family = text(fields[1]);
  const port = text(fields[2]);
  const address = text(fields[3]);
  switch (family) {
    case "4":
      return { hostname, family: "inet", address, port: Number(port) };
    case "6":
      return { hostname, family: "inet6", address, port: Number(port) };
    case "L":
      return { hostname, family: "unix", address, port: null };
    default:
      return { hostname, family: "unknown", address: null, port: null };
  }
}
