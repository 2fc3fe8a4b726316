/**
 * One milter session of the TypeScript engine: frames from the decoder in, encoded responses out, the policy driven
 * through the session core shared with the libmilter engine (session-core.ts). It is as lenient as libmilter on
 * ordering (several transactions, missing and duplicate aborts, repeated HELO, commands out of order:
 * milter-protocol.md §1.3, §1.12), strict on the wire (a malformed packet, one over its code's cap, or a stream of
 * unknown commands closes this session with a warning), and it never breaks a no-reply promise (§1.5).
 * Transport-agnostic: bytes in, bytes out.
 */
import { codeName, SMFIC_BODYEOB, SMFIC_MACRO, SMFIM_ENVFROM, SMFIP_HDR_LEADSPC } from "../../milter/constants.js";
import { CommandError, parseCommand, type Command } from "../../milter/commands.js";
import { FrameDecoder, frameErrorText, type Frame } from "../../milter/decoder.js";
import { MacroStore } from "../../milter/macros.js";
import { MAX_PACKET_BYTES_OF } from "../../milter/packet-caps.js";
import { negotiate, NegotiationError, NO_REPLY_FLAG, type Negotiated } from "../../milter/negotiate.js";
import { encodeResponse } from "../../milter/responses.js";
import type { MilterPolicy } from "../../vocabulary/policy-api.js";
import type { Modification } from "../../vocabulary/modification.js";
import type { Stage } from "../../vocabulary/stage.js";
import { SessionCore } from "../../session/session-core.js";
import type { Respond, SendableVerdict, SessionObserver, SessionSettings } from "../../session/session-api.js";
import type { Logger } from "../../util/logger.js";
import { encodeEndOfMessage, encodeVerdict } from "./verdict-encoding.js";
import { PacketAllowance } from "./packet-budget.js";
import { ProtocolError, type Transport } from "./session-transport.js";

const MAX_QUEUED_FRAMES = 256;
/** The bytes of frames queued past which the session stops reading, whatever their number. */
const MAX_QUEUED_BYTES = 1024 * 1024;
/**
 * Frames one session handles in one turn of the event loop before it lets the others and the timers run: a message
 * of 60,000 header fields is 120,000 frames, and a hundred sessions streaming such messages would otherwise hold the
 * loop for a second at a time, past every other message's deadline. Headers and body chunks need no answer, so a
 * turn of this many is a few hundred microseconds.
 */
const FRAMES_PER_TURN = 256;
/**
 * The largest packet accepted before option negotiation is done: SMFIC_OPTNEG is 13 bytes from both MTAs
 * (milter-protocol.md §1.5), so whatever connects to the port cannot make a session buffer `maxPacketBytes` (16 MiB
 * by default, times every session) before it has shown it speaks the protocol.
 */
export const PRE_NEGOTIATION_MAX_PACKET_BYTES = 1024;
/** Unknown command codes a session may send before it is closed; no MTA sends any. */
export const MAX_UNKNOWN_COMMANDS = 100;

/** One session of the TypeScript engine: frames in, responses out, the policy driven through a SessionCore. */
export class MilterSession {
  private readonly core: SessionCore;
  private readonly macros = new MacroStore();
  private readonly decoder: FrameDecoder;
  private negotiated: Negotiated | null = null;
  private readonly queue: Frame[] = [];
  private queuedBytes = 0;
  /** The session's share of the process's packet budget (./packet-budget.ts). */
  private readonly buffers = new PacketAllowance(() => this.settings().packetBudgetBytes);
  /** When each end of message in the queue was read, oldest first: its deadline counts from then. */
  private readonly endOfMessageReadAt: number[] = [];
  private busy = false;
  /** The session handed the event loop back with frames still queued; a later turn goes on with them. */
  private yielded = false;
  private paused = false;
  private closed = false;
  private unknownCommands = 0;
  /** Writes a stage's verdict as its response. */
  private readonly writeVerdict: Respond = (verdict) => this.write(encodeVerdict(verdict));

  constructor(
    private readonly policy: MilterPolicy,
    private readonly settings: () => SessionSettings,
    private readonly transport: Transport,
    private readonly logger: Logger,
    private readonly observer: SessionObserver = {},
  ) {
    this.decoder = new FrameDecoder(
      Math.min(PRE_NEGOTIATION_MAX_PACKET_BYTES, settings().maxPacketBytes),
      MAX_PACKET_BYTES_OF,
    );
    this.core = new SessionCore({
      engine: "typescript",
      policy,
      settings,
      logger,
      observer,
      macro: (name) => this.macros.get(name),
    });
  }

  /** A short unique id for logs. */
  get id(): string {
    return this.core.id;
  }

  /** Bytes from the MTA. */
  receive(data: Buffer): void {
    if (this.closed) return;
    const frames = this.decoder.push(data);
    if (!Array.isArray(frames)) {
      this.fail(new ProtocolError(frames.kind, frameErrorText(frames)));
      return;
    }
    for (const frame of frames) {
      if (frame.code === SMFIC_BODYEOB) this.endOfMessageReadAt.push(performance.now());
      this.queue.push(frame);
      this.queuedBytes += frame.payload.length;
    }
    this.pump();
  }

