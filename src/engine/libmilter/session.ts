/**
 * One milter session of the libmilter engine, as the policy sees it: built from the shim's events (events.ts) and
 * answered through fg_reply. It follows the TypeScript engine's session (src/session/session.ts) rule for rule:
 * the same deadlines and fail modes (stage-runner.ts), the status header when a fail mode applied, reply validation,
 * the modification order, one summary log line per message and the same observer hooks. libmilter itself owns the
 * wire: framing, ordering, aborts and the no-reply promises.
 */
import { randomBytes } from "node:crypto";
import { stripBrackets } from "../../milter/commands.js";
import { SMFIF_ADDHDRS, SMFIF_ADDRCPT, SMFIF_ADDRCPT_PAR, SMFIF_CHGBODY } from "../../milter/constants.js";
import {
  SMFIF_CHGFROM,
  SMFIF_CHGHDRS,
  SMFIF_DELRCPT,
  SMFIF_QUARANTINE,
  SMFIP_HDR_LEADSPC,
} from "../../milter/constants.js";
import { ReplyCodeError } from "../../milter/reply-code.js";
import { MessageCapture } from "../../session/message-capture.js";
import type {
  ConnectInfo,
  EndOfMessageResult,
  EnvelopeAddress,
  MilterPolicy,
  Modification,
  SessionContext,
  Stage,
  Transaction,
  Verdict,
} from "../../session/policy-api.js";
import type { SessionObserver, SessionSettings } from "../../session/session.js";
import { failModeVerdict, runWithDeadline, skippedStatus, type StageOutcome } from "../../session/stage-runner.js";
import type { Logger } from "../../util/logger.js";
import { encodeModifications, encodeReply, statusOf } from "./answer.js";
import * as ev from "./events.js";
import { macroPairs, text, type ShimEvent } from "./events.js";

/** How a session answers the shim: fg_reply for one awaited event. */
export type Answer = (seq: number, status: number, reply: Buffer, mods: Buffer) => boolean;

const ACTION_OF: Record<Modification["kind"], number> = {
  addHeader: SMFIF_ADDHDRS,
  insertHeader: SMFIF_ADDHDRS,
  changeHeader: SMFIF_CHGHDRS,
  changeFrom: SMFIF_CHGFROM,
  addRecipient: SMFIF_ADDRCPT,
  deleteRecipient: SMFIF_DELRCPT,
  replaceBody: SMFIF_CHGBODY,
  quarantine: SMFIF_QUARANTINE,
};
const EMPTY: Buffer = Buffer.alloc(0);

class TransactionState implements Transaction {
  recipients: EnvelopeAddress[] = [];
  skipReasons: string[] = [];
  done = false;
  constructor(
    readonly sender: EnvelopeAddress,
    readonly capture: MessageCapture,
    private readonly session: LibmilterSession,
  ) {}
  get headers() {
    return this.capture.headers;
  }
  get queueId() {
    return this.session.macro("i");
  }
}

export class LibmilterSession implements SessionContext {
  readonly id = randomBytes(6).toString("hex");
  readonly engine = "libmilter" as const;
  readonly store = new Map<string, unknown>();
  connect: ConnectInfo | null = null;
  helo: string | null = null;
  private txn: TransactionState | null = null;
  private macros = new Map<string, string>();
  private actions = 0;
  private protocol = 0;
  private closed = false;

  constructor(
    private readonly policy: MilterPolicy,
    private readonly settings: SessionSettings,
    private readonly answer: Answer,
    private readonly logger: Logger,
    private readonly observer: SessionObserver = {},
  ) {}

  get transaction(): Transaction | null {
    return this.txn;
  }

  macro(name: string): string | undefined {
    return this.macros.get(ev.macroKey(name));
  }

