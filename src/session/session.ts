/**
 * One milter session of the TypeScript engine: the state machine between the frame decoder and the policy.
 * It is as lenient as libmilter on ordering (several transactions, missing and duplicate aborts, repeated HELO,
 * commands out of order: milter-protocol.md §1.3, §1.12), strict on the wire (a malformed packet closes this session
 * with a warning), and it never breaks a no-reply promise (§1.5). Transport-agnostic: bytes in, bytes out.
 */
import { randomBytes } from "node:crypto";
import { codeName, SMFIF_ADDHDRS, SMFIF_ADDRCPT, SMFIF_ADDRCPT_PAR, SMFIF_CHGBODY } from "../milter/constants.js";
import { SMFIF_CHGFROM, SMFIF_CHGHDRS, SMFIF_DELRCPT, SMFIF_QUARANTINE, SMFIM_ENVFROM } from "../milter/constants.js";
import { SMFIP_HDR_LEADSPC } from "../milter/constants.js";
import { CommandError, parseCommand, type Command } from "../milter/commands.js";
import { FrameDecoder, type Frame } from "../milter/decoder.js";
import { MacroStore } from "../milter/macros.js";
import { negotiate, NegotiationError, NO_REPLY_FLAG, type Negotiated } from "../milter/negotiate.js";
import { formatReply, ReplyCodeError } from "../milter/reply-code.js";
import { encodeModification, encodeResponse } from "../milter/responses.js";
import { MessageCapture } from "./message-capture.js";
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
} from "./policy-api.js";
import { failModeVerdict, runWithDeadline, skippedStatus, type FailMode, type StageOutcome } from "./stage-runner.js";
import type { Logger } from "../util/logger.js";

/** The options a session reads; a subset of the `milter` configuration section. */
export interface SessionSettings {
  maxPacketBytes: number;
  messageCaptureBytes: number;
  commandDeadlineMs: number;
  eomDeadlineMs: number;
  progressIntervalMs: number;
  failMode: FailMode;
  noReplyStages: readonly Stage[];
  statusHeader: string;
}

/** Where a session's bytes go. */
export interface Transport {
  write(data: Buffer): void;
  /** Close the connection; `error` when it ends because of a protocol error. */
  close(error?: Error): void;
  pause?(): void;
  resume?(): void;
}

/** Hooks for metrics and the mail-flow watchdog. */
export interface SessionObserver {
  messageDecided?(verdict: Verdict["kind"], seconds: number): void;
  failMode?(reason: string, mode: FailMode): void;
  protocolError?(kind: string): void;
}

/** Thrown for a peer that breaks the protocol: the session closes with a warning. */
export class ProtocolError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

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
const MAX_QUEUED_FRAMES = 256;

class TransactionState implements Transaction {
  recipients: EnvelopeAddress[] = [];
  skipReasons: string[] = [];
  done = false;
  constructor(
    readonly sender: EnvelopeAddress,
    readonly capture: MessageCapture,
    private readonly macros: MacroStore,
  ) {}
  get headers() {
    return this.capture.headers;
  }
  get queueId() {
    return this.macros.get("i");
  }
}

export class MilterSession implements SessionContext {
  readonly id = randomBytes(6).toString("hex");
  readonly engine = "typescript" as const;
  readonly store = new Map<string, unknown>();
  connect: ConnectInfo | null = null;
  helo: string | null = null;
  private txn: TransactionState | null = null;
  private readonly macros = new MacroStore();
  private readonly decoder: FrameDecoder;
  private negotiated: Negotiated | null = null;
  private readonly queue: Frame[] = [];
  private busy = false;
  private paused = false;
  private closed = false;

  constructor(
    private readonly policy: MilterPolicy,
    private readonly settings: () => SessionSettings,
    private readonly transport: Transport,
    private readonly logger: Logger,
    private readonly observer: SessionObserver = {},
  ) {
    this.decoder = new FrameDecoder(settings().maxPacketBytes);
  }

