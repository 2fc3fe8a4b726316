/**
 * Commands, MTA → milter: payload parsing (for the engine) and encoding (for src/client).
 * Parsing is as lenient as libmilter: odd macro lists, missing NULs, unbracketed or empty senders (§1.3, §1.7, §1.8).
 */
import {
  SMFIA_INET,
  SMFIA_INET6,
  SMFIA_UNIX,
  SMFIA_UNKNOWN,
  SMFIC_ABORT,
  SMFIC_BODY,
  SMFIC_BODYEOB,
  SMFIC_CONNECT,
  SMFIC_DATA,
  SMFIC_EOH,
  SMFIC_HEADER,
  SMFIC_HELO,
  SMFIC_MACRO,
  SMFIC_MAIL,
  SMFIC_OPTNEG,
  SMFIC_QUIT,
  SMFIC_QUIT_NC,
  SMFIC_RCPT,
  SMFIC_UNKNOWN,
  MILTER_OPTLEN,
} from "./constants.js";
import { encodeFrame, encodeStringsFrame } from "./encoder.js";
import type { Frame } from "./decoder.js";
import { cStrings, readCString, splitCStrings } from "./strings.js";
import type { ConnectInfo, EnvelopeAddress } from "../vocabulary/mail.js";

export type Command =
  | { type: "optneg"; version: number; actions: number; protocol: number }
  | { type: "macro"; forCode: number; pairs: Array<[string, string]> }
  | { type: "connect"; info: ConnectInfo }
  | { type: "helo"; name: string }
  | { type: "mail"; sender: EnvelopeAddress }
  | { type: "rcpt"; recipient: EnvelopeAddress }
  | { type: "data" }
  | { type: "header"; name: string; value: string; raw: Buffer }
  | { type: "eoh" }
  | { type: "body"; chunk: Buffer }
  | { type: "eob"; chunk: Buffer }
  | { type: "unknown"; command: string }
  | { type: "abort" }
  | { type: "quit" }
  | { type: "quitNc" }
  | { type: "unrecognised"; code: number };

/** A payload that cannot be read at all (as opposed to one read leniently). */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/** Parse one command frame. Throws CommandError only for payloads no MTA would send (e.g. a short OPTNEG). */
export function parseCommand(frame: Frame): Command {
  const { code, payload } = frame;
  switch (code) {
    case SMFIC_OPTNEG:
      if (payload.length < MILTER_OPTLEN)
        throw new CommandError(code, `option negotiation payload of ${payload.length} bytes, need ${MILTER_OPTLEN}`);
      return {
        type: "optneg",
        version: payload.readUInt32BE(0),
        actions: payload.readUInt32BE(4),
        protocol: payload.readUInt32BE(8),
      };
    case SMFIC_MACRO:
      return parseMacro(payload);
    case SMFIC_CONNECT:
      return { type: "connect", info: parseConnect(payload) };
    case SMFIC_HELO:
      return { type: "helo", name: readCString(payload, 0).value };
    case SMFIC_MAIL:
      return { type: "mail", sender: parseEnvelope(payload) };
    case SMFIC_RCPT:
      return { type: "rcpt", recipient: parseEnvelope(payload) };
    case SMFIC_DATA:
      return { type: "data" };
    case SMFIC_HEADER: {
      const name = readCString(payload, 0);
      const value = readCString(payload, name.next);
      return { type: "header", name: name.value, value: value.value, raw: payload };
    }
    case SMFIC_EOH:
      return { type: "eoh" };
    case SMFIC_BODY:
      return { type: "body", chunk: payload };
    case SMFIC_BODYEOB:
      return { type: "eob", chunk: payload };
    case SMFIC_UNKNOWN:
      return { type: "unknown", command: readCString(payload, 0).value };
    case SMFIC_ABORT:
      return { type: "abort" };
    case SMFIC_QUIT:
      return { type: "quit" };
    case SMFIC_QUIT_NC:
      return { type: "quitNc" };
    default:
      return { type: "unrecognised", code };
  }
}

/** `D`: a command code, then name/value pairs; zero pairs and an odd count are accepted (§1.7). */
function parseMacro(payload: Buffer): Command {
  return { type: "macro", forCode: payload[0] ?? 0, pairs: macroPairs(payload) };
}

/**
 * The name/value pairs of a `D` payload (after its command code): a pair with an empty name and a name without a
 * value are skipped, zero pairs are none (§1.7).
 */
export function macroPairs(payload: Buffer): Array<[string, string]> {
  return readMacroPairs(payload, Infinity).pairs;
}

/**
 * At most `maxPairs` pairs of a `D` payload, as macroPairs reads them, and whether more followed (`cut`). The scan
 * stops at the limit: what lies past it is neither read nor decoded, so a packet costs what its kept pairs cost.
 */
export function readMacroPairs(payload: Buffer, maxPairs: number): { pairs: Array<[string, string]>; cut: boolean } {
  const pairs: Array<[string, string]> = [];
  let from = 1;
  for (let read = 0; from < payload.length; read++) {
    if (read >= maxPairs) return { pairs, cut: true };
    const nameEnd = payload.indexOf(0, from);
    if (nameEnd < 0 || nameEnd + 1 >= payload.length) break; // a name without its value
    let valueEnd = payload.indexOf(0, nameEnd + 1);
    if (valueEnd < 0) valueEnd = payload.length;
    if (nameEnd > from)
      pairs.push([payload.toString("utf8", from, nameEnd), payload.toString("utf8", nameEnd + 1, valueEnd)]);
    from = valueEnd + 1;
  }
  return { pairs, cut: false };
}