  /** One event from the shim, in the order libmilter saw the commands. */
  handle(event: ShimEvent): void {
    if (this.closed) return;
    const f = event.fields;
    switch (event.type) {
      case ev.FG_EV_NEGOTIATE:
        this.actions = f[0]?.readUInt32LE(0) ?? 0;
        this.protocol = f[1]?.readUInt32LE(0) ?? 0;
        if ((this.policy.actions & ~(f[2]?.readUInt32LE(0) ?? 0)) !== 0)
          this.logger.warn({ session: this.id }, "MTA does not offer every action Floodgate uses");
        return;
      case ev.FG_EV_CONNECT:
        this.abortTransaction();
        this.setMacros(f[4]);
        this.connect = ev.connectInfo(f);
        this.helo = null;
        return this.decide(event, "connect", this.policy.connect && ((s) => this.policy.connect!(this, s)));
      case ev.FG_EV_HELO: {
        this.setMacros(f[1]);
        const helo = text(f[0]);
        this.helo = helo;
        return this.decide(event, "helo", this.policy.helo && ((s) => this.policy.helo!(this, helo, s)));
      }
      case ev.FG_EV_MAIL: {
        this.abortTransaction();
        this.setMacros(f[0]);
        const sender = envelope(f.slice(1));
        this.txn = this.newTransaction(sender);
        return this.decide(event, "mail", this.policy.mailFrom && ((s) => this.policy.mailFrom!(this, sender, s)));
      }
      case ev.FG_EV_RCPT: {
        this.setMacros(f[0]);
        const recipient = envelope(f.slice(1));
        const txn = this.currentTransaction();
        return this.decide(
          event,
          "rcpt",
          this.policy.rcptTo && ((s) => this.policy.rcptTo!(this, recipient, s)),
          (verdict) => {
            if (verdict.kind === "continue" || verdict.kind === "accept") txn.recipients.push(recipient);
          },
        );
      }
      case ev.FG_EV_DATA:
        this.setMacros(f[0]);
        this.currentTransaction();
        return this.decide(event, "data", this.policy.data && ((s) => this.policy.data!(this, s)));
      case ev.FG_EV_HEADER:
        this.currentTransaction().capture.addHeader(text(f[0]), text(f[1]));
        return;
      case ev.FG_EV_EOH:
        this.setMacros(f[0]);
        this.currentTransaction().capture.endOfHeaders();
        return this.decide(event, "eoh", this.policy.endOfHeaders && ((s) => this.policy.endOfHeaders!(this, s)));
      case ev.FG_EV_BODY:
        this.currentTransaction().capture.addBody(f[0] ?? EMPTY);
        return;
      case ev.FG_EV_EOM:
        this.setMacros(f[0]);
        this.endOfMessage(event).catch((error: unknown) => {
          this.logger.error({ session: this.id, err: errorText(error) }, "end of message failed");
          this.send(event, failModeVerdict(this.settings.failMode, "eom-error"), EMPTY);
        });
        return;
      case ev.FG_EV_UNKNOWN:
        this.setMacros(f[1]);
        return this.decide(event, "unknown", undefined);
      case ev.FG_EV_ABORT:
        this.abortTransaction();
        return;
      case ev.FG_EV_TIMEOUT: {
        const reason = text(f[0]);
        this.observer.failMode?.(reason, this.settings.failMode);
        this.txn?.skipReasons.push(reason);
        this.logger.warn({ session: this.id, reason }, "the libmilter shim applied the fail mode: no answer in time");
        return;
      }
      case ev.FG_EV_CLOSE:
        this.end();
        return;
    }
  }

  /** The session ended (libmilter's close callback, or the engine stopping). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortTransaction();
    this.policy.close?.(this);
  }

  private setMacros(field: Buffer | undefined): void {
    this.macros = new Map(macroPairs(field));
  }

  private newTransaction(sender: EnvelopeAddress): TransactionState {
    const leadingSpace = (this.protocol & SMFIP_HDR_LEADSPC) !== 0;
    return new TransactionState(sender, new MessageCapture(this.settings.messageCaptureBytes, leadingSpace), this);
  }

  private currentTransaction(): TransactionState {
    if (!this.txn || this.txn.done) this.txn = this.newTransaction({ address: "", args: [] });
    return this.txn;
  }

  private abortTransaction(): void {
    if (this.txn && !this.txn.done) this.policy.abort?.(this);
    this.txn = null;
  }

  /**
   * Run a stage's handler within its deadline and answer the shim when it waits. When it does not (no handler, or a
   * no-reply promise), a handler still runs, as in the TypeScript engine, and a verdict other than continue is dropped.
   */
  private decide(
    event: ShimEvent,
    stage: Stage,
    handler: ((signal: AbortSignal) => Verdict | Promise<Verdict>) | undefined,
    onVerdict?: (verdict: Verdict) => void,
  ): void {
    const finish = (outcome: StageOutcome<Verdict>) => {
      const verdict = this.verdictOf(stage, outcome);
      onVerdict?.(verdict);
      if (event.wantsReply) this.send(event, verdict, EMPTY);
      else if (verdict.kind !== "continue")
        this.logger.warn({ session: this.id, stage, verdict: verdict.kind }, "verdict dropped: no reply was promised");
    };
    if (!handler) return finish({ ok: true, value: { kind: "continue" } });
    const outcome = runWithDeadline(handler, this.settings.commandDeadlineMs);
    if (outcome instanceof Promise) void outcome.then(finish);
    else finish(outcome);
  }