  get transaction(): Transaction | null {
    return this.txn;
  }

  macro(name: string): string | undefined {
    return this.macros.get(name);
  }

  /** Bytes from the MTA. */
  receive(data: Buffer): void {
    if (this.closed) return;
    const frames = this.decoder.push(data);
    if (!Array.isArray(frames)) {
      const detail = frames.kind === "too-large" ? `${frames.length} > ${frames.limit}` : String(frames.length);
      this.fail(new ProtocolError(frames.kind, `packet length ${detail}`));
      return;
    }
    for (const frame of frames) this.queue.push(frame);
    this.pump();
  }

  /** The connection ended (EOF, reset, idle timeout): a normal end at any time (§1.1). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.abortTransaction();
    this.policy.close?.(this);
  }

  private pump(): void {
    while (!this.busy && !this.closed && this.queue.length > 0) {
      const frame = this.queue.shift()!;
      let pending: void | Promise<void>;
      try {
        pending = this.handle(frame);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (pending instanceof Promise) {
        this.busy = true;
        pending.then(
          () => {
            this.busy = false;
            this.pump();
          },
          (error: unknown) => this.fail(error),
        );
        break;
      }
    }
    this.applyBackpressure();
  }

  private applyBackpressure(): void {
    const full = this.queue.length >= MAX_QUEUED_FRAMES;
    if (full && !this.paused) this.transport.pause?.();
    if (!full && this.paused) this.transport.resume?.();
    this.paused = full;
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    const kind = error instanceof ProtocolError ? error.kind : error instanceof CommandError ? "malformed" : "internal";
    this.observer.protocolError?.(kind);
    this.logger.warn(
      {
        session: this.id,
        peer: this.connect?.address ?? null,
        kind,
        err: error instanceof Error ? error.message : error,
      },
      "closing milter session",
    );
    const err = error instanceof Error ? error : new Error(String(error));
    this.end();
    this.transport.close(err);
  }

  private write(data: Buffer): void {
    if (!this.closed) this.transport.write(data);
  }

  private handle(frame: Frame): void | Promise<void> {
    const command = parseCommand(frame);
    if (command.type !== "macro") {
      const pending = this.dispatch(command);
      if (pending instanceof Promise) return pending.finally(() => this.macros.endCommand());
      this.macros.endCommand();
      return pending;
    }
    this.macros.define(command.forCode, command.pairs);
  }

  private dispatch(command: Command): void | Promise<void> {
    if (command.type === "optneg") return this.optionNegotiation(command);
    if (!this.negotiated && command.type !== "quit" && command.type !== "abort")
      throw new ProtocolError("order", `command ${command.type} before option negotiation`);
    switch (command.type) {
      case "connect":
        this.abortTransaction();
        this.connect = command.info;
        this.helo = null;
        return this.decide("connect", this.policy.connect && ((s) => this.policy.connect!(this, s)));
      case "helo":
        this.helo = command.name;
        return this.decide("helo", this.policy.helo && ((s) => this.policy.helo!(this, command.name, s)));
      case "mail":
        this.abortTransaction();
        this.macros.clearFrom(SMFIM_ENVFROM + 1);
        this.txn = this.newTransaction(command.sender);
        return this.decide("mail", this.policy.mailFrom && ((s) => this.policy.mailFrom!(this, command.sender, s)));
      case "rcpt": {
        const txn = this.currentTransaction();
        return this.decide(
          "rcpt",
          this.policy.rcptTo && ((s) => this.policy.rcptTo!(this, command.recipient, s)),
          (verdict) => {
            if (verdict.kind === "continue" || verdict.kind === "accept") txn.recipients.push(command.recipient);
          },
        );
      }
      case "data":
        this.currentTransaction();
        return this.decide("data", this.policy.data && ((s) => this.policy.data!(this, s)));
      case "header":
        this.currentTransaction().capture.addHeader(command.name, command.value);
        return this.decide("header", undefined);
      case "eoh":
        this.currentTransaction().capture.endOfHeaders();
        return this.decide("eoh", this.policy.endOfHeaders && ((s) => this.policy.endOfHeaders!(this, s)));
      case "body":
        this.currentTransaction().capture.addBody(command.chunk);
        return this.decide("body", undefined);
      case "eob":
        return this.endOfMessage(command.chunk);
      case "unknown":
        return this.decide("unknown", undefined);
      case "abort":
        this.abortTransaction();
        return;
      case "quit":
        this.end();
        this.transport.close();
        return;
      case "quitNc":
        this.abortTransaction();
        this.connect = null;
        this.helo = null;
        this.macros.clearFrom(0);
        return;
      case "unrecognised":
        // No MTA sends these; answering could desync the stream, so say nothing (libmilter ignores them too).
        this.logger.warn({ session: this.id, code: codeName(command.code) }, "ignoring unknown milter command");
        return;
    }
  }

  private optionNegotiation(command: Extract<Command, { type: "optneg" }>): void {
    const settings = this.settings();
    try {
      this.negotiated = negotiate(command, {
        actions: this.policy.actions,
        decidesAt: this.policy.decidesAt,
        noReplyStages: settings.noReplyStages,
        macros: this.policy.macros,
      });
    } catch (error) {
      if (error instanceof NegotiationError) throw new ProtocolError("negotiation", error.message);
      throw error;
    }
    const n = this.negotiated;
    if (n.missingActions !== 0)
      this.logger.warn(
        { session: this.id, missing: n.missingActions },
        "MTA does not offer every action Floodgate uses",
      );
    this.write(encodeResponse.optneg(n.version, n.actions, n.protocol, n.macros));
  }

  private newTransaction(sender: EnvelopeAddress): TransactionState {
    const leadingSpace = ((this.negotiated?.protocol ?? 0) & SMFIP_HDR_LEADSPC) !== 0;
    return new TransactionState(
      sender,
      new MessageCapture(this.settings().messageCaptureBytes, leadingSpace),
      this.macros,
    );
  }

  /** The open transaction; a command that needs one without a MAIL first gets an empty sender (lenient, §1.12). */
  private currentTransaction(): TransactionState {
    if (!this.txn || this.txn.done) this.txn = this.newTransaction({ address: "", args: [] });
    return this.txn;
  }

