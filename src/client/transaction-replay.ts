/**
 * One whole message, MAIL to end of message, replayed as the client's MTA style does it: Postfix ends every
 * transaction with two aborts and streams all headers in one write when none of them is answered; a non-continue
 * response before end of message ends the transaction there.
 */
import { encodeCommand } from "../milter/commands.js";
import {
  MILTER_CHUNK_SIZE,
  SMFIC_BODY,
  SMFIC_BODYEOB,
  SMFIC_DATA,
  SMFIC_EOH,
  SMFIC_HEADER,
  SMFIC_MAIL,
  SMFIC_RCPT,
  SMFIP_HDR_LEADSPC,
  SMFIP_NOBODY,
  SMFIP_NODATA,
  SMFIP_NOEOH,
  SMFIP_NOHDRS,
  SMFIP_NOMAIL,
  SMFIP_NORCPT,
  SMFIP_NR_BODY,
  SMFIP_NR_DATA,
  SMFIP_NR_EOH,
  SMFIP_NR_HDR,
  SMFIP_NR_MAIL,
  SMFIP_NR_RCPT,
} from "../milter/constants.js";
import type { Response } from "../milter/responses.js";
import type { EomResult, MtaStyle, StepResult, TestMessage, TransactionResult } from "./client-types.js";
import { endOfMessageMacros, mailMacros, messageMacros, rcptMacros, type Macros } from "./mta-macros.js";

/** Send macros then a command; wait for its reply unless the `skipFlag` (NO*) or `noReplyFlag` (NR_*) applies. */
export type SendStep = (
  name: StepResult["command"],
  code: number,
  frame: Buffer,
  macros: Macros | null,
  skipFlag: number,
  noReplyFlag: number,
) => Promise<StepResult>;

/** What a replay needs of the client: its negotiated session, one command at a time, and raw writes. */
export interface StepSender {
  readonly style: MtaStyle;
  /** The negotiated protocol version. */
  readonly version: number;
  /** Whether a SMFIP_* bit was negotiated. */
  hasFlag(bit: number): boolean;
  step: SendStep;
  sendRaw(data: Buffer): void;
  readEndOfMessage(): Promise<EomResult>;
}

/** One transaction being replayed: the client, the message, the MTA's queue id, and the steps so far. */
interface Replay {
  client: StepSender;
  message: TestMessage;
  queueId: string;
  steps: StepResult[];
}

/** The response that ended a transaction before end of message; undefined while it goes on. */
type Ended = Response["type"] | undefined;

/** Record a step; a non-continue response ends the transaction. */
function record(steps: StepResult[], step: StepResult): Ended {
  steps.push(step);
  return step.response !== null && step.response !== "continue" ? step.response : undefined;
}

/** Replay `message` as one transaction, with `queueId` as the MTA's queue id. */
export async function replayTransaction(
  client: StepSender,
  message: TestMessage,
  queueId: string,
): Promise<TransactionResult> {
  const steps: StepResult[] = [];
  const replay: Replay = { client, message, queueId, steps };
  const abortTwice = () => {
    if (client.style === "postfix") client.sendRaw(Buffer.concat([encodeCommand.abort(), encodeCommand.abort()]));
  };
  const ended = (await sendEnvelope(replay)) ?? (await sendHeaders(replay)) ?? (await sendBody(replay));
  if (ended !== undefined) {
    abortTwice();
    return { steps, eom: null, earlyExit: ended };
  }
  const started = performance.now();
  const eomFrame = encodeCommand.macro(SMFIC_BODYEOB, endOfMessageMacros(client.style, queueId));
  client.sendRaw(Buffer.concat([eomFrame, encodeCommand.eob()]));
  const eom = await client.readEndOfMessage();
  steps.push({ command: "eom", response: eom.action, ms: performance.now() - started });
  abortTwice();
  return { steps, eom };
}

/** MAIL, every RCPT (all refused ends the transaction as a reject), and DATA from protocol version 4 on. */
async function sendEnvelope({ client, message, queueId, steps }: Replay): Promise<Ended> {
  const mailFrame = encodeCommand.mail(message.sender, ["BODY=8BITMIME"]);
  const macros = mailMacros(client.style, message.sender, queueId);
  const mail = record(steps, await client.step("mail", SMFIC_MAIL, mailFrame, macros, SMFIP_NOMAIL, SMFIP_NR_MAIL));
  if (mail !== undefined) return mail;
  let accepted = 0;
  for (const rcpt of message.recipients) {
    const frame = encodeCommand.rcpt(rcpt);
    const s = await client.step("rcpt", SMFIC_RCPT, frame, rcptMacros(rcpt), SMFIP_NORCPT, SMFIP_NR_RCPT);
    steps.push(s);
    if (s.response === null || s.response === "continue" || s.response === "accept") accepted++;
  }
  if (accepted === 0) return "reject";
  if (client.version < 4) return undefined;
  const iMacro = messageMacros(client.style, queueId);
  return record(
    steps,
    await client.step("data", SMFIC_DATA, encodeCommand.data(), iMacro, SMFIP_NODATA, SMFIP_NR_DATA),
  );
}

/** Every header, then EOH. */
async function sendHeaders({ client, message, queueId, steps }: Replay): Promise<Ended> {
  const iMacro = messageMacros(client.style, queueId);
  const leadingSpace = client.hasFlag(SMFIP_HDR_LEADSPC);
  if (client.style === "postfix" && client.hasFlag(SMFIP_NR_HDR) && !client.hasFlag(SMFIP_NOHDRS)) {
    // Postfix streams all headers in one write when none of them is answered (milter-protocol.md §1.5).
    const parts: Buffer[] = [];
    const headerMacro = iMacro ? encodeCommand.macro(SMFIC_HEADER, iMacro) : null;
    for (const [name, value] of message.headers) {
      if (headerMacro) parts.push(headerMacro);
      parts.push(encodeCommand.header(name, leadingSpace ? ` ${value}` : value));
      steps.push({ command: "header", response: null, ms: 0 });
    }
    if (parts.length > 0) client.sendRaw(Buffer.concat(parts));
  } else {
    for (const [name, value] of message.headers) {
      const frame = encodeCommand.header(name, leadingSpace ? ` ${value}` : value);
      const ended = record(steps, await client.step("header", SMFIC_HEADER, frame, iMacro, SMFIP_NOHDRS, SMFIP_NR_HDR));
      if (ended !== undefined) return ended;
    }
  }
  return record(steps, await client.step("eoh", SMFIC_EOH, encodeCommand.eoh(), iMacro, SMFIP_NOEOH, SMFIP_NR_EOH));
}

/** The body in chunks of MILTER_CHUNK_SIZE, until a skip. */
async function sendBody({ client, message, queueId, steps }: Replay): Promise<Ended> {
  const iMacro = messageMacros(client.style, queueId);
  const body = typeof message.body === "string" ? Buffer.from(message.body) : message.body;
  for (let i = 0; i < body.length; i += MILTER_CHUNK_SIZE) {
    const frame = encodeCommand.body(body.subarray(i, i + MILTER_CHUNK_SIZE));
    const s = await client.step("body", SMFIC_BODY, frame, iMacro, SMFIP_NOBODY, SMFIP_NR_BODY);
    if (s.response === "skip") {
      steps.push(s);
      return undefined;
    }
    const ended = record(steps, s);
    if (ended !== undefined) return ended;
  }
  return undefined;
}
