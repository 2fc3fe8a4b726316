/**
 * The engine-agnostic half of a milter session, shared by the TypeScript engine (src/engine/typescript/protocol-session.ts) and the
 * libmilter engine (src/engine/libmilter/shim-session.ts): the SessionContext a policy sees, the open transaction, and the
 * driving of the policy at each stage with the same rules in both engines: the deadline and fail mode of every
 * handler (stage-runner.ts), the verdict dropped when no reply was promised, reply validation, and at end of message
 * the status header, the negotiated modifications, the observer and the one summary log line per message.
 * An engine feeds it stages (`on*` methods) and says how a verdict goes back to the MTA; the I/O stays in the engine.
 */
import { stageBudgets, startDeadline } from "./deadlines.js";
import { eventLoopLag } from "./loop-lag.js";
import { forgedHeadersAnswer, ownHeaderModifications, type Forgery } from "./labels.js";
import { negotiatedModifications } from "./modifications.js";
import type { ConnectInfo, EnvelopeAddress, Header } from "../vocabulary/mail.js";
import type { EndOfMessageResult, Verdict } from "../vocabulary/verdict.js";
import type { MilterPolicy, SessionContext, Transaction } from "../vocabulary/policy-api.js";
import type { Stage } from "../vocabulary/stage.js";
import { failModeVerdict, skippedStatus, stageFailReason, type FailMode } from "../vocabulary/fail-reasons.js";
import { runWithDeadline, settleWithin, type StageOutcome } from "./stage-runner.js";
import { sendableVerdict } from "./sendable-verdict.js";
import type {
  DeliverEndOfMessage,
  Respond,
  SendableVerdict,
  SessionCoreOptions,
  SessionObserver,
  SessionSettings,
} from "./session-api.js";
import {
  nextSessionId,
  openTransaction,
  transactionSummary,
  type DecidedMessage,
  type TransactionState,
} from "./transaction.js";
import { errorText } from "../util/error-text.js";
import { unredacted, type Logger } from "../util/logger.js";

type Handler = (signal: AbortSignal) => Verdict | Promise<Verdict>;

/** The answer of a stage without a handler: header and body packets, tens of them per message, share it. */
const CONTINUE: SendableVerdict = Object.freeze({ kind: "continue" });

/** One session as the policy sees it, and the policy driven through it. */
export class SessionCore implements SessionContext {
  readonly id = nextSessionId();
  readonly engine: SessionContext["engine"];
  readonly store = new Map<string, unknown>();
  private connectInfo: ConnectInfo | null = null;
  private heloName: string | null = null;
  private txn: TransactionState | null = null;
  private actions = 0;
  private protocol = 0;
  private readonly policy: MilterPolicy;
  private readonly settings: () => SessionSettings;
  private readonly logger: Logger;
  private readonly observer: SessionObserver;
  private readonly summaryFields: Record<string, unknown>;

  constructor(private readonly options: SessionCoreOptions) {
    this.engine = options.engine;
    this.policy = options.policy;
    this.settings = options.settings;
    this.logger = options.logger;
    this.observer = options.observer ?? {};
    this.summaryFields = options.summaryFields ?? {};
  }

  get connect(): ConnectInfo | null {
    return this.connectInfo;
  }

  get helo(): string | null {
    return this.heloName;
  }

  get transaction(): Transaction | null {
    return this.txn;
  }

  macro(name: string): string | undefined {
    return this.options.macro(name);
  }

  /** The SMFIF_* actions and SMFIP_* protocol flags agreed with the MTA at option negotiation. */
  negotiated(actions: number, protocol: number): void {
    this.actions = actions;
    this.protocol = protocol;
  }

  /** SMFIC_CONNECT: a new SMTP client; an open transaction is aborted. */
  onConnect(info: ConnectInfo, respond: Respond | null): void | Promise<void> {
    this.abortTransaction();
    this.connectInfo = info;
    this.heloName = null;
    return this.decide("connect", this.policy.connect && ((s) => this.policy.connect!(this, s)), respond);
  }

  /** SMFIC_HELO: the client's HELO/EHLO name (it may come again). */
  onHelo(name: string, respond: Respond | null): void | Promise<void> {
    this.heloName = name;
    return this.decide("helo", this.policy.helo && ((s) => this.policy.helo!(this, name, s)), respond);
  }

