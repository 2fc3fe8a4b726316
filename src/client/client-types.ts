/**
 * What the MTA-side client is given and what it reports: its options, a message to send, and each command's
 * response with its latency.
 */
import type { MacroLists, Response } from "../milter/responses.js";
import type { Modification } from "../vocabulary/modification.js";

export type MtaStyle = "postfix" | "sendmail";

export interface ClientOptions {
  style?: MtaStyle;
  version?: number;
  actions?: number;
  protocol?: number;
  /** A reply not received within this long fails the call. @defaultValue 30000 */
  timeoutMs?: number;
}

export interface NegotiatedOptions {
  version: number;
  actions: number;
  protocol: number;
  macros: MacroLists;
}

export interface TestMessage {
  sender: string;
  recipients: readonly string[];
  /** Header values without the leading space (the client adds it when SMFIP_HDR_LEADSPC is negotiated). */
  headers: ReadonlyArray<readonly [string, string]>;
  /** The body with CRLF line endings. */
  body: Buffer | string;
  queueId?: string;
}

/** One command's outcome: the response (null when none was expected) and how long it took, in ms. */
export interface StepResult {
  command: "connect" | "helo" | "mail" | "rcpt" | "data" | "header" | "eoh" | "body" | "eom";
  response: Response["type"] | null;
  /** The text of an SMFIR_REPLYCODE answer. */
  reply?: string;
  ms: number;
}

export interface EomResult {
  /** The final response: continue, accept, reject, tempfail, discard, replyCode… */
  action: Response["type"];
  /** The text of an SMFIR_REPLYCODE. */
  reply?: string;
  modifications: Modification[];
  progress: number;
}

export interface TransactionResult {
  steps: StepResult[];
  /** Null when the transaction ended before end of message (a reject or tempfail at MAIL, all RCPTs refused). */
  eom: EomResult | null;
  /** The first non-continue response before end of message, if any. */
  earlyExit?: Response["type"];
}

export class MilterClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MilterClientError";
  }
}

/** A plain test message: headers and a CRLF body. */
export function simpleMessage(sender: string, recipients: string[], subject: string, body: string): TestMessage {
  return {
    sender,
    recipients,
    headers: [
      ["From", `<${sender}>`],
      ["To", recipients.map((r) => `<${r}>`).join(", ")],
      ["Subject", subject],
      ["Message-ID", `<${Math.random().toString(36).slice(2)}@lab.local>`],
      ["Date", new Date().toUTCString()],
    ],
    body: body.replace(/\r?\n/g, "\r\n"),
  };
}