  private abortTransaction(): void {
    if (this.txn && !this.txn.done) this.policy.abort?.(this);
    this.txn = null;
  }

  private noReply(stage: Stage): boolean {
    const flag = NO_REPLY_FLAG[stage];
    return flag !== undefined && ((this.negotiated?.protocol ?? 0) & flag) !== 0;
  }

  /** Run a stage's handler (if any) within its deadline and reply, unless a no-reply promise was made. */
  private decide(
    stage: Stage,
    handler: ((signal: AbortSignal) => Verdict | Promise<Verdict>) | undefined,
    onVerdict?: (verdict: Verdict) => void,
  ): void | Promise<void> {
    const finish = (outcome: StageOutcome<Verdict>) => {
      const verdict = this.verdictOf(stage, outcome);
      onVerdict?.(verdict);
      this.reply(stage, verdict);
    };
    if (!handler) return finish({ ok: true, value: { kind: "continue" } });
    const outcome = runWithDeadline(handler, this.settings().commandDeadlineMs);
    if (outcome instanceof Promise) return outcome.then(finish);
    finish(outcome);
  }

  private verdictOf(stage: string, outcome: StageOutcome<Verdict>): Verdict {
    if (outcome.ok) return outcome.value;
    const reason = `${stage}-${outcome.reason}`;
    const mode = this.settings().failMode;
    this.observer.failMode?.(reason, mode);
    this.txn?.skipReasons.push(reason);
    if (outcome.reason === "error")
      this.logger.error({ session: this.id, stage, err: errorText(outcome.error) }, "policy handler failed");
    return failModeVerdict(mode, reason);
  }

