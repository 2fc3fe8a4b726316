/**
 * SpamAssassin's spamd in the SPAMC/SPAMD protocol (spamd(8), "PROTOCOL" in the SpamAssassin sources), over TCP or
 * a unix socket: `REPORT SPAMC/1.5` with `Content-length` and `User`, answered by `SPAMD/1.1 0 EX_OK`,
 * `Spam: True ; 15.0 / 5.0` and the report, whose table gives the rules that weighed most; and `TELL` (what
 * `spamc -L spam|ham|forget` sends) to teach its Bayes database a message.
 */
import { connect } from "node:net";
import { tcpExchange } from "./tcp.js";
import { MAX_SCAN_RULES, ScannerError, type LearnAs, type ScanResult, type Scanner } from "./types.js";

/** The protocol version we speak. */
export const SPAMC_PROTOCOL = "SPAMC/1.5";
/** spamd's success code (EX_OK of sysexits.h). */
export const EX_OK = 0;

export interface SpamdOptions {
  host: string;
  port: number;
  /** A unix socket instead of host and port. */
  socket?: string | null;
  timeoutMs: number;
  /** The `User` header: whose preferences spamd applies; null sends none. */
  user: string | null;
}

/** The request head and the message, for one command. */
function request(command: string, message: Buffer, user: string | null, fields: readonly string[] = []): Buffer[] {
  let head = `${command} ${SPAMC_PROTOCOL}\r\nContent-length: ${message.length}\r\n`;
  for (const field of fields) head += `${field}\r\n`;
  if (user !== null) head += `User: ${user}\r\n`;
  head += "\r\n";
  return [Buffer.from(head, "latin1"), message];
}

/** The bytes of a REPORT request for one message. */
export function encodeSpamdReport(message: Buffer, user: string | null): Buffer[] {
  return request("REPORT", message, user);
}

/**
 * The bytes of a TELL request: learn as spam or ham (`Set: local`), or forget (`Remove: local`, with the class it was
 * taught as, which spamd requires).
 */
export function encodeSpamdTell(
  message: Buffer,
  as: LearnAs,
  user: string | null,
  forgetting: "spam" | "ham" = "spam",
) {
  const fields =
    as === "forget" ? [`Message-class: ${forgetting}`, "Remove: local"] : [`Message-class: ${as}`, "Set: local"];
  return request("TELL", message, user, fields);
}

/** The status line and header lines of a reply, and its body; throws for an error status. */
function readReply(text: string, scanner: string): { lines: string[]; body: string } {
  const headEnd = text.indexOf("\r\n\r\n");
  const lines = (headEnd >= 0 ? text.slice(0, headEnd) : text).split(/\r?\n/).filter((l) => l.length > 0);
  const status = /^SPAMD\/(\d+\.\d+) +(\d+) (.*)$/.exec(lines[0] ?? "");
  if (!status) throw new ScannerError(scanner, "protocol", `unreadable status line ${JSON.stringify(lines[0] ?? "")}`);
  const code = Number(status[2]);
  if (code !== EX_OK) throw new ScannerError(scanner, "protocol", `spamd answered ${code} ${status[3]?.trim()}`);
  return { lines: lines.slice(1), body: headEnd >= 0 ? text.slice(headEnd + 4) : "" };
}

/** A rule line of the report's table: points, then the rule's name. */
const RULE_LINE = /^ *(-?\d{1,4}(?:\.\d{1,4})?) +([A-Z][A-Z0-9_]{0,63})(?: |$)/;

/** The rules of a report's table that weighed most, highest first (rules of zero or fewer points left out). */
export function topRules(report: string): string[] {
  const rules: Array<{ name: string; points: number }> = [];
  for (const line of report.split("\n", 400)) {
    const m = RULE_LINE.exec(line);
    if (m && Number(m[1]) > 0) rules.push({ name: m[2] as string, points: Number(m[1]) });
  }
  rules.sort((a, b) => b.points - a.points);
  return rules.slice(0, MAX_SCAN_RULES).map((r) => r.name);
}

/** Read spamd's reply to CHECK or REPORT; throws `ScannerError` ("protocol") for an error or a reply it cannot read. */
export function parseSpamdReply(reply: Buffer | string, scanner = "spamd"): ScanResult {
  const text = typeof reply === "string" ? reply : reply.toString("latin1");
  const { lines, body } = readReply(text, scanner);
  for (const line of lines) {
    const spam = /^Spam: *(True|False|Yes|No) *; *(-?\d+(?:\.\d+)?) *\/ *(-?\d+(?:\.\d+)?) *$/i.exec(line);
    if (!spam) continue;
    const flag = spam[1]!.toLowerCase();
    const isSpam = flag === "true" || flag === "yes";
    return {
      verdict: isSpam ? "spam" : "ham",
      score: Number(spam[2]),
      threshold: Number(spam[3]),
      rules: topRules(body),
    };
  }
  throw new ScannerError(scanner, "protocol", "no Spam header in the reply");
}

/** Read spamd's reply to TELL: it must say it did what was asked (`DidSet` or `DidRemove`). */
export function parseTellReply(reply: Buffer | string, scanner = "spamd"): void {
  const { lines } = readReply(typeof reply === "string" ? reply : reply.toString("latin1"), scanner);
  if (!lines.some((line) => /^Did(Set|Remove): *local/i.test(line)))
    throw new ScannerError(scanner, "protocol", "spamd did not learn the message (is --allow-tell on?)");
}

/** A scanner that asks spamd, and can teach it. */
export interface SpamdScanner extends Scanner {
  learn(message: Buffer, as: LearnAs, forgetting?: "spam" | "ham", signal?: AbortSignal): Promise<void>;
}

/** A scanner that asks spamd. */
export function createSpamdScanner(options: SpamdOptions): SpamdScanner {
  const name = "spamd";
  const exchange = (parts: Buffer[], signal?: AbortSignal) =>
    tcpExchange({ ...options, scanner: name, ...(signal ? { signal } : {}) }, parts);
  return {
    name,
    saysHam: true,
    async scan(message, signal) {
      return parseSpamdReply(await exchange(encodeSpamdReport(message, options.user), signal), name);
    },
    async learn(message, as, forgetting, signal) {
      parseTellReply(await exchange(encodeSpamdTell(message, as, options.user, forgetting), signal), name);
    },
  };
}

/** Ask spamd PING on a unix socket (`path`) or TCP (`host`, `port`); true on PONG within 2 s. */
export function pingSpamd(where: { path: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect(where);
    let reply = "";
    const timer = setTimeout(() => conn.destroy(), 2000);
    conn.once("connect", () => conn.end(`PING ${SPAMC_PROTOCOL}\r\n\r\n`));
    conn.on("data", (d: Buffer) => (reply += d.toString("latin1")));
    conn.once("close", () => {
      clearTimeout(timer);
      resolve(/^SPAMD\/\d\.\d+ 0 PONG/.test(reply));
    });
    conn.once("error", () => undefined);
  });
}
