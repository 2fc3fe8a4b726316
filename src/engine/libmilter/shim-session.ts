/**
 * One milter session of the libmilter engine: the shim's events (events.ts) in, answers through fg_reply out, the
 * policy driven through the session core shared with the TypeScript engine (src/session/session-core.ts), so both
 * engines apply the same deadlines, fail modes, status header, reply validation, modification order, summary log
 * line and observer hooks. libmilter itself owns the wire: framing, ordering, aborts and the no-reply promises.
 */
import { stripBrackets } from "../../milter/commands.js";
import { SMFIP_HDR_LEADSPC } from "../../milter/constants.js";
import type { EnvelopeAddress } from "../../vocabulary/mail.js";
import type { MilterPolicy } from "../../vocabulary/policy-api.js";
import type { Modification } from "../../vocabulary/modification.js";
import type { Verdict } from "../../vocabulary/verdict.js";
import { SessionCore } from "../../session/session-core.js";
import type { Respond, SessionObserver, SessionSettings } from "../../session/session-api.js";
import { errorText } from "../../util/error-text.js";
import { failModeVerdict, stageFailReason } from "../../vocabulary/fail-reasons.js";
import type { Logger } from "../../util/logger.js";
import { encodeModifications, encodeReply, statusOf } from "./answer.js";
import * as ev from "./events.js";
import { macroPairs, text, type ShimEvent } from "./events.js";

/** How a session answers the shim: fg_reply for one awaited event. */
export type Answer = (seq: number, status: number, reply: Buffer, mods: Buffer) => boolean;

const EMPTY: Buffer = Buffer.alloc(0);

/** One session of the libmilter engine, fed the shim's events for its slot. */
export class LibmilterSession {
  private readonly core: SessionCore;
  private macros = new Map<string, string>();
  private protocol = 0;
  private closed = false;

  constructor(
    private readonly policy: MilterPolicy,
    private readonly settings: SessionSettings,
    private readonly answer: Answer,
    private readonly logger: Logger,
    observer: SessionObserver = {},
  ) {
    this.core = new SessionCore({
      engine: "libmilter",
      policy,
      settings: () => settings,
      logger,
      observer,
      macro: (name) => this.macros.get(ev.macroKey(name)),
      summaryFields: { engine: "libmilter" },
    });
  }

  /** A short unique id for logs. */
  get id(): string {
    return this.core.id;
  }

  /** One event from the shim, in the order libmilter saw the commands. */
  handle(event: ShimEvent): void {
    if (this.closed) return;
    // Answers go back through the shim (respond), so nothing here waits for a stage's decision.
    void this.dispatch(event);
  }

  /** The session ended (libmilter's close callback, or the engine stopping). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.core.onClose();
  }

  private dispatch(event: ShimEvent): void | Promise<void> {
    const core = this.core;
    const f = event.fields;
    switch (event.type) {
      case ev.FG_EV_NEGOTIATE:
        this.protocol = f[1]?.readUInt32LE(0) ?? 0;
        core.negotiated(f[0]?.readUInt32LE(0) ?? 0, this.protocol);
        if ((this.policy.actions & ~(f[2]?.readUInt32LE(0) ?? 0)) !== 0)
          this.logger.warn({ session: this.id }, "MTA does not offer every action Floodgate uses");
        return;
      case ev.FG_EV_CONNECT:
        // Abort before the macros change: the policy's abort sees the old transaction's macros.
        core.abortTransaction();
        this.setMacros(f[4]);
        return core.onConnect(ev.connectInfo(f), this.respond(event));
      case ev.FG_EV_HELO:
        this.setMacros(f[1]);
        return core.onHelo(text(f[0]), this.respond(event));
      case ev.FG_EV_MAIL:
        core.abortTransaction();
        this.setMacros(f[0]);
        return core.onMail(envelope(f.slice(1)), this.respond(event));
      case ev.FG_EV_RCPT:
        this.setMacros(f[0]);
        return core.onRcpt(envelope(f.slice(1)), this.respond(event));
      case ev.FG_EV_DATA:
        this.setMacros(f[0]);
        return core.onData(this.respond(event));
      case ev.FG_EV_HEADER:
        // libmilter answers headers and body chunks itself.
        return core.onHeader(text(f[0]), text(f[1]), null);
      case ev.FG_EV_EOH:
        this.setMacros(f[0]);
        return core.onEndOfHeaders(this.respond(event));
      case ev.FG_EV_BODY:
        return core.onBody(f[0] ?? EMPTY, null);
      case ev.FG_EV_EOM:
        this.setMacros(f[0]);
        return core
          .onEndOfMessage(EMPTY, (verdict, modifications) => this.endOfMessageAnswer(event, verdict, modifications))
          .catch((error: unknown) => {
            this.logger.error({ session: this.id, err: errorText(error) }, "end of message failed");
            this.send(event, failModeVerdict(this.settings.deadlineFailMode, stageFailReason("eom", "error")), EMPTY);
          });
      case ev.FG_EV_UNKNOWN:
        this.setMacros(f[1]);
        return core.onUnknown(this.respond(event));
      case ev.FG_EV_ABORT:
        core.abortTransaction();
        return;
      case ev.FG_EV_TIMEOUT: {
        const reason = text(f[0]);
        core.failModeApplied(reason);
        this.logger.warn({ session: this.id, reason }, "the libmilter shim applied the fail mode: no answer in time");
        return;
      }
      case ev.FG_EV_CLOSE:
        this.end();
        return;
    }
  }

  private setMacros(field: Buffer | undefined): void {
    this.macros = new Map(macroPairs(field));
  }

  /**
   * How an event's verdict is answered: through the shim when it waits, else null. A handler still runs when the
   * shim does not wait, as in the TypeScript engine, and a verdict other than continue is dropped.
   */
  private respond(event: ShimEvent): Respond | null {
    return event.wantsReply ? (verdict) => this.send(event, verdict, EMPTY) : null;
  }

  private endOfMessageAnswer(event: ShimEvent, verdict: Verdict, modifications: readonly Modification[]): void {
    this.send(event, verdict, encodeModifications(modifications, (this.protocol & SMFIP_HDR_LEADSPC) !== 0));
  }

  /** Answer the shim; the session core has already validated the verdict's SMTP reply. */
  private send(event: ShimEvent, verdict: Verdict, mods: Buffer): void {
    if (!this.answer(event.seq, statusOf(verdict), encodeReply(verdict), mods) && !this.closed)
      this.logger.warn({ session: this.id, type: event.type }, "answer too late: the libmilter shim had moved on");
  }
}

/** MAIL/RCPT arguments as libmilter hands them (argv[0] the address as sent) to the session API's form. */
function envelope(fields: readonly Buffer[]): EnvelopeAddress {
  return { address: stripBrackets(text(fields[0])), args: fields.slice(1).map((f) => text(f)) };
}