  private reply(stage: Stage, verdict: Verdict): void {
    if (this.noReply(stage)) {
      if (verdict.kind !== "continue")
        this.logger.warn({ session: this.id, stage, verdict: verdict.kind }, "verdict dropped: no reply was promised");
      return;
    }
    this.write(this.encodeVerdict(verdict));
  }

  private encodeVerdict(verdict: Verdict): Buffer {
    switch (verdict.kind) {
      case "continue":
        return encodeResponse.continue();
      case "accept":
        return encodeResponse.accept();
      case "discard":
        return encodeResponse.discard();
      case "reject":
      case "tempfail": {
        if (verdict.reply) {
          try {
            return encodeResponse.replyCode(formatReply(verdict.reply, verdict.kind));
          } catch (error) {
            if (!(error instanceof ReplyCodeError)) throw error;
            this.logger.warn({ session: this.id, err: error.message }, "invalid SMTP reply; sending the plain verdict");
          }
        }
        return verdict.kind === "reject" ? encodeResponse.reject() : encodeResponse.tempfail();
      }
    }
  }

  private async endOfMessage(chunk: Buffer): Promise<void> {
    const txn = this.currentTransaction();
    if (chunk.length > 0) txn.capture.addBody(chunk);
    const settings = this.settings();
    const started = performance.now();
    const message = txn.capture.finish();
    const progress = setInterval(() => this.write(encodeResponse.progress()), settings.progressIntervalMs);
    let outcome: StageOutcome<EndOfMessageResult>;
    try {
      outcome = await runWithDeadline((s) => this.policy.endOfMessage(this, message, s), settings.eomDeadlineMs);
    } finally {
      clearInterval(progress);
    }
    const result: EndOfMessageResult = outcome.ok
      ? outcome.value
      : { verdict: this.verdictOf("eom", outcome), modifications: [] };
    const modifications = this.withStatusHeader(result.modifications ?? [], txn.skipReasons, settings.statusHeader);
    this.write(Buffer.concat([...this.encodeModifications(modifications), this.encodeVerdict(result.verdict)]));
    txn.done = true;
    const seconds = (performance.now() - started) / 1000;
    this.observer.messageDecided?.(result.verdict.kind, seconds);
    this.logger.info(
      {
        session: this.id,
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

  /** Add the status header that says why a fail mode applied, unless the policy wrote one itself. */
  private withStatusHeader(mods: Modification[], reasons: readonly string[], header: string): Modification[] {
    if (reasons.length === 0) return mods;
    const lower = header.toLowerCase();
    const has = mods.some((m) => "name" in m && m.name.toLowerCase() === lower);
    return has ? mods : [...mods, { kind: "addHeader", name: header, value: skippedStatus(reasons) }];
  }

  /** Modifications the negotiation allows, body replacement contiguous (§1.4), quarantine last. */
  private encodeModifications(mods: Modification[]): Buffer[] {
    const allowed = this.negotiated?.actions ?? 0;
    const leadingSpace = ((this.negotiated?.protocol ?? 0) & SMFIP_HDR_LEADSPC) !== 0;
    const order = (m: Modification) => (m.kind === "replaceBody" ? 1 : m.kind === "quarantine" ? 2 : 0);
    const out: Buffer[] = [];
    for (const mod of [...mods].sort((a, b) => order(a) - order(b))) {
      let action = ACTION_OF[mod.kind];
      if (mod.kind === "addRecipient" && mod.args && mod.args.length > 0) action = SMFIF_ADDRCPT_PAR;
      if ((allowed & action) === 0) {
        this.logger.warn({ session: this.id, modification: mod.kind }, "modification not negotiated; dropped");
        continue;
      }
      out.push(...encodeModification(mod, leadingSpace));
    }
    return out;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
