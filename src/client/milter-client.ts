/**
 * The MTA side of the milter protocol, for tests, benchmarks and the CLI. It replays whole transactions the way
 * Postfix does (a `D` packet before every command, often with zero pairs; two aborts after each message) or the way
 * Sendmail does (queue id at MAIL, no `D` before T/L/N/B, no abort), and collects every response with its latency.
 * It honours the negotiated NO* flags (the macros are still sent, §1.7) and NR_* flags (no wait for a reply).
 */
import { connect as netConnect, type Socket } from "node:net";
import { once } from "node:events";
import { encodeCommand } from "../milter/commands.js";
import {
  SMFI_CURR_ACTS,
  SMFI_CURR_PROT,
  SMFI_PROT_VERSION,
  SMFIC_CONNECT,
  SMFIC_HELO,
  SMFIP_NOCONNECT,
  SMFIP_NOHELO,
  SMFIP_NR_CONN,
  SMFIP_NR_HELO,
} from "../milter/constants.js";
import { FrameDecoder, type Frame } from "../milter/decoder.js";
import { isFinalResponse, parseResponse, type Response } from "../milter/responses.js";
import { parseListenSpec } from "../milter/listen-spec.js";
import type { ConnectInfo } from "../vocabulary/mail.js";
import type { Modification } from "../vocabulary/modification.js";
import {
  MilterClientError,
  type ClientOptions,
  type EomResult,
  type MtaStyle,
  type NegotiatedOptions,
  type StepResult,
  type TestMessage,
  type TransactionResult,
} from "./client-types.js";
import { connectMacros, heloMacros } from "./mta-macros.js";
import { replayTransaction, type SendStep, type StepSender } from "./transaction-replay.js";

export type {
  ClientOptions,
  EomResult,
  MtaStyle,
  NegotiatedOptions,
  StepResult,
  TestMessage,
  TransactionResult,
} from "./client-types.js";
export { MilterClientError, simpleMessage } from "./client-types.js";