  private verdictOf(stage: string, outcome: StageOutcome<Verdict>): Verdict {
    if (outcome.ok) return outcome.value;
    const reason = `${stage}-${outcome.reason}`;
    const mode = this.settings.failMode;
    this.observer.failMode?.(reason, mode);
    this.txn?.skipReasons.push(reason);
    if (outcome.reason === "error")
      this.logger.error({ session: this.id, stage, err: errorText(outcome.error) }, "policy handler failed");
    return failModeVerdict(mode, reason);
  }

  /** Answer the shim; the reply text is validated as the TypeScript engine does, or the plain verdict is sent. */
  private send(event: ShimEvent, verdict: Verdict, mods: Buffer): void {
    let reply = EMPTY;
    try {
      reply = encodeReply(verdict);
    } catch (error) {
      if (!(error instanceof ReplyCodeError)) throw error;
      this.logger.warn({ session: this.id, err: error.message }, "invalid SMTP reply; sending the plain verdict");
    }
    if (!this.answer(event.seq, statusOf(verdict), reply, mods) && !this.closed)
      this.logger.warn({ session: this.id, type: event.type }, "answer too late: the libmilter shim had moved on");
  }

  private async endOfMessage(event: ShimEvent): Promise<void> {
    const txn = this.currentTransaction();
    const settings = this.settings;
    const started = performance.now();
    const message = txn.capture.finish();
    const outcome = await runWithDeadline((s) => this.policy.endOfMessage(this, message, s), settings.eomDeadlineMs);
    const result: EndOfMessageResult = outcome.ok
      ? outcome.value
      : { verdict: this.verdictOf("eom", outcome), modifications: [] };
    const modifications = this.withStatusHeader(result.modifications ?? [], txn.skipReasons, settings.statusHeader);
    this.send(event, result.verdict, this.encodeModifications(modifications));
    txn.done = true;
    const seconds = (performance.now() - started) / 1000;
    this.observer.messageDecided?.(result.verdict.kind, seconds);
    this.logger.info(
      {
        session: this.id,
        engine: this.engine,
        queueId: txn.queueId ?? null,
        client: this.connect?.address ?? null,
        sender: txn.sender.address,
        recipients: txn.recipients.length,
        bytes: message.totalBytes,
        verdict: result.verdict.kind,
        skipped: txn.skipReasons.length > 0 ? txn.skipReasons : undefined,
        ms: Math.round(seconds * 10000) / 10,
      },
      "message",
    );
  }

  private withStatusHeader(mods: Modification[], reasons: readonly string[], header: string): Modification[] {
    if (reasons.length === 0) return mods;
    const lower = header.toLowerCase();
    const has = mods.some((m) => "name" in m && m.name.toLowerCase() === lower);
    return has ? mods : [...mods, { kind: "addHeader", name: header, value: skippedStatus(reasons) }];
  }

  /** Modifications the negotiation allows, body replacement contiguous, quarantine last (as the TS engine). */
  private encodeModifications(mods: Modification[]): Buffer {
    const order = (m: Modification) => (m.kind === "replaceBody" ? 1 : m.kind === "quarantine" ? 2 : 0);
    const allowed: Modification[] = [];
    for (const mod of [...mods].sort((a, b) => order(a) - order(b))) {
      let action = ACTION_OF[mod.kind];
      if (mod.kind === "addRecipient" && mod.args && mod.args.length > 0) action = SMFIF_ADDRCPT_PAR;
      if ((this.actions & action) === 0) {
        this.logger.warn({ session: this.id, modification: mod.kind }, "modification not negotiated; dropped");
        continue;
      }
      allowed.push(mod);
    }
    return encodeModifications(allowed, (this.protocol & SMFIP_HDR_LEADSPC) !== 0);
  }
}

/** MAIL/RCPT arguments as libmilter hands them (argv[0] the address as sent) to the session API's form. */
function envelope(fields: readonly Buffer[]): EnvelopeAddress {
  return { address: stripBrackets(text(fields[0])), args: fields.slice(1).map((f) => text(f)) };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