  /** The connection ended (EOF, reset, idle timeout): a normal end at any time (§1.1). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.buffers.release();
    this.endOfMessageReadAt.length = 0;
    this.core.onClose();
  }

  private pump(): void {
    let handled = 0;
    while (!this.busy && !this.closed && !this.yielded && this.queue.length > 0) {
      if (handled++ === FRAMES_PER_TURN) {
        this.yielded = true;
        setImmediate(() => {
          this.yielded = false;
          this.pump();
        });
        break;
      }
      const frame = this.queue.shift()!;
      this.queuedBytes -= frame.payload.length;
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

  /** Pause reading while the queue is full; close the session when what it buffers passes the packet budget. */
  private applyBackpressure(): void {
    if (this.closed) return;
    const refused = this.buffers.hold(this.decoder.pending + this.queuedBytes + this.macros.retainedBytes);
    if (refused !== null) return this.fail(new ProtocolError("packet-budget", refused));
    const full = this.queue.length >= MAX_QUEUED_FRAMES || this.queuedBytes >= MAX_QUEUED_BYTES;
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
        peer: this.core.connect?.address ?? null,
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
    if (frame.code === SMFIC_MACRO) {
      this.macros.definePacket(frame.payload);
      return;
    }
    const pending = this.dispatch(parseCommand(frame));
    if (pending instanceof Promise) return pending.finally(() => this.macros.endCommand());
    this.macros.endCommand();
    return pending;
  }

  private dispatch(command: Command): void | Promise<void> {
    if (command.type === "optneg") return this.optionNegotiation(command);
    if (!this.negotiated && command.type !== "quit" && command.type !== "abort")
      throw new ProtocolError("order", `command ${command.type} before option negotiation`);
    const core = this.core;
    switch (command.type) {
      case "connect":
        return core.onConnect(command.info, this.respond("connect"));
      case "helo":
        return core.onHelo(command.name, this.respond("helo"));
      case "mail":
        // Abort first: the policy's abort still sees the old transaction's macros.
        core.abortTransaction();
        this.macros.clearFrom(SMFIM_ENVFROM + 1);
        return core.onMail(command.sender, this.respond("mail"));
      case "rcpt":
        return core.onRcpt(command.recipient, this.respond("rcpt"));
      case "data":
        return core.onData(this.respond("data"));
      case "header":
        return core.onHeader(command.name, command.value, this.respond("header"));
      case "eoh":
        return core.onEndOfHeaders(this.respond("eoh"));
      case "body":
        return core.onBody(command.chunk, this.respond("body"));
      case "eob":
        return core.onEndOfMessage(
          command.chunk,
          (verdict, modifications) => this.writeEndOfMessage(verdict, modifications),
          () => this.write(encodeResponse.progress()),
          this.endOfMessageReadAt.shift(),
        );
      case "unknown":
        return core.onUnknown(this.respond("unknown"));
      case "abort":
        core.abortTransaction();
        return;
      case "quit":
        this.end();
        this.transport.close();
        return;
      case "quitNc":
        core.onConnectionReset();
        this.macros.clearFrom(0);
        return;
      case "unrecognised":
        return this.unrecognised(command.code);
    }
  }

  /**
   * A command code no MTA sends: answering could desync the stream, so it gets no answer (libmilter ignores them
   * too). Each is counted, the first is warned of, and past MAX_UNKNOWN_COMMANDS the session is closed: a peer
   * sending 5-byte packets of them would otherwise cost a log line and a little CPU each, without end.
   */
  private unrecognised(code: number): void {
    if (++this.unknownCommands > MAX_UNKNOWN_COMMANDS)
      throw new ProtocolError("unknown-command", `more than ${MAX_UNKNOWN_COMMANDS} unknown commands`);
    this.observer.protocolError?.("unknown-command");
    if (this.unknownCommands === 1)
      this.logger.warn(
        { session: this.id, peer: this.core.connect?.address ?? null, code: codeName(code) },
        "ignoring unknown milter commands",
      );
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
    this.decoder.setMaxPacketBytes(settings.maxPacketBytes);
    this.core.negotiated(n.actions, n.protocol);
    if (n.missingActions !== 0)
      this.logger.warn(
        { session: this.id, missing: n.missingActions },
        "MTA does not offer every action Floodgate uses",
      );
    this.write(encodeResponse.optneg(n.version, n.actions, n.protocol, n.macros));
  }

  /** How a stage's verdict is answered: written, or null where a no-reply promise was made (§1.5). */
  private respond(stage: Stage): Respond | null {
    const flag = NO_REPLY_FLAG[stage];
    const noReply = flag !== undefined && ((this.negotiated?.protocol ?? 0) & flag) !== 0;
    return noReply ? null : this.writeVerdict;
  }

  /** The whole end-of-message answer in one write: the modifications, then the verdict. */
  private writeEndOfMessage(verdict: SendableVerdict, modifications: readonly Modification[]): void {
    const leadingSpace = ((this.negotiated?.protocol ?? 0) & SMFIP_HDR_LEADSPC) !== 0;
    this.write(encodeEndOfMessage(verdict, modifications, leadingSpace));
  }
}