/** The MTA side of one milter session. */
export class MilterClient implements StepSender {
  private readonly decoder = new FrameDecoder(1_073_741_823);
  private readonly frames: Frame[] = [];
  private waiter: (() => void) | null = null;
  private ended: Error | null = null;
  negotiated: NegotiatedOptions | null = null;
  private transactions = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly options: Required<ClientOptions>,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => {
      const frames = this.decoder.push(data);
      if (!Array.isArray(frames)) {
        this.ended = new MilterClientError(`bad response packet: ${frames.kind}`);
        socket.destroy();
      } else this.frames.push(...frames);
      this.wake();
    });
    socket.on("close", () => {
      this.ended ??= new MilterClientError("milter closed the connection");
      this.wake();
    });
    socket.on("error", (err) => {
      this.ended = new MilterClientError(`milter socket: ${err.message}`);
      this.wake();
    });
  }

  /** Connect to a milter at a listen spec (`inet:127.0.0.1:PORT`, `unix:/path`). */
  static async connect(spec: string, options: ClientOptions = {}): Promise<MilterClient> {
    const target = parseListenSpec(spec);
    const socket =
      target.kind === "unix" ? netConnect(target.path) : netConnect({ host: target.host, port: target.port });
    await Promise.race([
      once(socket, "connect"),
      once(socket, "error").then(([e]) =>
        Promise.reject(new MilterClientError(`connect ${spec}: ${(e as Error).message}`)),
      ),
    ]);
    return new MilterClient(socket, {
      style: options.style ?? "postfix",
      version: options.version ?? SMFI_PROT_VERSION,
      actions: options.actions ?? SMFI_CURR_ACTS,
      protocol: options.protocol ?? SMFI_CURR_PROT,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  }

  get closed(): boolean {
    return this.ended !== null;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next response, or an error at the timeout or when the milter closes. */
  async readResponse(timeoutMs = this.options.timeoutMs): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) throw new MilterClientError(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return parseResponse(this.frames.shift()!);
  }

  /** Responses already received and not read: a milter that broke a no-reply promise leaves some here. */
  get unreadResponses(): number {
    return this.frames.length;
  }

  /** Write raw bytes (for protocol tests). */
  sendRaw(data: Buffer): void {
    this.socket.write(data);
  }

  async negotiate(): Promise<NegotiatedOptions> {
    const o = this.options;
    this.socket.write(encodeCommand.optneg(o.version, o.actions, o.protocol));
    const r = await this.readResponse();
    if (r.type !== "optneg") throw new MilterClientError(`expected an option negotiation reply, got ${r.type}`);
    if (r.version > o.version) throw new MilterClientError(`milter replied version ${r.version} > ${o.version}`);
    if ((r.actions & ~o.actions) !== 0)
      throw new MilterClientError(`action mask 0x${r.actions.toString(16)} not offered`);
    if ((r.protocol & ~o.protocol) !== 0)
      throw new MilterClientError(`protocol mask 0x${r.protocol.toString(16)} not offered`);
    this.negotiated = { version: r.version, actions: r.actions, protocol: r.protocol, macros: r.macros };
    return this.negotiated;
  }

  /** The client's MTA style. */
  get style(): MtaStyle {
    return this.options.style;
  }

  /** The negotiated protocol version (0 before negotiation). */
  get version(): number {
    return this.negotiated?.version ?? 0;
  }

  /** Whether a SMFIP_* bit was negotiated. */
  hasFlag(bit: number): boolean {
    return ((this.negotiated?.protocol ?? 0) & bit) !== 0;
  }

  /** Send macros (if any, or always in Postfix style) then a command; wait for its reply unless NR or NO applies. */
  readonly step: SendStep = async (name, code, frame, macros, skipFlag, noReplyFlag) => {
    const parts: Buffer[] = [];
    if (macros) parts.push(encodeCommand.macro(code, macros));
    const skipped = skipFlag !== 0 && this.hasFlag(skipFlag);
    if (!skipped) parts.push(frame);
    const started = performance.now();
    if (parts.length > 0) this.socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    if (skipped || (noReplyFlag !== 0 && this.hasFlag(noReplyFlag))) return { command: name, response: null, ms: 0 };
    let r = await this.readResponse();
    while (r.type === "progress") r = await this.readResponse();
    const ms = performance.now() - started;
    return r.type === "replyCode"
      ? { command: name, response: r.type, reply: r.text, ms }
      : { command: name, response: r.type, ms };
  };

  /** CONNECT and HELO, as at the start of an SMTP session. */
  async open(
    info: ConnectInfo = { hostname: "localhost", family: "inet", address: "127.0.0.1", port: 40000 },
    helo = "client.example",
  ): Promise<StepResult[]> {
    if (!this.negotiated) await this.negotiate();
    const steps = [
      await this.step(
        "connect",
        SMFIC_CONNECT,
        encodeCommand.connect(info, this.options.style !== "postfix"),
        connectMacros(this.options.style, info),
        SMFIP_NOCONNECT,
        SMFIP_NR_CONN,
      ),
    ];
    steps.push(
      await this.step(
        "helo",
        SMFIC_HELO,
        encodeCommand.helo(helo),
        heloMacros(this.options.style),
        SMFIP_NOHELO,
        SMFIP_NR_HELO,
      ),
    );
    return steps;
  }

  /** One whole message, MAIL to end of message (and Postfix's two aborts). */
  async transaction(message: TestMessage): Promise<TransactionResult> {
    if (!this.negotiated) await this.negotiate();
    this.transactions++;
    const queueId = message.queueId ?? `Q${process.pid.toString(16)}${this.transactions.toString(16).padStart(6, "0")}`;
    return replayTransaction(this, message, queueId);
  }

  /** Read modifications and progress until the final response (§1.4). */
  async readEndOfMessage(): Promise<EomResult> {
    const modifications: Modification[] = [];
    let progress = 0;
    for (;;) {
      const r = await this.readResponse();
      if (r.type === "modification") modifications.push(r.modification);
      else if (r.type === "progress") progress++;
      else if (isFinalResponse(r)) {
        return r.type === "replyCode"
          ? { action: r.type, reply: r.text, modifications, progress }
          : { action: r.type, modifications, progress };
      }
    }
  }

  /** End the session: QUIT, then close. */
  async quit(): Promise<void> {
    if (!this.socket.destroyed) {
      this.socket.end(encodeCommand.quit());
      if (!this.ended) await once(this.socket, "close").catch(() => undefined);
    }
  }

  /** Close without QUIT (as Postfix does after an early accept or reject, §1.1). */
  destroy(): void {
    this.socket.destroy();
  }
}
