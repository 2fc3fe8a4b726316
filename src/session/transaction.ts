/**
 * A session's id and its open transaction (MAIL to end of message): the envelope, the captured message and the count
 * of Floodgate's own headers in it, as the policy reads them. The recipients listed are bounded twice: at most
 * MAX_OBSERVED_RECIPIENTS, and their text granted by the process's capture budget (./capture-budget.ts) like the
 * capture's, given back with it when the transaction ends; past either, a recipient is counted, not listed.
 */
import { randomBytes } from "node:crypto";
import type { EnvelopeAddress } from "../vocabulary/mail.js";
import type { Verdict } from "../vocabulary/verdict.js";
import { MAX_OBSERVED_RECIPIENTS, type Transaction } from "../vocabulary/policy-api.js";
import { SMFIP_HDR_LEADSPC } from "../milter/constants.js";
import { captureBudget } from "./capture-budget.js";
import { OwnHeaderCount } from "./labels.js";
import { MessageCapture, type CaptureAllowance } from "./message-capture.js";
import type { SessionSettings } from "./session-api.js";

/**
 * Session ids: a random prefix drawn once per process, then a counter, 12 hex digits in all. Unique within a process
 * and unlikely to repeat across restarts, without asking the system for random bytes on every connection (Postfix
 * opens one per SMTP session).
 */
const SESSION_ID_PREFIX = randomBytes(3).toString("hex");
let sessionCount = 0;
export function nextSessionId(): string {
  sessionCount = (sessionCount + 1) % 0x1000000;
  return SESSION_ID_PREFIX + sessionCount.toString(16).padStart(6, "0");
}

/** What a listed recipient costs beside its text (its object, strings, array slot): empty ones count too. */
const RECIPIENT_OVERHEAD_BYTES = 64;

/** The open transaction, with the fail-mode reasons that applied in it. */
export class TransactionState implements Transaction {
  readonly recipients: EnvelopeAddress[] = [];
  /** Recipients accepted, listed or not. */
  recipientCount = 0;
  skipReasons: string[] = [];
  done = false;
  /** Bytes the budget granted for the recipients listed. */
  private recipientBytes = 0;
  constructor(
    readonly sender: EnvelopeAddress,
    readonly capture: MessageCapture,
    readonly ownHeaders: OwnHeaderCount,
    private readonly macro: (name: string) => string | undefined,
    private readonly allowance: CaptureAllowance = { budget: captureBudget, limit: Infinity },
  ) {}

  /** A recipient the policy accepted: counted, and listed while the limit and the budget allow. */
  addRecipient(recipient: EnvelopeAddress): void {
    this.recipientCount++;
    if (this.recipients.length >= MAX_OBSERVED_RECIPIENTS) return;
    // Characters, not UTF-8 bytes: V8 holds most addresses one byte a character, and counting them costs no scan.
    let wanted = RECIPIENT_OVERHEAD_BYTES + recipient.address.length;
    for (const arg of recipient.args) wanted += arg.length;
    const granted = this.allowance.budget.reserve(wanted, this.allowance.limit);
    if (granted < wanted) {
      this.allowance.budget.release(granted);
      return;
    }
    this.recipientBytes += granted;
    this.recipients.push(recipient);
  }

  /** Give back what the budget granted (the capture's and the recipients'): the transaction is over. */
  release(): void {
    this.capture.release();
    this.allowance.budget.release(this.recipientBytes);
    this.recipientBytes = 0;
  }

  get headers() {
    return this.capture.headers;
  }
  get queueId() {
    return this.macro("i");
  }
}

/** A new transaction from `sender`, its capture within the process-wide capture budget. */
export function openTransaction(
  sender: EnvelopeAddress,
  settings: SessionSettings,
  protocol: number,
  macro: (name: string) => string | undefined,
): TransactionState {
  const leadingSpace = (protocol & SMFIP_HDR_LEADSPC) !== 0;
  const allowance = { budget: captureBudget, limit: settings.captureBudgetBytes };
  return new TransactionState(
    sender,
    new MessageCapture(settings.messageCaptureBytes, leadingSpace, allowance),
    new OwnHeaderCount(settings.statusHeader),
    macro,
    allowance,
  );
}

/** How a message was decided: the verdict, the status header written (null: none), its size and the time taken. */
export interface DecidedMessage {
  verdict: Verdict;
  status: string | null;
  bytes: number;
  seconds: number;
}

/** What the one log line per message says of its transaction, after the session's own fields: the status too, so
 * that the log says why a message was refused or held, as its header does. */
export function transactionSummary(
  txn: TransactionState,
  client: string | null,
  decided: DecidedMessage,
): Record<string, unknown> {
  return {
    queueId: txn.queueId ?? null,
    client,
    sender: txn.sender.address,
    recipients: txn.recipientCount,
    recipientsListed: txn.recipients.length < txn.recipientCount ? txn.recipients.length : undefined,
    bytes: decided.bytes,
    verdict: decided.verdict.kind,
    status: decided.status ?? undefined,
    skipped: txn.skipReasons.length > 0 ? txn.skipReasons : undefined,
    ms: Math.round(decided.seconds * 10000) / 10,
  };
}