/** `C`: hostname, family, then port and address for families other than `U` (§1.8). */
export function parseConnect(payload: Buffer): ConnectInfo {
  const host = readCString(payload, 0);
  const family = payload[host.next];
  if (family === undefined || family === SMFIA_UNKNOWN) {
    return { hostname: host.value, family: "unknown", address: null, port: null };
  }
  const port = host.next + 3 <= payload.length ? payload.readUInt16BE(host.next + 1) : 0;
  const address = host.next + 3 <= payload.length ? readCString(payload, host.next + 3).value : "";
  switch (family) {
    case SMFIA_INET:
      return { hostname: host.value, family: "inet", address: stripAddressDecoration(address), port };
    case SMFIA_INET6:
      return { hostname: host.value, family: "inet6", address: stripAddressDecoration(address), port };
    case SMFIA_UNIX:
      return { hostname: host.value, family: "unix", address, port: null };
    default:
      return { hostname: host.value, family: "unknown", address: address || null, port: null };
  }
}

/** Sendmail writes `IPv6:` before IPv6 addresses, and some MTAs bracket literals (§1.8). */
export function stripAddressDecoration(address: string): string {
  let a = address;
  if (a.startsWith("[") && a.endsWith("]")) a = a.slice(1, -1);
  if (a.toLowerCase().startsWith("ipv6:")) a = a.slice(5);
  return a;
}

/**
 * ESMTP arguments of one MAIL or RCPT kept at most: RFC 5321 defines a handful, and a 64 KiB packet of NULs would
 * otherwise be 64K strings.
 */
export const MAX_ESMTP_ARGS = 64;

/**
 * `M`/`R`: the address (brackets removed; Postfix cleanup sends it bare, the null sender empty) then its first
 * MAX_ESMTP_ARGS ESMTP arguments; the rest are not split out.
 */
export function parseEnvelope(payload: Buffer): EnvelopeAddress {
  const [first = "", ...args] = splitCStrings(payload, 0, 1 + MAX_ESMTP_ARGS);
  return { address: stripBrackets(first), args };
}

export function stripBrackets(address: string): string {
  const a = address.trim();
  return a.startsWith("<") && a.endsWith(">") ? a.slice(1, -1) : a;
}

/** Encoders for the MTA side (src/client). */
export const encodeCommand = {
  optneg(version: number, actions: number, protocol: number): Buffer {
    const p = Buffer.allocUnsafe(MILTER_OPTLEN);
    p.writeUInt32BE(version, 0);
    p.writeUInt32BE(actions, 4);
    p.writeUInt32BE(protocol, 8);
    return encodeFrame(SMFIC_OPTNEG, p);
  },
  macro(forCode: number, pairs: Array<[string, string]>): Buffer {
    return encodeStringsFrame(SMFIC_MACRO, pairs.flat(), Uint8Array.of(forCode));
  },
  connect(info: ConnectInfo, sendmailStyle = false): Buffer {
    const host = cStrings(info.hostname);
    if (info.family === "unknown")
      return encodeFrame(SMFIC_CONNECT, Buffer.concat([host, Buffer.from([SMFIA_UNKNOWN])]));
    const family = info.family === "inet" ? SMFIA_INET : info.family === "inet6" ? SMFIA_INET6 : SMFIA_UNIX;
    const port = Buffer.alloc(2);
    port.writeUInt16BE(info.port ?? 0, 0);
    const address = info.family === "inet6" && sendmailStyle ? `IPv6:${info.address ?? ""}` : (info.address ?? "");
    return encodeFrame(SMFIC_CONNECT, Buffer.concat([host, Buffer.from([family]), port, cStrings(address)]));
  },
  helo(name: string): Buffer {
    return encodeStringsFrame(SMFIC_HELO, [name]);
  },
  mail(sender: string, args: string[] = [], bracket = true): Buffer {
    return encodeStringsFrame(SMFIC_MAIL, [bracket ? `<${sender}>` : sender, ...args]);
  },
  rcpt(recipient: string, args: string[] = []): Buffer {
    return encodeStringsFrame(SMFIC_RCPT, [`<${recipient}>`, ...args]);
  },
  data(): Buffer {
    return encodeFrame(SMFIC_DATA);
  },
  header(name: string, value: string): Buffer {
    return encodeStringsFrame(SMFIC_HEADER, [name, value]);
  },
  eoh(): Buffer {
    return encodeFrame(SMFIC_EOH);
  },
  body(chunk: Buffer): Buffer {
    return encodeFrame(SMFIC_BODY, chunk);
  },
  eob(chunk?: Buffer): Buffer {
    return encodeFrame(SMFIC_BODYEOB, chunk);
  },
  unknown(command: string): Buffer {
    return encodeStringsFrame(SMFIC_UNKNOWN, [command]);
  },
  abort(): Buffer {
    return encodeFrame(SMFIC_ABORT);
  },
  quit(): Buffer {
    return encodeFrame(SMFIC_QUIT);
  },
  quitNc(): Buffer {
    return encodeFrame(SMFIC_QUIT_NC);
  },
};
