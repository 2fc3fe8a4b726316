/**
 * Test support: the private Postfix (src/lab/postfix.ts) and the private Sendmail (test/support/sendmail.ts) behind
 * one face, so that one runner plays the real-MTA scenarios through either: where each delivers, how each spells the
 * milter address and its queue id, and what each logs when it falls back to its own default action.
 */
import { startPostfix } from "../../src/lab/postfix.js";
import {
  byMessageId,
  headerValues,
  readMaildir,
  waitForMessage,
  type DeliveredMessage,
} from "../../src/lab/maildir.js";
import { portOf } from "./e2e-engines.js";
import { startSendmail } from "./sendmail.js";
import type { MtaName } from "./mta-scenario.js";

/** A running private MTA with a milter configured. */
export interface MtaLab {
  readonly name: MtaName;
  /** Its SMTP port on 127.0.0.1. */
  readonly smtpPort: number;
  /** Wait for the copy of `messageId` delivered to `recipient`; fail with the MTA's diagnostics. */
  delivered(recipient: string, messageId: string): Promise<DeliveredMessage>;
  /** How many copies of `messageId` were delivered to `recipient` so far. */
  copies(recipient: string, messageId: string): number;
  /** The queue id in the MTA's reply to the final dot. */
  queueIdInReply(finalText: string): string | undefined;
  /** A mark in the MTA's log, for `fallbackWarnings`. */
  logMark(): number;
  /**
   * The log lines since `mark` saying the MTA applied its own default action for the milter (a timeout, a broken
   * session) instead of Floodgate's answer; null when the MTA keeps no log the lab can read.
   */
  fallbackWarnings(mark: number): string[] | null;
  stop(): Promise<void>;
}

/** Milter timeouts in seconds, well above the engine's end-of-message deadline so Floodgate's fail mode answers. */
const TIMEOUTS = { connect: 10, command: 10, content: 30 };

/**
 * Start `mta` with `milterAddress` (the engine's listen address, `inet:127.0.0.1:PORT` or `unix:/path`) as its only
 * milter and `milter_default_action = tempfail` (Sendmail: F=T from the shipped snippet).
 */
export async function startMtaLab(mta: MtaName, milterAddress: string): Promise<MtaLab> {
  return mta === "postfix" ? startPostfixLab(milterAddress) : startSendmailLab(milterAddress);
}

async function startPostfixLab(milterAddress: string): Promise<MtaLab> {
  const lab = await startPostfix({ milter: milterAddress, defaultAction: "tempfail", timeouts: TIMEOUTS });
  const mailbox = (recipient: string) => lab.mailbox(recipient.split("@")[0]!);
  return {
    name: "postfix",
    smtpPort: lab.smtpPort,
    delivered: (recipient, messageId) =>
      waitForMessage(() => readMaildir(mailbox(recipient)), byMessageId(messageId), {
        timeoutMs: 30_000,
        describe: () => `--- maillog ---\n${lab.maillog()}`,
      }),
    copies: (recipient, messageId) => readMaildir(mailbox(recipient)).filter(byMessageId(messageId)).length,
    queueIdInReply: (finalText) => /queued as ([0-9A-Za-z]+)/.exec(finalText)?.[1],
    logMark: () => lab.maillog().length,
    fallbackWarnings: (mark) =>
      lab
        .maillog()
        .slice(mark)
        .split("\n")
        .filter((l) =>
          /warning: milter |warning: connect to Milter service|Service unavailable - try again later/.test(l),
        ),
    stop: () => lab.stop(),
  };
}

async function startSendmailLab(milterAddress: string): Promise<MtaLab> {
  // Sendmail spells a TCP milter inet:PORT@HOST and a unix socket local:/path (milter-protocol.md §1.1).
  const milter = milterAddress.startsWith("unix:")
    ? `local:${milterAddress.slice("unix:".length)}`
    : `inet:${portOf(milterAddress)}@127.0.0.1`;
  const { connect, command, content } = TIMEOUTS;
  const lab = await startSendmail({ milter, timeouts: { connect, send: command, read: command, eom: content } });
  // Every message is relayed to one smtp-sink; its dump keeps the envelope recipients as X-Rcpt-Args fields.
  const to = (recipient: string) => (m: DeliveredMessage) =>
    headerValues(m, "X-Rcpt-Args").some((v) => v.split(/\s+/)[0] === `<${recipient}>`);
  const copiesOf = (recipient: string, messageId: string) =>
    lab.relayed().filter(byMessageId(messageId)).filter(to(recipient));
  return {
    name: "sendmail",
    smtpPort: lab.smtpPort,
    delivered: (recipient, messageId) =>
      waitForMessage(
        () => copiesOf(recipient, messageId),
        () => true,
        { timeoutMs: 30_000, describe: () => lab.diagnostics() },
      ),
    copies: (recipient, messageId) => copiesOf(recipient, messageId).length,
    // "250 2.0.0 <queue id> Message accepted for delivery": Sendmail names its queue id at MAIL already.
    queueIdInReply: (finalText) => /^2\.0\.0 (\S+) Message accepted/.exec(finalText)?.[1],
    logMark: () => 0,
    // Sendmail logs to syslog, which the lab does not run: the exact replies show who answered.
    fallbackWarnings: () => null,
    stop: () => lab.stop(),
  };
}