  /** SMFIC_MAIL: a new transaction; an open one is aborted. */
  onMail(sender: EnvelopeAddress, respond: Respond | null): void | Promise<void> {
    this.abortTransaction();
    this.txn = this.newTransaction(sender);
    return this.decide("mail", this.policy.mailFrom && ((s) => this.policy.mailFrom!(this, sender, s)), respond);
  }

  /** SMFIC_RCPT: the recipient counts in the transaction unless the policy refused it. */
  onRcpt(recipient: EnvelopeAddress, respond: Respond | null): void | Promise<void> {
    const txn = this.currentTransaction();
    return this.decide(
      "rcpt",
      this.policy.rcptTo && ((s) => this.policy.rcptTo!(this, recipient, s)),
      respond,
      (verdict) => {
        if (verdict.kind === "continue" || verdict.kind === "accept") txn.addRecipient(recipient);
      },
    );
  }

  /** SMFIC_DATA. */
  onData(respond: Respond | null): void | Promise<void> {
    this.currentTransaction();
    return this.decide("data", this.policy.data && ((s) => this.policy.data!(this, s)), respond);
  }

  /** SMFIC_HEADER: captured for the policy; no handler runs, so the answer, when one is owed, is continue. */
  onHeader(name: string, value: string, respond: Respond | null): void {
    const txn = this.currentTransaction();
    txn.ownHeaders.see(name);
    txn.capture.addHeader(name, value);
    respond?.(CONTINUE);
  }

  /** SMFIC_EOH. */
  onEndOfHeaders(respond: Respond | null): void | Promise<void> {
    this.currentTransaction().capture.endOfHeaders();
    return this.decide("eoh", this.policy.endOfHeaders && ((s) => this.policy.endOfHeaders!(this, s)), respond);
  }

  /** SMFIC_BODY: captured for the policy; no handler runs, so the answer, when one is owed, is continue. */
  onBody(chunk: Buffer, respond: Respond | null): void {
    this.currentTransaction().capture.addBody(chunk);
    respond?.(CONTINUE);
  }

  /** SMFIC_UNKNOWN: an SMTP command the MTA did not know; no handler runs. */
  onUnknown(respond: Respond | null): void | Promise<void> {
    return this.decide("unknown", undefined, respond);
  }

  /** SMFIC_QUIT_NC: the MTA goes on with a new connection on this session. */
  onConnectionReset(): void {
    this.abortTransaction();
    this.connectInfo = null;
    this.heloName = null;
  }

  /** The session ended: the open transaction is aborted and the policy told. Call it once. */
  onClose(): void {
    this.abortTransaction();
    this.policy.close?.(this);
  }

  /** The transaction ended without end of message (SMFIC_ABORT, or before a new one begins). */
  abortTransaction(): void {
    if (this.txn && !this.txn.done) this.policy.abort?.(this);
    this.txn?.release();
    this.txn = null;
  }

  /**
   * Record that a fail mode applied for `reason`: the observer hears it and the status header will say why.
   * Returns the mode.
   */
  failModeApplied(reason: string): FailMode {
    const mode = this.settings().deadlineFailMode;
    this.observer.failMode?.(reason, mode);
    this.txn?.skipReasons.push(reason);
    return mode;
  }

