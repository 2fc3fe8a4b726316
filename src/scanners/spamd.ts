/**
 * SpamAssassin's spamd over TCP, in the SPAMC/SPAMD protocol (spamd(8), "PROTOCOL" in the SpamAssassin sources):
 * `CHECK SPAMC/1.5` with `Content-length` and `User`, answered by `SPAMD/1.1 0 EX_OK` and `Spam: True ; 15.0 / 5.0`.
 */
import { tcpExchange } from "./tcp.js";
import { ScannerError, type ScanResult, type Scanner } from "./types.js";

/** The protocol version we speak. */
export const SPAMC_PROTOCOL = "SPAMC/1.5";
/** spamd's success code (EX_OK of sysexits.h). */
export const EX_OK = 0;

export interface SpamdOptions {
  host: string;
  port: number;
  timeoutMs: number;
  /** The `User` header: whose preferences spamd applies; null sends none. */
  user: string | null;
}

/** The bytes of a CHECK request for one message. */
export function encodeSpamdCheck(message: Buffer, user: string | null): Buffer[] {
  let head = `CHECK ${SPAMC_PROTOCOL}\r\nContent-length: ${message.length}\r\n`;
  if (user !== null) head += `User: ${user}\r\n`;
  head += "\r\n";
  return [Buffer.from(head, "latin1"), message];
}

/** Read spamd's reply to CHECK; throws `ScannerError` ("protocol") for an error status or a reply it cannot read. */
export function parseSpamdReply(reply: Buffer | string, scanner = "spamd"): ScanResult {
  const text = typeof reply === "string" ? reply : reply.toString("latin1");
  const headEnd = text.indexOf("\r\n\r\n");
  const lines = (headEnd >= 0 ? text.slice(0, headEnd) : text).split(/\r?\n/).filter((l) => l.length > 0);
  const status = /^SPAMD\/(\d+\.\d+) +(\d+) (.*)$/.exec(lines[0] ?? "");
  if (!status) throw new ScannerError(scanner, "protocol", `unreadable status line ${JSON.stringify(lines[0] ?? "")}`);
  const code = Number(status[2]);
  if (code !== EX_OK) throw new ScannerError(scanner, "protocol", `spamd answered ${code} ${status[3]?.trim()}`);
  for (const line of lines.slice(1)) {
    const spam = /^Spam: *(True|False|Yes|No) *; *(-?\d+(?:\.\d+)?) *\/ *(-?\d+(?:\.\d+)?) *$/i.exec(line);
    if (!spam) continue;
    const flag = spam[1]!.toLowerCase();
    const isSpam = flag === "true" || flag === "yes";
    return { verdict: isSpam ? "spam" : "ham", score: Number(spam[2]), details: `required ${Number(spam[3])}` };
  }
  throw new ScannerError(scanner, "protocol", "no Spam header in the reply");
}

/** A scanner that asks spamd. */
export function createSpamdScanner(options: SpamdOptions): Scanner {
  const name = "spamd";
  return {
    name,
    async scan(message, signal) {
      const reply = await tcpExchange({ ...options, scanner: name, signal }, encodeSpamdCheck(message, options.user));
      return parseSpamdReply(reply, name);
    },
  };
}