  /**
   * SMFIC_BODYEOB: the last body chunk (may be empty), then the policy's decision within the end-of-message deadline,
   * delivered once with its modifications. `progress`, when given, is called every `progressIntervalMs` meanwhile.
   * `receivedAt` (performance.now()) is when the engine read the command, when earlier than now: the MTA's clock
   * started when it sent it, so the deadline counts from the earliest moment known.
   */
  async onEndOfMessage(
    lastChunk: Buffer,
    deliver: DeliverEndOfMessage,
    progress?: () => void,
    receivedAt?: number,
  ): Promise<void> {
    const txn = this.currentTransaction();
    const started = Math.min(receivedAt ?? Infinity, performance.now());
    if (lastChunk.length > 0) txn.capture.addBody(lastChunk);
    const settings = this.settings();
    const message = txn.capture.finish();
    // An interval no shorter than the deadline never fires: the deadline ends end of message first.
    const progressDue = progress && settings.progressIntervalMs < settings.eomDeadlineMs;
    const timer = progressDue ? setInterval(progress, settings.progressIntervalMs) : undefined;
    let outcome: StageOutcome<EndOfMessageResult>;
    const budgets = stageBudgets(settings, (this.options.loopLag ?? eventLoopLag).recentMaxMs());
    const spent = performance.now() - started;
    // The policy's deadline, ended by the engine's own (a little later) if the policy has not answered by then.
    const deadline = startDeadline(budgets.policyEomMs - spent);
    const forged = forgedHeadersAnswer(txn.ownHeaders, this.policy.shadow?.() === true);
    try {
      outcome = forged
        ? { ok: true, value: forged }
        : await settleWithin(
            () => this.policy.endOfMessage(this, message, deadline),
            budgets.eomMs - spent,
            () => deadline.end(),
          );
    } finally {
      clearInterval(timer);
      deadline.dispose();
    }
    const result: EndOfMessageResult = outcome.ok
      ? outcome.value
      : { verdict: this.verdictOf("eom", outcome), modifications: [] };
    const status = result.status ?? (txn.skipReasons.length > 0 ? skippedStatus(txn.skipReasons) : null);
    const labels = this.ownHeaderModifications(txn, result.labels ?? [], status, forged);
    const labelled = [...labels, ...(result.modifications ?? [])];
    const modifications = negotiatedModifications(labelled, this.actions, (mod) =>
      this.logger.warn({ session: this.id, modification: mod.kind }, "modification not negotiated; dropped"),
    );
    deliver(this.sendable(result.verdict), modifications);
    txn.done = true;
    txn.release();
    const seconds = (performance.now() - started) / 1000;
    const held = modifications.some((m) => m.kind === "quarantine");
    this.observer.messageDecided?.(result.verdict.kind, seconds, held);
    const decided = { verdict: result.verdict, status, bytes: message.totalBytes, seconds };
    unredacted(this.logger).info(this.summary(txn, decided), "message");
  }

  /** The fields of the one log line per message. */
  private summary(txn: TransactionState, decided: DecidedMessage): Record<string, unknown> {
    const client = this.connectInfo?.address ?? null;
    return { session: this.id, ...this.summaryFields, ...transactionSummary(txn, client, decided) };
  }

  /** Floodgate's own headers for this answer, as the negotiated actions allow: the policy's labels, then the status
   * (`skipped; …` after a fail mode). */
  private ownHeaderModifications(txn: TransactionState, labels: Header[], status: string | null, forged: Forgery) {
    const all = status === null ? labels : [...labels, { name: this.settings().statusHeader, value: status }];
    return ownHeaderModifications(txn.ownHeaders, all, forged, this.actions);
  }

  private newTransaction(sender: EnvelopeAddress): TransactionState {
    return openTransaction(sender, this.settings(), this.protocol, this.options.macro);
  }

  /** The open transaction; a command that needs one without a MAIL first gets an empty sender (lenient, §1.12). */
  private currentTransaction(): TransactionState {
    if (!this.txn || this.txn.done) this.txn = this.newTransaction({ address: "", args: [] });
    return this.txn;
  }

  /** Run a stage's handler (if any) within its deadline, then respond, or drop the verdict when no reply is owed. */
  private decide(
    stage: Stage,
    handler: Handler | undefined,
    respond: Respond | null,
    onVerdict?: (verdict: Verdict) => void,
  ): void | Promise<void> {
    const finish = (outcome: StageOutcome<Verdict>) => {
      const verdict = this.verdictOf(stage, outcome);
      onVerdict?.(verdict);
      if (respond) respond(this.sendable(verdict));
      else if (verdict.kind !== "continue")
        this.logger.warn({ session: this.id, stage, verdict: verdict.kind }, "verdict dropped: no reply was promised");
    };
    if (!handler) return finish({ ok: true, value: { kind: "continue" } });
    const outcome = runWithDeadline(handler, this.settings().commandDeadlineMs);
    if (outcome instanceof Promise) return outcome.then(finish);
    finish(outcome);
  }

  private verdictOf(stage: Stage, outcome: StageOutcome<Verdict>): Verdict {
    if (outcome.ok) return outcome.value;
    const reason = stageFailReason(stage, outcome.reason);
    const mode = this.failModeApplied(reason);
    if (outcome.reason === "error")
      this.logger.error({ session: this.id, stage, err: errorText(outcome.error) }, "policy handler failed");
    return failModeVerdict(mode, reason);
  }

  private sendable(verdict: Verdict): SendableVerdict {
    return sendableVerdict(verdict, (err) =>
      this.logger.warn({ session: this.id, err }, "invalid SMTP reply; sending the plain verdict"),
    );
  }
}
